package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/sqlplan"
)

// TestActivityReadPlans: on SQLite (whose planner, without statistics,
// decides the same way for any table size) the hot activity reads are
// ranges in key order and point probes, never a scan or a sort: a lead's
// page, count and engagement sum are one range of the activities table,
// which is keyed by lead (migration 0012).
func TestActivityReadPlans(t *testing.T) {
	s := emptyStore(t)
	for _, tc := range []struct {
		name, query, want string
	}{
		{"Retrieve page", leadPageSQL(leadWhere), "SEARCH activities USING PRIMARY KEY (org_id=? AND lead_id=?)"},
		{"Retrieve page of a type", leadPageSQL(leadCodeWhere), "SEARCH activities USING PRIMARY KEY (org_id=? AND lead_id=?)"},
		{"Retrieve count", leadCountSQL(leadWhere), "SEARCH activities USING PRIMARY KEY (org_id=? AND lead_id=?)"},
		{"engagement", engagementSQL, "SEARCH activities USING PRIMARY KEY (org_id=? AND lead_id=? AND activity_on>?)"},
		{"roll-up", rollupSQL("DESC"), "SEARCH activities USING PRIMARY KEY (org_id=? AND lead_id=?)"},
		{"GetActivityDetails", activityByIDSQL, "SEARCH activities USING INDEX activities_id_uq (id=?)"},
	} {
		if plan := explain(t, s, tc.query); plan != tc.want {
			t.Errorf("%s: plan %q, want only %q", tc.name, plan, tc.want)
		}
	}
}

// TestLeadLookupPlans: RetrieveLeadByPhoneNumber probes the two unique
// phone indexes; it never walks the org's leads in LeadLastModifiedOn
// order (which costs a scan of every lead changed since the one it finds).
func TestLeadLookupPlans(t *testing.T) {
	s := emptyStore(t)
	plan := explain(t, s, leadsByPhoneSQL)
	for _, want := range []string{"SEARCH leads USING INDEX leads_phone_key_uq (org_id=? AND phone_key=?)",
		"SEARCH leads USING INDEX leads_mobile_key_uq (org_id=? AND mobile_key=?)"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan %q lacks %q", plan, want)
		}
	}
	if strings.Contains(plan, "SCAN") || strings.Contains(plan, "leads_last_modified") || strings.Contains(plan, "leads_modified_on") {
		t.Errorf("plan %q walks the org's leads", plan)
	}
}

