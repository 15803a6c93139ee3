package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
)

// Schema returns the org's lead fields. It is cached per org and reloaded
// when org.SchemaVersion moves, so every instance sees a new field on the
// next call without a query per call.
func (s *Store) Schema(ctx context.Context, org *crm.Org) (*crm.Schema, error) {
	s.schemaMu.Lock()
	sch := s.schemas[org.ID]
	s.schemaMu.Unlock()
	if sch != nil && sch.Version == org.SchemaVersion {
		return sch, nil
	}
	sch, err := s.loadSchema(ctx, s.r, org.ID)
	if err != nil {
		return nil, err
	}
	s.schemaMu.Lock()
	if cur := s.schemas[org.ID]; cur == nil || cur.Version < sch.Version {
		s.schemas[org.ID] = sch
	}
	s.schemaMu.Unlock()
	return sch, nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (s *Store) loadSchema(ctx context.Context, db querier, org crm.OrgID) (*crm.Schema, error) {
	var version int64
	if err := db.QueryRowContext(ctx, s.d.q(`SELECT schema_version FROM orgs WHERE id = ?`), org).Scan(&version); err != nil {
		return nil, internal("store.Schema", err)
	}
	rows, err := db.QueryContext(ctx, s.d.q(`SELECT schema_name, display_name, data_type, render_type, render_type_text,
		is_mandatory, is_unique, max_length, options, show_in_quick_search, created_on, modified_on
		FROM lead_fields WHERE org_id = ? ORDER BY position`), org)
	if err != nil {
		return nil, internal("store.Schema", err)
	}
	defer rows.Close()
	var custom []*crm.Field
	for rows.Next() {
		f := &crm.Field{}
		var mand, uniq, quick, created, modified int64
		var opts string
		if err := rows.Scan(&f.SchemaName, &f.DisplayName, &f.DataType, &f.RenderType, &f.RenderTypeText,
			&mand, &uniq, &f.MaxLength, &opts, &quick, &created, &modified); err != nil {
			return nil, internal("store.Schema", err)
		}
		f.Mandatory, f.Unique, f.ShowInQuickSearch = mand == 1, uniq == 1, quick == 1
		f.CreatedOn, f.ModifiedOn = fromMS(created), fromMS(modified)
		if err := json.Unmarshal([]byte(opts), &f.Options); err != nil {
			return nil, internal("store.Schema", err)
		}
		custom = append(custom, f)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("store.Schema", err)
	}
	return crm.NewSchema(version, custom), nil
}

const leadColumns = `id, auto_id, created_by, modified_by, created_on, modified_on, last_modified_on, fields`

func scanLead(row interface{ Scan(...any) error }, l *crm.Lead) error {
	return scanSomeLead(row, l, nil)
}

// scanSomeLead is scanLead keeping only the fields in keep (all when nil).
func scanSomeLead(row interface{ Scan(...any) error }, l *crm.Lead, keep map[string]bool) error {
	var created, modified, last int64
	var fields string
	if err := row.Scan(&l.ID, &l.AutoID, &l.CreatedBy, &l.ModifiedBy, &created, &modified, &last, &fields); err != nil {
		return err
	}
	l.CreatedOn, l.ModifiedOn, l.LastModifiedOn = fromMS(created), fromMS(modified), fromMS(last)
	if keep == nil {
		l.Values = make(map[string]string, 24)
	} else {
		l.Values = make(map[string]string, len(keep))
	}
	return decodeSomeFields(fields, l.Values, keep)
}

// normID lower-cases a lead id; ok is false when it is not a UUID, which
// can match no lead.
func normID(id string) (string, bool) {
	id = strings.TrimSpace(id)
	if !crm.ValidID(id) {
		return "", false
	}
	return strings.ToLower(id), true
}

// Lead returns the org's lead with this id, or crm.ErrLeadNotFound.
func (s *Store) Lead(ctx context.Context, org crm.OrgID, id string) (*crm.Lead, error) {
	id, ok := normID(id)
	if !ok {
		return nil, crm.ErrLeadNotFound
	}
	var l crm.Lead
	err := scanLead(s.r.QueryRowContext(ctx, s.d.q(`SELECT `+leadColumns+` FROM leads WHERE org_id = ? AND id = ?`), org, id), &l)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.ErrLeadNotFound
	}
	if err != nil {
		return nil, internal("store.Lead", err)
	}
	return &l, nil
}

