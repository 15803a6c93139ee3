package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
)

// bumpSchema moves the org's schema_version on, so every instance reloads
// the org's schema on its next call, and returns the new version. On
// PostgreSQL the row lock it takes serialises field changes of one org.
func (s *Store) bumpSchema(ctx context.Context, tx *sql.Tx, org crm.OrgID) (int64, error) {
	s.auth.changed() // the principal carries the schema version
	var v int64
	err := tx.QueryRowContext(ctx, s.d.q(`UPDATE orgs SET schema_version = schema_version + 1 WHERE id = ? RETURNING schema_version`), org).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, crm.Errorf(crm.KindNotFound, "org %d does not exist", org)
	}
	return v, internal("store.bumpSchema", err)
}

func optionsJSON(opts []string) (string, error) {
	if opts == nil {
		opts = []string{}
	}
	b, err := json.Marshal(opts)
	return string(b), err
}

// CreateField adds a custom lead field to the principal's org as its user
// and returns it. spec is checked by crm.NewCustomField. Errors: those of
// crm.NewCustomField; KindDuplicate when the org has a field of that schema
// name (compared case-insensitively); KindInvalid when the org already has
// crm.MaxCustomFields custom fields.
func (s *Store) CreateField(ctx context.Context, p *crm.Principal, spec crm.FieldSpec) (*crm.Field, error) {
	now := fromMS(ms(s.now(p.Org.ClockOffset)))
	f, err := crm.NewCustomField(spec, now)
	if err != nil {
		return nil, err
	}
	set := spec.Settings
	set.CreatedBy, set.ModifiedBy = p.User.ID, p.User.ID
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.bumpSchema(ctx, tx, p.Org.ID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, s.d.q(`SELECT schema_name, position FROM lead_fields WHERE org_id = ?`), p.Org.ID)
		if err != nil {
			return internal("store.CreateField", err)
		}
		defer rows.Close()
		var count, pos int64
		for rows.Next() {
			var name string
			var at int64
			if err := rows.Scan(&name, &at); err != nil {
				return internal("store.CreateField", err)
			}
			pos = max(pos, at)
			if crm.IsSystemField(name) {
				continue
			}
			count++
			if strings.EqualFold(name, f.SchemaName) {
				return crm.Errorf(crm.KindDuplicate, "A field with schema name '%s' already exists", name)
			}
		}
		if err := rows.Err(); err != nil {
			return internal("store.CreateField", err)
		}
		rows.Close()
		if count >= crm.MaxCustomFields {
			return crm.Invalidf("DisplayName (the org already has %d custom fields, the most allowed)", crm.MaxCustomFields)
		}
		opts, err := optionsJSON(f.Options)
		if err != nil {
			return internal("store.CreateField", err)
		}
		_, err = tx.ExecContext(ctx, s.d.q(`INSERT INTO lead_fields (org_id, schema_name, display_name, data_type,
			render_type, render_type_text, is_mandatory, is_unique, max_length, options, show_in_quick_search,
			position, created_on, modified_on, show_in_import, show_in_mail_merge, lock_after_create,
			use_in_lead_clone, created_by, modified_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			p.Org.ID, f.SchemaName, f.DisplayName, f.DataType, f.RenderType, f.RenderTypeText, boolInt(f.Mandatory),
			f.MaxLength, opts, boolInt(f.ShowInQuickSearch), pos+1, ms(now), ms(now),
			boolInt(set.ShowInImport), boolInt(set.ShowInMailMerge), set.LockAfterCreate, boolInt(set.UseInLeadClone),
			set.CreatedBy, set.ModifiedBy)
		if _, dup := uniqueViolation(err); dup {
			return crm.Errorf(crm.KindDuplicate, "A field with schema name '%s' already exists", f.SchemaName)
		}
		return internal("store.CreateField", err)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// AddFieldOptions appends to the org's custom Select field name the
// values of add it lacks (see crm.AddOptions) and returns how many were
// added; the schema version moves only when some were. Errors: KindInvalid
// when name is not a custom Select field of the org, or those of
// crm.AddOptions.
func (s *Store) AddFieldOptions(ctx context.Context, p *crm.Principal, name string, add []string) (int, error) {
	var n int
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.bumpSchema(ctx, tx, p.Org.ID); err != nil {
			return err
		}
		f := &crm.Field{SchemaName: name}
		var opts string
		err := tx.QueryRowContext(ctx, s.d.q(`SELECT data_type, options FROM lead_fields WHERE org_id = ? AND schema_name = ?`),
			p.Org.ID, name).Scan(&f.DataType, &opts)
		if errors.Is(err, sql.ErrNoRows) || crm.IsSystemField(name) {
			return crm.Invalidf("SchemaName (no custom field '%s')", sanitizeName(name))
		}
		if err != nil {
			return internal("store.AddFieldOptions", err)
		}
		if err := json.Unmarshal([]byte(opts), &f.Options); err != nil {
			return internal("store.AddFieldOptions", err)
		}
		var all []string
		if all, n, err = crm.AddOptions(f, add); err != nil || n == 0 {
			// Nothing to write: roll back, so the version does not move.
			if err == nil {
				err = errNothing
			}
			return err
		}
		if opts, err = optionsJSON(all); err != nil {
			return internal("store.AddFieldOptions", err)
		}
		_, err = tx.ExecContext(ctx, s.d.q(`UPDATE lead_fields SET options = ?, modified_on = ?, modified_by = ? WHERE org_id = ? AND schema_name = ?`),
			opts, ms(s.now(p.Org.ClockOffset)), p.User.ID, p.Org.ID, name)
		return internal("store.AddFieldOptions", err)
	})
	if errors.Is(err, errNothing) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// errNothing rolls back a transaction that found nothing to change.
var errNothing = errors.New("nothing to change")

// FieldSettings returns the stored settings of the org's custom fields by
// schema name. System fields have none.
func (s *Store) FieldSettings(ctx context.Context, org crm.OrgID) (map[string]crm.FieldSettings, error) {
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT schema_name, show_in_import, show_in_mail_merge, lock_after_create,
		use_in_lead_clone, created_by, modified_by FROM lead_fields WHERE org_id = ?`), org)
	if err != nil {
		return nil, internal("store.FieldSettings", err)
	}
	defer rows.Close()
	out := map[string]crm.FieldSettings{}
	for rows.Next() {
		var name string
		var imp, mm, clone int64
		var set crm.FieldSettings
		if err := rows.Scan(&name, &imp, &mm, &set.LockAfterCreate, &clone, &set.CreatedBy, &set.ModifiedBy); err != nil {
			return nil, internal("store.FieldSettings", err)
		}
		set.ShowInImport, set.ShowInMailMerge, set.UseInLeadClone = imp == 1, mm == 1, clone == 1
		out[name] = set
	}
	return out, internal("store.FieldSettings", rows.Err())
}

