package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/lsq"
)

// How a field's stored value compares in SQL.
type colKind uint8

const (
	kindText   colKind = iota // a value in the fields JSON, compared case-insensitively
	kindExact                 // a value in the fields JSON compared as stored (dates, flags, options)
	kindNumber                // a number in the fields JSON
	kindKey                   // a lower-cased key column (email_key, first_name_key, …)
	kindPhone                 // a digits-only key column
	kindID                    // a lower-cased id column
	kindInt                   // an integer column (auto_id)
	kindMS                    // a millisecond time column
)

// column is the SQL for one lead field: an expression with its own
// arguments (a JSON path is an argument, never spliced), and how it
// compares. Field names come from the org's schema, not the request.
type column struct {
	expr string
	args []any
	kind colKind
}

// indexedFields are fields copied into indexed columns on every write.
var indexedFields = map[string]column{
	"ProspectID":         {expr: "id", kind: kindID},
	"ProspectAutoId":     {expr: "auto_id", kind: kindInt},
	"EmailAddress":       {expr: "email_key", kind: kindKey},
	"FirstName":          {expr: "first_name_key", kind: kindKey},
	"LastName":           {expr: "last_name_key", kind: kindKey},
	"Company":            {expr: "company_key", kind: kindKey},
	"OwnerId":            {expr: "owner_id", kind: kindID},
	"Phone":              {expr: "phone_key", kind: kindPhone},
	"Mobile":             {expr: "mobile_key", kind: kindPhone},
	"CreatedBy":          {expr: "created_by", kind: kindID},
	"ModifiedBy":         {expr: "modified_by", kind: kindID},
	"CreatedOn":          {expr: "created_on", kind: kindMS},
	"ModifiedOn":         {expr: "modified_on", kind: kindMS},
	"LeadLastModifiedOn": {expr: "last_modified_on", kind: kindMS},
}

// notNull are the columns that never hold NULL, which sort without a
// NULLS clause (so an index can give the order).
var notNull = map[string]bool{"id": true, "auto_id": true, "created_by": true, "modified_by": true,
	"created_on": true, "modified_on": true, "last_modified_on": true}

func (s *Store) column(f *crm.Field) column {
	if c, ok := indexedFields[f.SchemaName]; ok {
		if c.kind == kindKey {
			c.expr += s.d.collateC
		}
		return c
	}
	c := column{kind: kindText}
	switch f.DataType {
	case crm.TypeNumber:
		c.kind = kindNumber
	case crm.TypeDate, crm.TypeDateTime, crm.TypeBoolean, crm.TypeSelect, crm.TypeTime:
		c.kind = kindExact
	}
	if s.d.name == "postgres" {
		c.expr, c.args = "(fields::jsonb ->> ?)", []any{f.SchemaName}
		if c.kind == kindNumber {
			c.expr = "((fields::jsonb ->> ?)::float8)"
		}
	} else {
		c.expr, c.args = "json_extract(fields, ?)", []any{`$."` + f.SchemaName + `"`}
		if c.kind == kindNumber {
			c.expr = "CAST(json_extract(fields, ?) AS REAL)"
		}
	}
	if c.kind == kindText {
		c.expr = "lower(" + c.expr + ")"
	}
	return c
}

// compareValue turns a normalised value into what the column holds.
// Errors: KindInvalid for a value the column cannot hold.
func (c column) compareValue(f *crm.Field, v string) (any, error) {
	switch c.kind {
	case kindKey, kindText:
		return strings.ToLower(strings.TrimSpace(v)), nil
	case kindPhone:
		return crm.PhoneKey(v), nil
	case kindID:
		return strings.ToLower(strings.TrimSpace(v)), nil
	case kindInt:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, crm.Invalidf("LookupValue (%s expects a whole number)", f.SchemaName)
		}
		return n, nil
	case kindNumber:
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil, crm.Invalidf("LookupValue (%s expects a number)", f.SchemaName)
		}
		return n, nil
	case kindMS:
		t, err := lsq.ParseDateTime(v)
		if err != nil {
			if t2, err2 := time.Parse("2006-01-02 15:04:05.000", v); err2 == nil {
				return ms(t2), nil
			}
			return nil, crm.Invalidf("LookupValue (expected yyyy-MM-dd HH:mm:ss)")
		}
		return ms(t), nil
	}
	return v, nil
}