// CreateLead creates a lead from attrs (type-checked by the caller) as the
// principal's user and returns it. Errors: those of crm.PrepareCreate,
// KindInvalid for an OwnerId that is not an active user of the org,
// KindDuplicate when a unique field collides (decided by the database's
// constraints, so concurrent creates of one email make exactly one lead).
func (s *Store) CreateLead(ctx context.Context, p *crm.Principal, attrs []crm.Attribute) (*crm.Lead, error) {
	sch, err := s.Schema(ctx, &p.Org)
	if err != nil {
		return nil, err
	}
	vals, err := crm.PrepareCreate(sch, attrs, p.User.ID)
	if err != nil {
		return nil, err
	}
	var l *crm.Lead
	err = s.write(ctx, func(tx *sql.Tx) error {
		l, err = s.createLeadTx(ctx, tx, p, vals, 0, s.txNow(&p.Org))
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// checkOwner refuses an OwnerId that is not an active user of the org. The
// caller, already authenticated, needs no query.
func (s *Store) checkOwner(ctx context.Context, tx *sql.Tx, org crm.OrgID, owner, caller string) error {
	if owner == "" || owner == caller {
		return nil
	}
	var active int64
	err := tx.QueryRowContext(ctx, s.d.q(`SELECT active FROM users WHERE org_id = ? AND id = ?`), org, strings.ToLower(owner)).Scan(&active)
	if errors.Is(err, sql.ErrNoRows) || err == nil && active != 1 {
		return crm.Invalidf("OwnerId (no active user with id '%s')", truncate(owner, 64))
	}
	return internal("store.checkOwner", err)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// leadKeys are the columns derived from a lead's values on every write,
// in the order insertLead and saveLead write them: email, phone, mobile,
// owner, first name, last name, company.
func leadKeys(vals map[string]string) []any {
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	lower := func(name string) any { return nullable(strings.ToLower(strings.TrimSpace(vals[name]))) }
	return []any{nullable(crm.EmailKey(vals["EmailAddress"])), nullable(crm.PhoneKey(vals["Phone"])),
		nullable(crm.PhoneKey(vals["Mobile"])), lower("OwnerId"), lower("FirstName"), lower("LastName"), lower("Company")}
}

// insertLead inserts l and counts it in the org's lead count.
func (s *Store) insertLead(ctx context.Context, tx *sql.Tx, org crm.OrgID, l *crm.Lead) error {
	fields := encodeFields(l.Values)
	if s.d.name == "postgres" {
		return s.insertLeadRow(ctx, tx, org, l, fields, true) // counted in the same statement
	}
	if err := s.insertLeadRow(ctx, tx, org, l, fields, false); err != nil {
		return err
	}
	return s.addLeadCount(ctx, tx, org, 1)
}

const insertLeadSQL = `INSERT INTO leads (id, org_id, auto_id, email_key, phone_key, mobile_key, owner_id,
		first_name_key, last_name_key, company_key, created_by, modified_by, created_on, modified_on, last_modified_on, fields)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// pgInsertCountedLeadSQL is insertLeadSQL adding the lead to a shard of
// its org's count (as pgLeadCountSQL) in the same statement, which saves
// a single create a round trip.
const pgInsertCountedLeadSQL = `WITH ins AS (` + insertLeadSQL + ` RETURNING org_id)
	INSERT INTO lead_counts (org_id, shard, n) SELECT org_id, ` + pgLeadCountShard + `, 1 FROM ins` + pgLeadCountUpsert

// insertLeadRow inserts l, whose values marshal to fields, and its unique
// values. Only counted (PostgreSQL) adds it to the org's lead count;
// otherwise the caller does.
func (s *Store) insertLeadRow(ctx context.Context, tx *sql.Tx, org crm.OrgID, l *crm.Lead, fields string, counted bool) error {
	q := insertLeadSQL
	if counted {
		q = pgInsertCountedLeadSQL
	}
	st, err := s.txStmt(ctx, tx, q)
	if err != nil {
		return internal("store.insertLead", err)
	}
	args := append([]any{l.ID, org, l.AutoID}, leadKeys(l.Values)...)
	args = append(args, l.CreatedBy, l.ModifiedBy, ms(l.CreatedOn), ms(l.ModifiedOn), ms(l.LastModifiedOn), fields)
	_, err = st.ExecContext(ctx, args...)
	if err != nil {
		return leadWriteError("store.insertLead", err)
	}
	return s.syncUniqueValues(ctx, tx, org, l.ID, l.Values)
}

// leadWriteError turns a unique violation into LeadSquared's duplicate
// error for the field whose index it hit.
func leadWriteError(op string, err error) error {
	if err == nil {
		return nil
	}
	if what, ok := uniqueViolation(err); ok {
		switch {
		case strings.Contains(what, "email_key"):
			return crm.Errorf(crm.KindDuplicate, "A Lead with same Email already exists.")
		case strings.Contains(what, "mobile_key"):
			return crm.Errorf(crm.KindDuplicate, "A Lead with same Mobile Number already exists.")
		case strings.Contains(what, "phone_key"):
			return crm.Errorf(crm.KindDuplicate, "A Lead with same Phone Number already exists.")
		}
	}
	return internal(op, err)
}

// UpdateLead applies attrs to the org's lead id as the principal's user
// (a partial update) and returns the lead as it now is. A write that
// changes nothing succeeds and moves no dates. Errors: crm.ErrLeadNotFound,
// those of crm.PrepareUpdate, KindInvalid for a bad OwnerId, KindDuplicate.
func (s *Store) UpdateLead(ctx context.Context, p *crm.Principal, id string, attrs []crm.Attribute) (*crm.Lead, error) {
	id, ok := normID(id)
	if !ok {
		return nil, crm.ErrLeadNotFound
	}
	sch, err := s.Schema(ctx, &p.Org)
	if err != nil {
		return nil, err
	}
	var l *crm.Lead
	err = s.write(ctx, func(tx *sql.Tx) error {
		if l, err = s.lockLead(ctx, tx, p.Org.ID, id); err != nil {
			return err
		}
		_, err = s.updateLeadTx(ctx, tx, p, sch, l, attrs, s.txNow(&p.Org))
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (s *Store) saveLead(ctx context.Context, tx *sql.Tx, org crm.OrgID, l *crm.Lead) error {
	fields := encodeFields(l.Values)
	st, err := s.txStmt(ctx, tx, `UPDATE leads SET email_key = ?, phone_key = ?, mobile_key = ?, owner_id = ?,
		first_name_key = ?, last_name_key = ?, company_key = ?,
		modified_by = ?, modified_on = ?, last_modified_on = ?, fields = ? WHERE org_id = ? AND id = ?`)
	if err != nil {
		return internal("store.saveLead", err)
	}
	res, err := st.ExecContext(ctx, append(leadKeys(l.Values),
		l.ModifiedBy, ms(l.ModifiedOn), ms(l.LastModifiedOn), fields, org, l.ID)...)
	if err != nil {
		return leadWriteError("store.saveLead", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return internal("store.saveLead", fmt.Errorf("%d rows updated", n))
	}
	return s.syncUniqueValues(ctx, tx, org, l.ID, l.Values)
}

// LeadCount returns how many leads the org has.
func (s *Store) LeadCount(ctx context.Context, org crm.OrgID) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM leads WHERE org_id = ?`), org).Scan(&n)
	return n, internal("store.LeadCount", err)
}

// nextAutoIDs allocates n ProspectAutoId values for the org, increasing.
// On SQLite the org's counter row is updated in the caller's transaction
// (there is one writer anyway). On PostgreSQL each org has its own
// sequence: nextval holds no lock until commit, so concurrent creates do
// not queue behind one row lock; a rolled-back create leaves a gap, as
// sequences do.
func (s *Store) nextAutoIDs(ctx context.Context, tx *sql.Tx, org crm.OrgID, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if s.d.name == "postgres" {
		rows, err := tx.QueryContext(ctx, `SELECT nextval('`+leadSeqName(org)+`') FROM generate_series(1, $1)`, n)
		if err != nil {
			return nil, internal("store.nextAutoIDs", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, internal("store.nextAutoIDs", err)
			}
			ids = append(ids, id)
		}
		return ids, internal("store.nextAutoIDs", rows.Err())
	}
	var last int64
	st, err := s.txStmt(ctx, tx, `UPDATE orgs SET lead_seq = lead_seq + ? WHERE id = ? RETURNING lead_seq`)
	if err != nil {
		return nil, internal("store.nextAutoIDs", err)
	}
	if err := st.QueryRowContext(ctx, n, org).Scan(&last); err != nil {
		return nil, internal("store.nextAutoIDs", err)
	}
	for i := int64(n) - 1; i >= 0; i-- {
		ids = append(ids, last-i)
	}
	return ids, nil
}

// leadSeqName is the PostgreSQL sequence of an org's ProspectAutoId. The
// org id is an integer, so the name is safe to splice.
func leadSeqName(org crm.OrgID) string { return fmt.Sprintf("lead_auto_id_%d", org) }
