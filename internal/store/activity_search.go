package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

// checkLeadRefs checks that each Lead field of t whose value in fields is
// set and differs from base (nil on create) names a lead of the org, so a
// reference is checked when written and an unchanged one is not re-read.
// On PostgreSQL the named lead is locked FOR KEY SHARE until tx ends: a
// merge or delete of it then waits for this activity to commit, and its
// repointLeadRefs sees the reference. Without the lock the activity could
// commit after the merge's rewrite and name a lead that no longer exists.
// Errors: KindActivityFields.
func (s *Store) checkLeadRefs(ctx context.Context, tx *sql.Tx, org crm.OrgID, t *crm.ActivityType, base, fields map[string]string) error {
	for _, f := range t.Fields {
		if f.DataType != crm.ActLead {
			continue
		}
		v := fields[f.SchemaName]
		if v == "" || v == base[f.SchemaName] {
			continue
		}
		var one int
		err := tx.QueryRowContext(ctx, s.d.q(`SELECT 1 FROM leads WHERE org_id = ? AND id = ?`+s.d.forKeyShare), org, v).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return crm.FieldsError("Field name : '%s' of datatype : '%s' does not name a lead of this account.", f.SchemaName, f.DataType)
		}
		if err != nil {
			return internal("store.checkLeadRefs", err)
		}
	}
	return nil
}

// activitySystemColumns are the activities columns of the system fields
// a search may name (crm's activitySystemFields).
var activitySystemColumns = map[string]string{
	"ProspectActivityId": "id",
	"RelatedProspectId":  "lead_id",
	"Owner":              "owner_id",
	"Status":             "status",
	"ActivityEvent_Note": "note",
	"CreatedOn":          "activity_on",
	"ActivityDateTime":   "activity_on",
	"ModifiedOn":         "modified_on",
}

// numberPattern matches the text PostgreSQL can cast to float8, so a
// stored value that is not a number (a field whose type changed) compares
// as empty instead of failing the query.
const numberPattern = `^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$`

// activityColumn returns the SQL of field f: its value as stored (raw,
// NULL or ” when empty) and as compared (cmp), each with its arguments.
// Column names come from a fixed table and custom field names travel as
// bound JSON paths, never spliced.
func (s *Store) activityColumn(f crm.ActivitySearchField) (raw string, rawArgs []any, cmp string, cmpArgs []any) {
	if col, ok := activitySystemColumns[f.Name]; ok {
		if f.Kind == crm.AKText {
			return col, nil, "lower(" + col + ")", nil
		}
		return col, nil, col, nil
	}
	if s.d.name == "postgres" {
		raw, rawArgs = "(fields::jsonb ->> ?)", []any{f.Name}
	} else {
		raw, rawArgs = "json_extract(fields, ?)", []any{`$."` + f.Name + `"`}
	}
	switch f.Kind {
	case crm.AKText:
		return raw, rawArgs, "lower(" + raw + ")", rawArgs
	case crm.AKNumber:
		if s.d.name == "postgres" {
			return raw, rawArgs, "(CASE WHEN " + raw + " ~ ? THEN " + raw + "::float8 END)", append(append(append([]any{}, rawArgs...), numberPattern), rawArgs...)
		}
		return raw, rawArgs, "CAST(" + raw + " AS REAL)", rawArgs
	}
	return raw, rawArgs, raw, rawArgs
}

// sqlText is SQL written into a statement; every other piece of a
// condition is an argument.
type sqlText string