// prefixUpper is the exclusive upper bound of every string starting with
// p in byte order.
func prefixUpper(p string) string { return p + "\U0010FFFF" }

// likePrefix reports whether pattern is 'literal%' with no other wildcard,
// returning the literal.
func likePrefix(pattern string) (string, bool) {
	if !strings.HasSuffix(pattern, "%") {
		return "", false
	}
	lit := pattern[:len(pattern)-1]
	if lit == "" || strings.ContainsAny(lit, "%_[") {
		return "", false
	}
	return lit, true
}

// where appends the SQL of one condition to b and its arguments to args.
func (s *Store) where(b *strings.Builder, args []any, cond *crm.Condition) ([]any, error) {
	c := s.column(cond.Field)
	switch cond.Op {
	case crm.OpLike:
		if c.kind == kindInt || c.kind == kindMS || c.kind == kindNumber {
			return nil, crm.Invalidf("SqlOperator (LIKE needs a text field, %s is not one)", cond.Field.SchemaName)
		}
		pattern := strings.ToLower(cond.Values[0])
		if c.kind == kindPhone {
			pattern = likeDigits(pattern)
		}
		if !strings.Contains(pattern, "%") {
			pattern = "%" + pattern + "%"
		}
		if lit, ok := likePrefix(pattern); ok && c.kind != kindText && c.kind != kindExact {
			b.WriteString(c.expr + " >= ? AND " + c.expr + " < ?")
			args = append(args, c.args...)
			args = append(args, lit)
			args = append(args, c.args...)
			return append(args, prefixUpper(lit)), nil
		}
		if s.d.name == "postgres" {
			b.WriteString(c.expr + " ILIKE ?")
		} else {
			b.WriteString(c.expr + " LIKE ?")
		}
		args = append(args, c.args...)
		return append(args, pattern), nil
	case crm.OpIn:
		b.WriteString(c.expr + " IN (")
		args = append(args, c.args...)
		for i, v := range cond.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('?')
			cv, err := c.compareValue(cond.Field, v)
			if err != nil {
				return nil, err
			}
			args = append(args, cv)
		}
		b.WriteByte(')')
		return args, nil
	}
	cv, err := c.compareValue(cond.Field, cond.Values[0])
	if err != nil {
		return nil, err
	}
	if c.kind == kindMS && cond.Op == crm.OpEq {
		// A second written without milliseconds matches the whole second.
		from := cv.(int64)
		b.WriteString(c.expr + " >= ? AND " + c.expr + " <= ?")
		return append(args, from, from+999), nil
	}
	b.WriteString(c.expr + " " + cond.Op + " ?")
	args = append(args, c.args...)
	return append(args, cv), nil
}

