package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

const orgColumns = `id, name, plan, lead_delete_enabled, journal_level, clock_offset_ms, schema_version, created_on`

func scanOrg(row interface{ Scan(...any) error }, o *crm.Org) error {
	var del, off, created int64
	if err := row.Scan(&o.ID, &o.Name, &o.Plan, &del, &o.JournalLevel, &off, &o.SchemaVersion, &created); err != nil {
		return err
	}
	o.LeadDeleteEnabled = del == 1
	o.ClockOffset = time.Duration(off) * time.Millisecond
	o.CreatedOn = fromMS(created)
	return nil
}

// CreateOrg creates an org named name. It returns KindInvalid for an empty
// name and KindDuplicate when the name is taken.
func (s *Store) CreateOrg(ctx context.Context, name string) (*crm.Org, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return nil, crm.Errorf(crm.KindInvalid, "org name must be 1 to 100 characters")
	}
	var o crm.Org
	err := s.write(ctx, func(tx *sql.Tx) error {
		return s.createOrg(ctx, tx, name, &o)
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func (s *Store) createOrg(ctx context.Context, tx *sql.Tx, name string, o *crm.Org) error {
	now := s.now(0)
	row := tx.QueryRowContext(ctx, s.d.q(`INSERT INTO orgs (name, created_on) VALUES (?, ?) RETURNING `+orgColumns), name, ms(now))
	if err := scanOrg(row, o); err != nil {
		if _, ok := uniqueViolation(err); ok {
			return crm.Errorf(crm.KindDuplicate, "an org named %q already exists", name)
		}
		return internal("store.CreateOrg", err)
	}
	if s.d.name == "postgres" {
		if _, err := tx.ExecContext(ctx, `CREATE SEQUENCE `+leadSeqName(o.ID)); err != nil {
			return internal("store.CreateOrg", err)
		}
	}
	return nil
}

// Org returns the org with this id, or KindNotFound.
func (s *Store) Org(ctx context.Context, id crm.OrgID) (*crm.Org, error) {
	var o crm.Org
	err := scanOrg(s.r.QueryRowContext(ctx, s.d.q(`SELECT `+orgColumns+` FROM orgs WHERE id = ?`), id), &o)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.Errorf(crm.KindNotFound, "org %d does not exist", id)
	}
	if err != nil {
		return nil, internal("store.Org", err)
	}
	return &o, nil
}

// Orgs lists every org by id.
func (s *Store) Orgs(ctx context.Context) ([]crm.Org, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+orgColumns+` FROM orgs ORDER BY id`)
	if err != nil {
		return nil, internal("store.Orgs", err)
	}
	defer rows.Close()
	var out []crm.Org
	for rows.Next() {
		var o crm.Org
		if err := scanOrg(rows, &o); err != nil {
			return nil, internal("store.Orgs", err)
		}
		out = append(out, o)
	}
	return out, internal("store.Orgs", rows.Err())
}

// OrgSettings are the org settings the admin API may change; nil fields
// stay as they are.
type OrgSettings struct {
	LeadDeleteEnabled *bool
	JournalLevel      *string
	Plan              *string
	ClockOffset       *time.Duration // the org's clock runs this far ahead of the server's
}

// UpdateOrg applies settings to the org and returns it. KindNotFound when
// the org does not exist, KindInvalid for a bad journal level.
func (s *Store) UpdateOrg(ctx context.Context, id crm.OrgID, set OrgSettings) (*crm.Org, error) {
	if set.JournalLevel != nil && !crm.ValidJournalLevel(*set.JournalLevel) {
		return nil, crm.Errorf(crm.KindInvalid, "journal level must be full, errors or signature")
	}
	var o crm.Org
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := scanOrg(tx.QueryRowContext(ctx, s.d.q(`SELECT `+orgColumns+` FROM orgs WHERE id = ?`+s.d.forUpdate), id), &o); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return crm.Errorf(crm.KindNotFound, "org %d does not exist", id)
			}
			return internal("store.UpdateOrg", err)
		}
		if set.LeadDeleteEnabled != nil {
			o.LeadDeleteEnabled = *set.LeadDeleteEnabled
		}
		if set.JournalLevel != nil {
			o.JournalLevel = *set.JournalLevel
		}
		if set.Plan != nil {
			o.Plan = *set.Plan
		}
		if set.ClockOffset != nil {
			o.ClockOffset = *set.ClockOffset
		}
		s.auth.changed()
		_, err := tx.ExecContext(ctx, s.d.q(`UPDATE orgs SET lead_delete_enabled = ?, journal_level = ?, plan = ?, clock_offset_ms = ? WHERE id = ?`),
			boolInt(o.LeadDeleteEnabled), o.JournalLevel, o.Plan, o.ClockOffset.Milliseconds(), id)
		return internal("store.UpdateOrg", err)
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}