// emptyStore opens an empty SQLite store, closed when the test ends.
func emptyStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// explain returns SQLite's query plan for q, its lines joined by " | ".
func explain(t *testing.T, s *Store, q string) string {
	t.Helper()
	plan, err := sqlplan.Explain(s.r, q)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestQuickSearchPlans: QuickSearch's probe reads each field's matches
// through its index, and its walk reads the org's leads in
// leads_last_modified order without sorting them.
func TestQuickSearchPlans(t *testing.T) {
	s := emptyStore(t)
	var ranges []prefixRange
	for _, col := range []string{"first_name_key", "company_key", "phone_key"} {
		ranges = append(ranges, prefixRange{col + " >= ? AND " + col + " < ?", []any{"a", "b"}})
	}
	probe, _ := quickProbeSQL(1, ranges)
	plan := explain(t, s, probe)
	for _, want := range []string{"SEARCH leads USING INDEX leads_first_name (org_id=? AND first_name_key>? AND first_name_key<?)",
		"SEARCH leads USING INDEX leads_company (org_id=? AND company_key>? AND company_key<?)",
		"SEARCH leads USING INDEX leads_phone_key_uq (org_id=? AND phone_key>? AND phone_key<?)"} {
		if !strings.Contains(plan, want) {
			t.Errorf("probe plan %q lacks %q", plan, want)
		}
	}
	walk, _ := s.quickWalkSQL(1, ranges)
	if plan := explain(t, s, walk); plan != "SEARCH leads USING INDEX leads_last_modified (org_id=?)" {
		t.Errorf("walk plan %q", plan)
	}
}

// TestLeadIDsPlans: statements on a list of an org's leads probe the ids,
// however long the list, rather than reading the org's leads in the order
// of an index led by org_id.
func TestLeadIDsPlans(t *testing.T) {
	s := emptyStore(t)
	for _, n := range []int{1, 16, 512} {
		for _, q := range []string{`SELECT ` + leadColumns + ` FROM leads WHERE ` + leadIDsWhere(n),
			`SELECT id FROM leads WHERE ` + leadIDsWhere(n) + ` ORDER BY id`,
			`UPDATE leads SET last_modified_on = ? WHERE ` + leadIDsWhere(n)} {
			plan := explain(t, s, q)
			if !strings.HasPrefix(plan, "SEARCH leads USING ") || !strings.Contains(plan, "(id=?)") || strings.Contains(plan, "org_id=?") {
				t.Errorf("%d ids, %.40s…: plan %q", n, q, plan)
			}
		}
	}
}

// TestSearchSortedMatchesPlan: with few matches Leads.Get finds them
// through the condition's index, sorts their ids and reads the page's rows
// by id; with many it reads the org's leads in the sort column's order.
// SQLite left to itself read them in that order in both cases. An
// equality on a searched column sorted by CreatedOn reads the page in
// order from the column's index, whatever the number of matches.
func TestSearchSortedMatchesPlan(t *testing.T) {
	s := emptyStore(t)
	query := func(field, op, value, sort string) *crm.LeadQuery {
		return &crm.LeadQuery{Cond: &crm.Condition{Field: &crm.Field{SchemaName: field}, Op: op, Values: []string{value}},
			Sort: crm.Sort{Field: &crm.Field{SchemaName: sort}, Desc: true}, Page: crm.Page{Index: 1, Size: 25}}
	}
	plans := func(q *crm.LeadQuery) (few, many string) {
		t.Helper()
		where, args, err := s.filter(1, q)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := s.searchSQL(1, q, "auto_id", where, args, true)
		m, _ := s.searchSQL(1, q, "auto_id", where, args, false)
		return explain(t, s, f), explain(t, s, m)
	}

	q := query("FirstName", crm.OpEq, "x", "ModifiedOn")
	few, many := plans(q)
	for _, want := range []string{"SEARCH leads USING INDEX sqlite_autoindex_leads_1 (id=?)",
		"SEARCH leads USING INDEX leads_first_name (org_id=? AND first_name_key=?)"} {
		if !strings.Contains(few, want) {
			t.Errorf("few matches: plan %q lacks %q", few, want)
		}
	}
	if strings.Contains(few, "leads_modified_on") {
		t.Errorf("few matches: plan %q reads in ModifiedOn order", few)
	}
	// Only ties on ModifiedOn are sorted (by id), group by group.
	if !strings.HasPrefix(many, "SEARCH leads USING INDEX leads_modified_on (org_id=?)") || strings.Contains(many, "TEMP B-TREE FOR ORDER BY") {
		t.Errorf("many matches: plan %q", many)
	}
	where, args, _ := s.filter(1, q)
	var b strings.Builder
	b.WriteString("SELECT id FROM leads" + where)
	s.orderBy(&b, args, q.Sort, "auto_id", false, false)
	if plan := explain(t, s, b.String()+" LIMIT ? OFFSET ?"); !strings.Contains(plan, "leads_modified_on") {
		t.Errorf("SQLite's own plan %q no longer reads in ModifiedOn order; the sorted form may be unneeded", plan)
	}

	// = sorted by CreatedOn: the column's index in order (only ties on
	// CreatedOn sorted, by id), never counted.
	for field, idx := range map[string]string{"FirstName": "leads_first_name (org_id=? AND first_name_key=?)",
		"LastName": "leads_last_name (org_id=? AND last_name_key=?)", "Company": "leads_company (org_id=? AND company_key=?)",
		"OwnerId": "leads_owner (org_id=? AND owner_id=?)"} {
		q := query(field, crm.OpEq, "x", "CreatedOn")
		if field == "OwnerId" {
			q.Cond.Values[0] = "01a24974-e0c7-713f-bdbd-155a272afcd2"
		}
		where, args, err := s.filter(1, q)
		if err != nil {
			t.Fatal(err)
		}
		// No lead matches: counted, that would be few.
		if few, err := s.fewMatches(context.Background(), where, args, q, "auto_id"); few || err != nil {
			t.Errorf("%s = sorted by CreatedOn: counted (%v)", field, err)
		}
		if _, many := plans(q); many != "SEARCH leads USING INDEX "+idx+" | USE TEMP B-TREE FOR LAST TERM OF ORDER BY" {
			t.Errorf("%s = sorted by CreatedOn: plan %q", field, many)
		}
	}
	// A prefix range SQLite left to itself reads through the condition's
	// index and then sorts in full; with many matches the index hint reads
	// in ModifiedOn order instead.
	if _, many := plans(query("LastName", crm.OpLike, "test%", "ModifiedOn")); !strings.HasPrefix(many, "SEARCH leads USING INDEX leads_modified_on (org_id=?)") ||
		strings.Contains(many, "TEMP B-TREE FOR ORDER BY") {
		t.Errorf("many prefix matches: plan %q", many)
	}
}

// TestSearchProbeBounds: Leads.Get sorts up to searchProbeMax matches of
// an indexed condition when an index gives the sort column's order, and
// ten times as many when none does.
func TestSearchProbeBounds(t *testing.T) {
	s := emptyStore(t)
	ctx := context.Background()
	c, err := s.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Authenticate(ctx, c.AccessKey, c.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	var rows []BulkLeadRow
	for i := range 30 {
		first, company, email := "Bound", "Firm", fmt.Sprintf("bound%d@search.test", i)
		rows = append(rows, BulkLeadRow{Attrs: []crm.Attribute{{Name: "FirstName", Value: &first},
			{Name: "Company", Value: &company}, {Name: "EmailAddress", Value: &email}}})
	}
	res, err := s.BulkCreateLeads(ctx, p, rows)
	if err != nil || res[29].Err != nil {
		t.Fatal(err, res[29].Err)
	}
	sch, err := s.Schema(ctx, &p.Org)
	if err != nil {
		t.Fatal(err)
	}
	old := searchProbeMax
	searchProbeMax = 10
	t.Cleanup(func() { searchProbeMax = old })
	// 30 matches: more than 10, fewer than 100.
	for sort, want := range map[string]bool{"": false, "ModifiedOn": false, "ProspectAutoId": false, "Company": true, "LastName": true} {
		q := &crm.LeadQuery{Cond: &crm.Condition{Field: sch.Field("FirstName"), Op: crm.OpEq, Values: []string{"bound"}},
			Sort: crm.Sort{Field: sch.Field(sort)}, Page: crm.Page{Index: 1, Size: 25}}
		where, args, err := s.filter(p.Org.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		if few, err := s.fewMatches(ctx, where, args, q, "auto_id"); few != want || err != nil {
			t.Errorf("sorted by %q: few %v (%v), want %v", sort, few, err, want)
		}
	}
}