// likeDigits keeps the digits and wildcards of a phone LIKE pattern.
func likeDigits(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if c := p[i]; c >= '0' && c <= '9' || c == '%' || c == '_' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// orderBy appends the ORDER BY clause: the sort field, then the id in the
// same direction, so equal values never reorder between pages.
//
// sortOnly (SQLite) writes the sort columns as +expr, which keeps SQLite
// from reading the leads in the order of the sort column's index: the
// condition's index finds the matches and they are sorted.
func (s *Store) orderBy(b *strings.Builder, args []any, srt crm.Sort, def string, nonNull, sortOnly bool) []any {
	dir := " ASC"
	if srt.Desc {
		dir = " DESC"
	}
	plus := ""
	if sortOnly {
		plus = "+"
	}
	b.WriteString(" ORDER BY ")
	if srt.Field == nil {
		b.WriteString(plus + def + dir + ", " + plus + "id" + dir)
		return args
	}
	c := s.column(srt.Field)
	b.WriteString(plus + c.expr + dir)
	// A column never NULL, or one the condition compares (which excludes
	// NULLs), needs no NULLS clause, so its index can give the order.
	if !notNull[c.expr] && !nonNull {
		if srt.Desc {
			b.WriteString(" NULLS FIRST")
		} else {
			b.WriteString(" NULLS LAST")
		}
	}
	b.WriteString(", " + plus + "id" + dir)
	return append(args, c.args...)
}

// filter builds the WHERE clause shared by SearchLeads and CountLeads
// (" WHERE …", for a statement on leads).
func (s *Store) filter(org crm.OrgID, q *crm.LeadQuery) (string, []any, error) {
	var b strings.Builder
	args := []any{org}
	b.WriteString(" WHERE org_id = ?")
	if !q.From.IsZero() || !q.To.IsZero() {
		b.WriteString(" AND last_modified_on >= ? AND last_modified_on <= ?")
		args = append(args, ms(q.From), ms(q.To)+999)
	}
	if q.Cond != nil {
		b.WriteString(" AND ")
		var err error
		if args, err = s.where(&b, args, q.Cond); err != nil {
			return "", nil, err
		}
	}
	return b.String(), args, nil
}

// SearchLeads returns one page of the org's leads matching q, in q's
// order (default: defSort, e.g. "auto_id", in q.Sort's direction).
// Errors: KindInvalid for a value the searched field cannot hold.
func (s *Store) SearchLeads(ctx context.Context, org crm.OrgID, q *crm.LeadQuery, defSort string) ([]*crm.Lead, error) {
	where, args, err := s.filter(org, q)
	if err != nil {
		return nil, err
	}
	few, err := s.fewMatches(ctx, where, args, q, defSort)
	if err != nil {
		return nil, err
	}
	query, args := s.searchSQL(org, q, defSort, where, args, few)
	var keep map[string]bool
	if q.Fields != nil {
		keep = make(map[string]bool, len(q.Fields))
		for _, f := range q.Fields {
			keep[f] = true
		}
	}
	return s.querySomeLeads(ctx, "store.SearchLeads", keep, query, args...)
}

// searchSQL is SearchLeads' statement for the filter where (with args):
// with few matches (fewMatches) it sorts the matches' ids and then reads
// the page's rows; a match costs its row's page either way, but the sorter
// then handles an id and a sort value rather than a whole lead (a third
// less time with the pages cached). With many, on SQLite, it reads the
// leads in the sort column's order when an index gives it (sortIndex).
func (s *Store) searchSQL(org crm.OrgID, q *crm.LeadQuery, defSort, where string, args []any, few bool) (string, []any) {
	nonNull := q.Cond != nil && q.Cond.Field == q.Sort.Field && q.Cond.Op != crm.OpNe
	var b strings.Builder
	if few {
		var page strings.Builder
		page.WriteString("SELECT id FROM leads" + where)
		args = s.orderBy(&page, append([]any{org}, args...), q.Sort, defSort, nonNull, true)
		page.WriteString(" LIMIT ? OFFSET ?")
		b.WriteString("SELECT " + leadColumns + " FROM leads WHERE " + leadIDsIn(page.String()))
		args = s.orderBy(&b, append(args, q.Page.Size, q.Page.Offset()), q.Sort, defSort, nonNull, true)
		return b.String(), args
	}
	b.WriteString("SELECT " + leadColumns + " FROM leads")
	if q.Cond != nil {
		idx := s.orderedCondIndex(q)
		if idx == "" {
			idx = s.sortIndex(q.Sort, defSort)
		}
		b.WriteString(s.indexedBy(idx))
	}
	b.WriteString(where)
	args = s.orderBy(&b, args, q.Sort, defSort, nonNull, false)
	b.WriteString(" LIMIT ? OFFSET ?")
	return b.String(), append(args, q.Page.Size, q.Page.Offset())
}

// searchProbeMax is the most matches of an indexed condition for which
// SearchLeads sorts the matches rather than reading the org's leads in
// the sort column's order (a variable for tests). For a sort no index
// gives (sortIndex is ""), ten times as many: reading in the order of a
// column that may be NULL still sorts every run of equal values by id,
// and a run can be most of the org (35,000 matches among 1,750,000 leads
// whose LastName is the same, sorted by LastName: 1.9 s read in order,
// 94 ms sorted; 105,000 matches sorted: 189 ms).
var searchProbeMax = 10_000

// probeColumns are the lead columns SQLite has an index on (led by org_id).
var probeColumns = map[string]bool{"id": true, "auto_id": true, "email_key": true, "first_name_key": true,
	"last_name_key": true, "company_key": true, "owner_id": true, "phone_key": true, "mobile_key": true,
	"created_on": true, "modified_on": true, "last_modified_on": true}

// fewMatches reports, on SQLite, whether q's condition can be answered
// through its column's index and matches at most searchProbeMax leads,
// counted through that index. SQLite plans without statistics: given a
// condition on one column and an order on another, it takes an equality
// to match about ten rows and reads the org's leads in the order of the
// sort column's index, testing each, which for a condition naming a few
// leads among millions reads them all (FirstName = 'x' sorted by
// CreatedOn: 2 s at 3,000,000 leads). When the matches are few the search
// reads them through the condition's index and sorts them; when they are
// many, reading in order finds a page of them soon.
func (s *Store) fewMatches(ctx context.Context, where string, args []any, q *crm.LeadQuery, defSort string) (bool, error) {
	if s.d.name != "sqlite" || q.Cond == nil || q.Cond.Field == q.Sort.Field || q.Cond.Op == crm.OpNe || s.orderedCondIndex(q) != "" {
		return false, nil
	}
	c := s.column(q.Cond.Field)
	if !probeColumns[c.expr] {
		return false, nil
	}
	if q.Cond.Op == crm.OpLike {
		if _, prefix := likePrefix(strings.ToLower(q.Cond.Values[0])); !prefix {
			return false, nil // a LIKE other than 'prefix%' reads every lead however it is planned
		}
	}
	most := searchProbeMax
	if s.sortIndex(q.Sort, defSort) == "" {
		most *= 10
	}
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM leads`+where+` LIMIT ?)`, append(args, most+1)...).Scan(&n)
	if err != nil {
		return false, internal("store.SearchLeads", err)
	}
	return n <= most, nil
}

// createdOnIndexes are the indexes of searched columns that hold
// created_on after the column (migration 0015).
var createdOnIndexes = map[string]string{"first_name_key": "leads_first_name", "last_name_key": "leads_last_name",
	"company_key": "leads_company", "owner_id": "leads_owner"}

// orderedCondIndex names the index that holds q's matches in q's order,
// or "": an equality on a column of createdOnIndexes sorted by CreatedOn,
// whose page is then read in order from the index, however many leads
// match.
func (s *Store) orderedCondIndex(q *crm.LeadQuery) string {
	if q.Cond == nil || q.Cond.Op != crm.OpEq || q.Sort.Field == nil || s.column(q.Sort.Field).expr != "created_on" {
		return ""
	}
	return createdOnIndexes[s.column(q.Cond.Field).expr]
}

// sortIndexes are SQLite's indexes that give the leads of an org in the
// order of a column that is never NULL.
var sortIndexes = map[string]string{"auto_id": "leads_auto_id_uq", "created_on": "leads_created_on",
	"modified_on": "leads_modified_on", "last_modified_on": "leads_last_modified"}

// sortIndex names the index that gives the org's leads in the sort
// column's order, or "" when the column may be NULL: it sorts with a NULLS
// clause no index order satisfies. A search with many matches reads the
// leads in that order on SQLite, which without statistics otherwise reads
// every match through the condition's index and sorts them all (LastName
// LIKE 'test%' sorted by ModifiedOn, 2,000,000 matches, 10 s).
func (s *Store) sortIndex(srt crm.Sort, def string) string {
	col := def
	if srt.Field != nil {
		col = s.column(srt.Field).expr
	}
	return sortIndexes[col]
}

// indexedBy is SQLite's INDEXED BY clause for idx, or "" (no idx, or
// PostgreSQL, which keeps statistics and picks its own plan).
func (s *Store) indexedBy(idx string) string {
	if idx == "" || s.d.name != "sqlite" {
		return ""
	}
	return " INDEXED BY " + idx
}

// CountLeads returns how many of the org's leads match q.
func (s *Store) CountLeads(ctx context.Context, org crm.OrgID, q *crm.LeadQuery) (int64, error) {
	if q.Cond == nil {
		// A window that holds every lead of the org (or none given): the
		// kept count, read in the same snapshot as the window's ends.
		var first, last sql.NullInt64
		var n int64
		err := s.r.QueryRowContext(ctx, s.d.q(`SELECT
			(SELECT last_modified_on FROM leads WHERE org_id = ? ORDER BY last_modified_on LIMIT 1),
			(SELECT last_modified_on FROM leads WHERE org_id = ? ORDER BY last_modified_on DESC LIMIT 1),
			CAST(COALESCE((SELECT SUM(n) FROM lead_counts WHERE org_id = ?), 0) AS BIGINT)`), org, org, org).Scan(&first, &last, &n)
		if err != nil {
			return 0, internal("store.CountLeads", err)
		}
		if !first.Valid || q.From.IsZero() && q.To.IsZero() || ms(q.From) <= first.Int64 && last.Int64 <= ms(q.To)+999 {
			return n, nil
		}
	}
	where, args, err := s.filter(org, q)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.r.QueryRowContext(ctx, s.d.q("SELECT COUNT(*) FROM leads"+where), args...).Scan(&n)
	return n, internal("store.CountLeads", err)
}

// addLeadCount adds delta to the org's kept lead count (migration 0011;
// on PostgreSQL to one of its shards, 0013).
func (s *Store) addLeadCount(ctx context.Context, tx *sql.Tx, org crm.OrgID, delta int64) error {
	if s.d.name == "postgres" {
		_, err := tx.ExecContext(ctx, pgLeadCountSQL, org, delta)
		return internal("store.addLeadCount", err)
	}
	st, err := s.txStmt(ctx, tx, `INSERT INTO lead_counts (org_id, n) VALUES (?, ?)
		ON CONFLICT (org_id) DO UPDATE SET n = n + excluded.n`)
	if err != nil {
		return internal("store.addLeadCount", err)
	}
	_, err = st.ExecContext(ctx, org, delta)
	return internal("store.addLeadCount", err)
}

// pgLeadCountShard is the shard of an org's lead count (64 rows on
// PostgreSQL, migration 0013) a transaction adds to: one per transaction,
// from its id, so that concurrent transactions mostly add to different
// rows and a transaction inserting many leads locks one. A shard picked
// at random for each insert had two bulk upserts lock shards in opposite
// orders and deadlock.
const pgLeadCountShard = `(txid_current() % 64)::int`

// pgLeadCountUpsert makes an insert into lead_counts add to the shard.
const pgLeadCountUpsert = ` ON CONFLICT (org_id, shard) DO UPDATE SET n = lead_counts.n + excluded.n`

// pgLeadCountSQL adds $2 to the transaction's shard of org $1's lead count.
const pgLeadCountSQL = `INSERT INTO lead_counts (org_id, shard, n) VALUES ($1, ` + pgLeadCountShard + `, $2)` + pgLeadCountUpsert

func (s *Store) queryLeads(ctx context.Context, op, q string, args ...any) ([]*crm.Lead, error) {
	return s.querySomeLeads(ctx, op, nil, q, args...)
}

// querySomeLeads is queryLeads keeping only the fields in keep (all when
// nil).
func (s *Store) querySomeLeads(ctx context.Context, op string, keep map[string]bool, q string, args ...any) ([]*crm.Lead, error) {
	rows, err := s.r.QueryContext(ctx, s.d.q(q), args...)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var out []*crm.Lead
	for rows.Next() {
		l := &crm.Lead{}
		if err := scanSomeLead(rows, l, keep); err != nil {
			return nil, internal(op, err)
		}
		out = append(out, l)
	}
	return out, internal(op, rows.Err())
}

// LeadsByEmail returns the org's lead with this email address (compared
// case-insensitively), as a list of zero or one.
func (s *Store) LeadsByEmail(ctx context.Context, org crm.OrgID, email string) ([]*crm.Lead, error) {
	key := crm.EmailKey(email)
	if key == "" {
		return nil, nil
	}
	return s.queryLeads(ctx, "store.LeadsByEmail", `SELECT `+leadColumns+` FROM leads WHERE org_id = ? AND email_key = ?`, org, key)
}

// LeadsByPhone returns the org's lead whose Phone or Mobile has the digits
// of phone; when two leads match (one by Phone, one by Mobile), the one
// changed most recently. A list of zero or one.
func (s *Store) LeadsByPhone(ctx context.Context, org crm.OrgID, phone string) ([]*crm.Lead, error) {
	key := crm.PhoneKey(phone)
	if key == "" {
		return nil, nil
	}
	return s.queryLeads(ctx, "store.LeadsByPhone", leadsByPhoneSQL, org, key, org, key)
}

// leadsByPhoneSQL probes the two unique phone indexes and sorts what they
// find (at most two leads). Written as id IN (…) ORDER BY
// last_modified_on, SQLite's planner walked the org's leads_last_modified
// index newest first, testing each lead against the list: half a second
// for a lead last changed before 3,000,000 others (plan_internal_test.go).
const leadsByPhoneSQL = `SELECT ` + leadColumns + ` FROM leads WHERE org_id = ? AND phone_key = ?
	UNION SELECT ` + leadColumns + ` FROM leads WHERE org_id = ? AND mobile_key = ?
	ORDER BY last_modified_on DESC, id DESC LIMIT 1`

// QuickSearch returns up to crm.MaxQuickSearch leads of which a quick
// search field starts with key (case-insensitive; phones by digits), most
// recently changed first.
//
// No index orders a field's matches by LeadLastModifiedOn, so the newest
// matches are found one of two ways. Up to quickProbeMax matches, the
// fields' indexes give every match's id and LeadLastModifiedOn and the
// newest are read by id: a key naming a few leads costs a few probes
// however old they are. Past that, the org's leads are walked newest
// first (leads_last_modified) until enough match, which stops early
// because matches are many. One statement doing either (id IN (… UNION …)
// ORDER BY last_modified_on) let SQLite's planner pick the walk for every
// key: half a second for a key naming one lead among 3,000,000 changed
// since, and 13 s for "a", whose matches it listed in full first.
func (s *Store) QuickSearch(ctx context.Context, org crm.OrgID, sch *crm.Schema, key string) ([]*crm.Lead, error) {
	key = strings.ToLower(strings.TrimSpace(key))
	if key == "" {
		return nil, nil
	}
	var ranges []prefixRange // one per searched field
	add := func(expr string, exprArgs []any, lo, hi string) {
		args := append(append(append(slices.Clone(exprArgs), lo), exprArgs...), hi)
		ranges = append(ranges, prefixRange{expr + " >= ? AND " + expr + " < ?", args})
	}
	for _, name := range []string{"FirstName", "LastName", "EmailAddress", "Company"} {
		c := s.column(sch.Field(name))
		add(c.expr, nil, key, prefixUpper(key))
	}
	if digits := crm.PhoneKey(key); digits != "" {
		add("phone_key", nil, digits, prefixUpper(digits))
		add("mobile_key", nil, digits, prefixUpper(digits))
	}
	for _, f := range sch.Fields {
		if f.ShowInQuickSearch && !f.System {
			c := s.column(f)
			if c.kind == kindText {
				add(c.expr, c.args, key, prefixUpper(key))
			}
		}
	}
	q, args := quickProbeSQL(org, ranges)
	ids, err := s.quickProbe(ctx, q, args)
	if err != nil {
		return nil, err
	}
	if ids != nil {
		return s.LeadsByIDs(ctx, org, ids)
	}
	q, args = s.quickWalkSQL(org, ranges)
	return s.queryLeads(ctx, "store.QuickSearch", q, args...)
}

// quickProbeMax is the most matches QuickSearch reads through the fields'
// indexes before it walks the org's leads instead (a variable for tests).
var quickProbeMax = 10_000

// quickProbeSQL lists the matches' ids and LeadLastModifiedOn, each field's
// range through its index, at most quickProbeMax+1 of them. Each field's
// range is cut at quickProbeMax+1 rows of its own: a UNION is built whole
// before a LIMIT on it applies, and a key like "a" matches millions.
func quickProbeSQL(org crm.OrgID, ranges []prefixRange) (string, []any) {
	var b strings.Builder
	var args []any
	for i, r := range ranges {
		if i > 0 {
			b.WriteString(" UNION ")
		}
		fmt.Fprintf(&b, "SELECT id, last_modified_on FROM (SELECT id, last_modified_on FROM leads WHERE org_id = ? AND %s LIMIT ?) AS f%d", r.sql, i)
		args = append(append(append(args, org), r.args...), quickProbeMax+1)
	}
	b.WriteString(" LIMIT ?")
	return b.String(), append(args, quickProbeMax+1)
}

// quickProbe runs quickProbeSQL and returns the ids of the newest
// crm.MaxQuickSearch matches, newest first, or nil when there are more
// than quickProbeMax matches.
func (s *Store) quickProbe(ctx context.Context, q string, args []any) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, s.d.q(q), args...)
	if err != nil {
		return nil, internal("store.QuickSearch", err)
	}
	defer rows.Close()
	type match struct {
		id string
		on int64
	}
	var found []match
	for rows.Next() {
		var m match
		if err := rows.Scan(&m.id, &m.on); err != nil {
			return nil, internal("store.QuickSearch", err)
		}
		found = append(found, m)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("store.QuickSearch", err)
	}
	if len(found) > quickProbeMax {
		return nil, nil
	}
	slices.SortFunc(found, func(a, b match) int {
		if c := cmp.Compare(b.on, a.on); c != 0 {
			return c
		}
		return strings.Compare(b.id, a.id)
	})
	ids := make([]string, 0, min(len(found), crm.MaxQuickSearch))
	for _, m := range found[:min(len(found), crm.MaxQuickSearch)] {
		ids = append(ids, m.id)
	}
	return ids, nil
}

// quickWalkSQL reads the org's leads newest first, keeping those that
// match, until crm.MaxQuickSearch do. SQLite is told to walk
// leads_last_modified; otherwise it reads every match through the fields'
// indexes and sorts them, which is the probe's work without its bound.
func (s *Store) quickWalkSQL(org crm.OrgID, ranges []prefixRange) (string, []any) {
	preds := make([]string, len(ranges))
	args := []any{org}
	for i, r := range ranges {
		preds[i] = r.sql
		args = append(args, r.args...)
	}
	q := `SELECT ` + leadColumns + ` FROM leads` + s.indexedBy("leads_last_modified") + ` WHERE org_id = ? AND ((` +
		strings.Join(preds, ") OR (") + `)) ORDER BY last_modified_on DESC, id DESC LIMIT ?`
	return q, append(args, crm.MaxQuickSearch)
}

// prefixRange is one quick-search field's range of keys, as SQL with its
// arguments.
type prefixRange struct {
	sql  string
	args []any
}

// LeadsByIDs returns the org's leads with these ids, in the order given,
// each once; ids that match no lead are left out.
func (s *Store) LeadsByIDs(ctx context.Context, org crm.OrgID, ids []string) ([]*crm.Lead, error) {
	want := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if nid, ok := normID(id); ok && !seen[nid] {
			seen[nid] = true
			want = append(want, nid)
		}
	}
	found := make(map[string]*crm.Lead, len(want))
	const chunk = 512
	for i := 0; i < len(want); i += chunk {
		part := want[i:min(i+chunk, len(want))]
		// Round the placeholder count up to a power of two (repeating the
		// last id), so a handful of statement texts cover every size.
		n := 1
		for n < len(part) {
			n *= 2
		}
		q := `SELECT ` + leadColumns + ` FROM leads WHERE ` + leadIDsWhere(n)
		args := make([]any, 0, n+1)
		args = append(args, org)
		for j := 0; j < n; j++ {
			args = append(args, part[min(j, len(part)-1)])
		}
		ls, err := s.queryLeads(ctx, "store.LeadsByIDs", q, args...)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			found[l.ID] = l
		}
	}
	out := make([]*crm.Lead, 0, len(found))
	for _, id := range want {
		if l := found[id]; l != nil {
			out = append(out, l)
		}
	}
	return out, nil
}