// activityWhere appends the SQL of e to b and its arguments to args.
func (s *Store) activityWhere(b *strings.Builder, args []any, e *crm.ActivityExpr) []any {
	if e.Term == nil {
		join := " AND "
		if e.Or {
			join = " OR "
		}
		b.WriteByte('(')
		for i, k := range e.Kids {
			if i > 0 {
				b.WriteString(join)
			}
			args = s.activityWhere(b, args, k)
		}
		b.WriteByte(')')
		return args
	}
	t := e.Term
	r, rawArgs, c, cmpArgs := s.activityColumn(t.Field)
	raw, cmp := sqlText(r), sqlText(c)
	// w writes SQL pieces and appends the arguments between them: a
	// column's argument list, or one value.
	w := func(parts ...any) {
		for _, p := range parts {
			switch x := p.(type) {
			case sqlText:
				b.WriteString(string(x))
			case []any:
				args = append(args, x...)
			default:
				args = append(args, x)
			}
		}
	}
	vals := make([]any, 0, 2)
	switch t.Field.Kind {
	case crm.AKTime:
		for _, tm := range t.Times {
			vals = append(vals, ms(tm))
		}
	case crm.AKNumber:
		for _, n := range t.Numbers {
			vals = append(vals, n)
		}
	default:
		for _, v := range t.Values {
			vals = append(vals, v)
		}
	}
	// A time column holds milliseconds; a value given in seconds covers
	// its whole second.
	hi := func(v any) any {
		if t.Field.Kind == crm.AKTime {
			return v.(int64) + int64(time.Second/time.Millisecond) - 1
		}
		return v
	}
	isTime := t.Field.Kind == crm.AKTime
	switch t.Op {
	case crm.AOpIsEmpty:
		if isTime {
			w(sqlText("1 = 0"))
		} else {
			w(sqlText("("), raw, rawArgs, sqlText(" IS NULL OR "), raw, rawArgs, sqlText(" = '')"))
		}
	case crm.AOpIsNotEmpty:
		if isTime {
			w(sqlText("1 = 1"))
		} else {
			w(sqlText("("), raw, rawArgs, sqlText(" IS NOT NULL AND "), raw, rawArgs, sqlText(" <> '')"))
		}
	case crm.AOpEq:
		if isTime {
			w(sqlText("("), cmp, cmpArgs, sqlText(" >= ?"), vals[0], sqlText(" AND "), cmp, cmpArgs, sqlText(" <= ?"), hi(vals[0]), sqlText(")"))
		} else {
			w(cmp, cmpArgs, sqlText(" = ?"), vals[0])
		}
	case crm.AOpNeq:
		if isTime {
			w(sqlText("("), cmp, cmpArgs, sqlText(" < ?"), vals[0], sqlText(" OR "), cmp, cmpArgs, sqlText(" > ?"), hi(vals[0]), sqlText(")"))
		} else { // an empty value differs from every value
			w(sqlText("("), cmp, cmpArgs, sqlText(" IS NULL OR "), cmp, cmpArgs, sqlText(" <> ?"), vals[0], sqlText(")"))
		}
	case crm.AOpLt:
		w(cmp, cmpArgs, sqlText(" < ?"), vals[0])
	case crm.AOpGte:
		w(cmp, cmpArgs, sqlText(" >= ?"), vals[0])
	case crm.AOpGt:
		w(cmp, cmpArgs, sqlText(" > ?"), hi(vals[0]))
	case crm.AOpLte:
		w(cmp, cmpArgs, sqlText(" <= ?"), hi(vals[0]))
	case crm.AOpBetween:
		w(sqlText("("), cmp, cmpArgs, sqlText(" >= ?"), vals[0], sqlText(" AND "), cmp, cmpArgs, sqlText(" <= ?"), hi(vals[1]), sqlText(")"))
	case crm.AOpContains:
		w(cmp, cmpArgs, sqlText(` LIKE ? ESCAPE '\'`), "%"+likeEscape(t.Values[0])+"%")
	case crm.AOpStartsWith:
		w(cmp, cmpArgs, sqlText(` LIKE ? ESCAPE '\'`), likeEscape(t.Values[0])+"%")
	}
	return args
}

// ActivitySearch is one Activity/Retrieve/BySearchParameter: the org's
// activities of type Code matching Filter (nil: all), sorted by Sort
// (nil: ModifiedOn) with the auto id breaking ties, a page at a time.
type ActivitySearch struct {
	Code   int
	Filter *crm.ActivityExpr
	Sort   *crm.ActivitySearchField
	Desc   bool
	Offset int
	Limit  int
}