// FieldChange is what the admin API may change on a field; nil members
// stay as they are.
type FieldChange struct {
	Unique            *bool
	Mandatory         *bool
	ShowInQuickSearch *bool
}

// UpdateField applies ch to the org's field name and returns the field as
// it now is. Custom fields take all three; system fields only
// ShowInQuickSearch (Unique true is accepted, as a no-op, on the fields
// that are always unique). Making a custom field unique records every
// lead's value of it in the same transaction. Errors: KindNotFound for an
// unknown org or field; KindInvalid for a change a system field does not
// take; KindDuplicate when leads already share values of a field being
// made unique (the message counts them).
func (s *Store) UpdateField(ctx context.Context, orgID crm.OrgID, name string, ch FieldChange) (*crm.Field, error) {
	org, err := s.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var out *crm.Field
	var installed bool
	err = s.write(ctx, func(tx *sql.Tx) error {
		version, err := s.bumpSchema(ctx, tx, orgID)
		if err != nil {
			return err
		}
		cur, err := s.loadSchema(ctx, tx, orgID)
		if err != nil {
			return err
		}
		f := cur.Field(name)
		if f == nil {
			return crm.Errorf(crm.KindNotFound, "field '%s' does not exist", sanitizeName(name))
		}
		now := ms(s.now(org.ClockOffset))
		if f.System {
			if err := s.updateSystemField(ctx, tx, orgID, f, ch, now); err != nil {
				return err
			}
		} else {
			if err := s.updateCustomField(ctx, tx, orgID, f, ch, now); err != nil {
				return err
			}
		}
		// Install the new schema before commit: the writer connection is
		// still held, so no lead write can run between the commit and a
		// cache that knows the field is unique.
		sch, err := s.loadSchema(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if sch.Version != version {
			return internal("store.UpdateField", errors.New("schema version moved inside the transaction"))
		}
		s.installSchema(orgID, sch)
		installed = true
		out = sch.Field(name)
		return nil
	})
	if err != nil {
		if installed { // the commit failed: forget the schema that never was
			s.schemaMu.Lock()
			delete(s.schemas, orgID)
			s.schemaMu.Unlock()
		}
		return nil, err
	}
	return out, nil
}

// installSchema makes sch the org's cached schema unless a newer one is.
func (s *Store) installSchema(org crm.OrgID, sch *crm.Schema) {
	s.schemaMu.Lock()
	if cur := s.schemas[org]; cur == nil || cur.Version < sch.Version {
		s.schemas[org] = sch
	}
	s.schemaMu.Unlock()
}

func (s *Store) updateSystemField(ctx context.Context, tx *sql.Tx, org crm.OrgID, f *crm.Field, ch FieldChange, now int64) error {
	if ch.Mandatory != nil {
		return crm.Invalidf("mandatory (system field %s takes only showInQuickSearch)", f.SchemaName)
	}
	if ch.Unique != nil && *ch.Unique != f.Unique {
		if f.Unique {
			return crm.Invalidf("unique (%s is always unique)", f.SchemaName)
		}
		return crm.Invalidf("unique (system field %s takes only showInQuickSearch)", f.SchemaName)
	}
	if ch.ShowInQuickSearch == nil {
		return nil
	}
	// The org's settings of a system field live in a lead_fields row of
	// the same name, which crm.NewSchema reads as settings, not a field.
	opts, _ := optionsJSON(nil)
	res, err := tx.ExecContext(ctx, s.d.q(`UPDATE lead_fields SET show_in_quick_search = ?, modified_on = ? WHERE org_id = ? AND schema_name = ?`),
		boolInt(*ch.ShowInQuickSearch), now, org, f.SchemaName)
	if err != nil {
		return internal("store.UpdateField", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	_, err = tx.ExecContext(ctx, s.d.q(`INSERT INTO lead_fields (org_id, schema_name, display_name, data_type,
		render_type, render_type_text, max_length, options, show_in_quick_search, position, created_on, modified_on)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`),
		org, f.SchemaName, f.DisplayName, f.DataType, f.RenderType, f.RenderTypeText, f.MaxLength, opts,
		boolInt(*ch.ShowInQuickSearch), now, now)
	return internal("store.UpdateField", err)
}

func (s *Store) updateCustomField(ctx context.Context, tx *sql.Tx, org crm.OrgID, f *crm.Field, ch FieldChange, now int64) error {
	uniq, mand, quick := f.Unique, f.Mandatory, f.ShowInQuickSearch
	if ch.Unique != nil {
		uniq = *ch.Unique
	}
	if ch.Mandatory != nil {
		mand = *ch.Mandatory
	}
	if ch.ShowInQuickSearch != nil {
		quick = *ch.ShowInQuickSearch
	}
	switch {
	case uniq && !f.Unique:
		if err := s.backfillUnique(ctx, tx, org, f); err != nil {
			return err
		}
	case !uniq && f.Unique:
		if _, err := tx.ExecContext(ctx, s.d.q(`DELETE FROM lead_unique_values WHERE org_id = ? AND field = ?`), org, f.SchemaName); err != nil {
			return internal("store.UpdateField", err)
		}
	}
	_, err := tx.ExecContext(ctx, s.d.q(`UPDATE lead_fields SET is_unique = ?, is_mandatory = ?, show_in_quick_search = ?, modified_on = ?
		WHERE org_id = ? AND schema_name = ?`), boolInt(uniq), boolInt(mand), boolInt(quick), now, org, f.SchemaName)
	return internal("store.UpdateField", err)
}
