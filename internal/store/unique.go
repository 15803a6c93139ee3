package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
)

// uniqueKey is the form of a custom unique field's value that collisions
// compare: trimmed and lower-cased. Empty means "no value".
func uniqueKey(v string) string { return strings.ToLower(strings.TrimSpace(v)) }

// syncUniqueValues records the lead's values of the org's unique custom
// fields in lead_unique_values, replacing what was recorded before, so
// that the table's primary key refuses a second lead with the same value
// (concurrent writers included). It reads the org's cached schema; when no
// custom field is unique it runs no query. Errors: KindDuplicate, in
// LeadSquared's wording with the field's display name.
func (s *Store) syncUniqueValues(ctx context.Context, tx *sql.Tx, org crm.OrgID, leadID string, vals map[string]string) error {
	s.schemaMu.Lock()
	sch := s.schemas[org]
	s.schemaMu.Unlock()
	if sch == nil { // every lead write loads the schema first; this is a fallback
		var err error
		if sch, err = s.loadSchema(ctx, tx, org); err != nil {
			return err
		}
	}
	fields := sch.UniqueCustomFields()
	if len(fields) == 0 {
		return nil
	}
	del, err := s.txStmt(ctx, tx, `DELETE FROM lead_unique_values WHERE lead_id = ?`)
	if err != nil {
		return internal("store.syncUniqueValues", err)
	}
	if _, err := del.ExecContext(ctx, leadID); err != nil {
		return internal("store.syncUniqueValues", err)
	}
	ins, err := s.txStmt(ctx, tx, `INSERT INTO lead_unique_values (org_id, field, value_key, lead_id) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return internal("store.syncUniqueValues", err)
	}
	for _, f := range fields {
		key := uniqueKey(vals[f.SchemaName])
		if key == "" {
			continue
		}
		if _, err := ins.ExecContext(ctx, org, f.SchemaName, key, leadID); err != nil {
			if _, dup := uniqueViolation(err); dup {
				return crm.Errorf(crm.KindDuplicate, "A Lead with same %s already exists.", f.DisplayName)
			}
			return internal("store.syncUniqueValues", err)
		}
	}
	return nil
}

// backfillUnique records every lead's value of f, which is becoming
// unique. KindDuplicate, counting the shared values, when leads already
// share some (compared as uniqueKey does); nothing is recorded then.
func (s *Store) backfillUnique(ctx context.Context, tx *sql.Tx, org crm.OrgID, f *crm.Field) error {
	col := s.d.jsonText("fields", f.SchemaName)
	rows, err := tx.QueryContext(ctx, s.d.q(`SELECT id, `+col+` FROM leads WHERE org_id = ? AND `+col+` IS NOT NULL`), org)
	if err != nil {
		return internal("store.backfillUnique", err)
	}
	defer rows.Close()
	owner := map[string]string{} // value key → first lead
	shared := map[string]int{}   // value key → leads holding it, when more than one
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			return internal("store.backfillUnique", err)
		}
		key := uniqueKey(v)
		if key == "" {
			continue
		}
		if _, ok := owner[key]; ok {
			shared[key] = max(shared[key], 1) + 1
			continue
		}
		owner[key] = id
	}
	if err := rows.Err(); err != nil {
		return internal("store.backfillUnique", err)
	}
	rows.Close()
	if len(shared) > 0 {
		leads := 0
		for _, n := range shared {
			leads += n
		}
		return crm.Errorf(crm.KindDuplicate, "%s cannot be made unique: %d value(s) are shared by more than one lead (%d leads in all)",
			f.SchemaName, len(shared), leads)
	}
	ins, err := s.txStmt(ctx, tx, `INSERT INTO lead_unique_values (org_id, field, value_key, lead_id) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return internal("store.backfillUnique", err)
	}
	for key, id := range owner {
		if _, err := ins.ExecContext(ctx, org, f.SchemaName, key, id); err != nil {
			return internal("store.backfillUnique", err)
		}
	}
	return nil
}