// SearchActivities returns one page of the org's activities matching q and
// how many match in all.
func (s *Store) SearchActivities(ctx context.Context, org *crm.Org, q ActivitySearch) (*ActivityPage, error) {
	page := &ActivityPage{}
	var b strings.Builder
	args := []any{org.ID, q.Code}
	b.WriteString(` FROM activities WHERE org_id = ? AND code = ?`)
	if q.Filter != nil {
		b.WriteString(" AND ")
		args = s.activityWhere(&b, args, q.Filter)
	}
	from := b.String()
	if err := s.r.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*)`+from), args...).Scan(&page.Total); err != nil {
		return nil, internal("store.SearchActivities", err)
	}
	if page.Total == 0 || q.Offset >= int(page.Total) {
		return page, nil
	}
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	order := " ORDER BY modified_on" + dir
	if f := q.Sort; f != nil {
		raw, rawArgs, cmp, cmpArgs := s.activityColumn(*f)
		switch {
		case f.Kind == crm.AKTime: // a NOT NULL integer column
			order = " ORDER BY " + cmp + dir
		default:
			if f.Kind != crm.AKNumber {
				cmp += s.d.collateC // byte order on both databases
			}
			// Empty values sort last in either direction, on both databases.
			order = " ORDER BY CASE WHEN " + raw + " IS NULL OR " + raw + " = '' THEN 1 ELSE 0 END, " + cmp + dir
			args = append(append(append(args, rawArgs...), rawArgs...), cmpArgs...)
		}
	}
	args = append(args, q.Limit, q.Offset)
	return page, s.collect(ctx, org, page, `SELECT `+activityColumns+from+order+`, auto_id`+dir+` LIMIT ? OFFSET ?`, args...)
}

// leadFieldTypes returns the org's custom activity types that have a
// Lead field (system types have none).
func (s *Store) leadFieldTypes(ctx context.Context, db querier, org crm.OrgID) ([]crm.ActivityType, error) {
	rows, err := db.QueryContext(ctx, s.d.q(`SELECT `+activityTypeColumns+` FROM activity_types WHERE org_id = ? ORDER BY code`), org)
	if err != nil {
		return nil, internal("store.leadFieldTypes", err)
	}
	defer rows.Close()
	var out []crm.ActivityType
	for rows.Next() {
		var t crm.ActivityType
		if err := scanActivityType(rows, &t); err != nil {
			return nil, internal("store.leadFieldTypes", err)
		}
		if slices.ContainsFunc(t.Fields, func(f crm.ActivityField) bool { return f.DataType == crm.ActLead }) {
			out = append(out, t)
		}
	}
	return out, internal("store.leadFieldTypes", rows.Err())
}

// leadRefCondition returns the SQL condition (and its arguments) matching
// the activities whose Lead field of their type names leadID, or "" when
// no type has a Lead field. Field names travel as bound JSON paths.
func (s *Store) leadRefCondition(types []crm.ActivityType, leadID string) (string, []any) {
	var b strings.Builder
	var args []any
	for i := range types {
		for _, f := range types[i].Fields {
			if f.DataType != crm.ActLead {
				continue
			}
			if b.Len() > 0 {
				b.WriteString(" OR ")
			}
			raw, rawArgs, _, _ := s.activityColumn(crm.ActivitySearchField{Name: f.SchemaName, Kind: crm.AKID})
			b.WriteString("(code = ? AND " + raw + " = ?)")
			args = append(append(append(args, types[i].Code), rawArgs...), leadID)
		}
	}
	if b.Len() == 0 {
		return "", nil
	}
	return "(" + b.String() + ")", args
}

// LeadReferences returns one page of the org's activities that name lead
// leadID in a Lead field of their type, newest first (activity date, then
// post order), and how many there are. Errors: crm.ErrLeadNotFound.
func (s *Store) LeadReferences(ctx context.Context, org *crm.Org, leadID string, offset, limit int) (*ActivityPage, error) {
	l, err := s.Lead(ctx, org.ID, leadID)
	if err != nil {
		return nil, err
	}
	types, err := s.leadFieldTypes(ctx, s.r, org.ID)
	if err != nil {
		return nil, err
	}
	page := &ActivityPage{}
	cond, condArgs := s.leadRefCondition(types, l.ID)
	if cond == "" {
		return page, nil
	}
	from := ` FROM activities WHERE org_id = ? AND ` + cond
	args := append([]any{org.ID}, condArgs...)
	if err := s.r.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*)`+from), args...).Scan(&page.Total); err != nil {
		return nil, internal("store.LeadReferences", err)
	}
	if page.Total == 0 || offset >= int(page.Total) {
		return page, nil
	}
	return page, s.collect(ctx, org, page, `SELECT `+activityColumns+from+` ORDER BY activity_on DESC, auto_id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
}

// repointLeadRefs rewrites, in tx, every Lead field of the org's
// activities that names lead from: to lead to (a merge's master), or
// cleared when to is "" (a delete). It is called after the lead row is
// gone, so the rewrite covers every reference committed before it. Each
// rewritten activity's ModifiedOn and ModifiedBy move and each changed
// value is recorded in the change history, as CustomActivity/Update
// does; locked activities are rewritten too. The activities' own leads
// are not written (no other lead row is locked).
func (s *Store) repointLeadRefs(ctx context.Context, tx *sql.Tx, p *crm.Principal, from, to string, now time.Time) error {
	types, err := s.leadFieldTypes(ctx, tx, p.Org.ID)
	if err != nil {
		return err
	}
	cond, condArgs := s.leadRefCondition(types, from)
	if cond == "" {
		return nil
	}
	byCode := make(map[int]*crm.ActivityType, len(types))
	for i := range types {
		byCode[types[i].Code] = &types[i]
	}
	type ref struct {
		id, lead string
		code     int
		fields   map[string]string
	}
	rows, err := tx.QueryContext(ctx, s.d.q(`SELECT id, lead_id, code, fields FROM activities WHERE org_id = ? AND `+cond+` ORDER BY auto_id`+s.d.forUpdate),
		append([]any{p.Org.ID}, condArgs...)...)
	if err != nil {
		return internal("store.repointLeadRefs", err)
	}
	var refs []ref
	for rows.Next() {
		var r ref
		var fields string
		if err := rows.Scan(&r.id, &r.lead, &r.code, &fields); err != nil {
			rows.Close()
			return internal("store.repointLeadRefs", err)
		}
		if err := json.Unmarshal([]byte(fields), &r.fields); err != nil {
			rows.Close()
			return internal("store.repointLeadRefs", err)
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return internal("store.repointLeadRefs", err)
	}
	for _, r := range refs {
		if r.fields == nil {
			r.fields = map[string]string{}
		}
		var changed []string
		for _, f := range byCode[r.code].Fields {
			if f.DataType != crm.ActLead || r.fields[f.SchemaName] != from {
				continue
			}
			if to == "" {
				delete(r.fields, f.SchemaName)
			} else {
				r.fields[f.SchemaName] = to
			}
			changed = append(changed, f.SchemaName)
		}
		if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE activities SET fields = ?, modified_by = ?, modified_on = ? WHERE org_id = ? AND id = ?`),
			encodeFields(r.fields), p.User.ID, ms(now), p.Org.ID, r.id); err != nil {
			return internal("store.repointLeadRefs", err)
		}
		for _, field := range changed {
			if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO activity_changes (org_id, activity_id, lead_id, code, field, old_value, new_value, changed_by, changed_on)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), p.Org.ID, r.id, r.lead, r.code, field, from, nullable(to), p.User.ID, ms(now)); err != nil {
				return internal("store.repointLeadRefs", err)
			}
		}
	}
	return nil
}
