package store_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

// TestQuickSearchProbeAndWalk: QuickSearch answers the same leads in the
// same order whether it reads the matches through the fields' indexes or
// walks the org's leads newest first: the newest crm.MaxQuickSearch
// matches by LeadLastModifiedOn, ties by id, newest first.
func TestQuickSearchProbeAndWalk(t *testing.T) {
	runTicking(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := setup(t, s)
		// 130 matches ("Quinn…" by FirstName, "quarry…" by Company) in
		// three bulk calls, whose rows share a LeadLastModifiedOn, among
		// 40 leads that do not match; then three old matches change.
		var matches []string
		for call := 0; call < 4; call++ {
			var rows []store.BulkLeadRow
			for i := 0; i < 50; i++ {
				n := call*50 + i
				kv := []string{"EmailAddress", fmt.Sprintf("qs%d@search.test", n), "FirstName", fmt.Sprintf("Quinn%d", n)}
				switch {
				case n >= 170:
					continue
				case n >= 130:
					kv = []string{"EmailAddress", fmt.Sprintf("other%d@search.test", n), "FirstName", "Other"}
				case n%3 == 0:
					kv = []string{"EmailAddress", fmt.Sprintf("qs%d@search.test", n), "FirstName", "Pat", "Company", fmt.Sprintf("Quarry %d", n)}
				}
				rows = append(rows, store.BulkLeadRow{Attrs: attrs(kv...)})
			}
			res, err := s.BulkCreateLeads(ctx, p, rows)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.Err != nil {
					t.Fatalf("row %d: %v", i, r.Err)
				}
				if call*50+i < 130 {
					matches = append(matches, r.ID)
				}
			}
		}
		for _, i := range []int{5, 6, 90} {
			if _, err := s.UpdateLead(ctx, p, matches[i], attrs("LastName", "Changed")); err != nil {
				t.Fatal(err)
			}
		}
		sch, err := s.Schema(ctx, &p.Org)
		if err != nil {
			t.Fatal(err)
		}
		search := func(key string) []string {
			t.Helper()
			leads, err := s.QuickSearch(ctx, p.Org.ID, sch, key)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for i, l := range leads {
				ids = append(ids, l.ID)
				if i > 0 {
					prev := leads[i-1]
					if l.LastModifiedOn.After(prev.LastModifiedOn) || l.LastModifiedOn.Equal(prev.LastModifiedOn) && l.ID > prev.ID {
						t.Errorf("%q: lead %d (%s, %v) after %s (%v)", key, i, l.ID, l.LastModifiedOn, prev.ID, prev.LastModifiedOn)
					}
				}
			}
			return ids
		}
		for _, key := range []string{"qu", "quinn1", "quarry 9", "nobody"} {
			probed := search(key)
			store.SetQuickProbeMax(t, 2)
			walked := search(key)
			store.SetQuickProbeMax(t, 10_000)
			if diff := gocmp.Diff(probed, walked); diff != "" {
				t.Errorf("%q: probe and walk differ (-probe +walk):\n%s", key, diff)
			}
		}
		all := search("qu")
		if len(all) != crm.MaxQuickSearch {
			t.Fatalf("%q: %d leads, want %d", "qu", len(all), crm.MaxQuickSearch)
		}
		if want := []string{matches[90], matches[6], matches[5]}; !gocmp.Equal(all[:3], want) {
			t.Errorf("newest three %v, want the changed leads %v", all[:3], want)
		}
		// The oldest matches (the first bulk call's) are the ones left out.
		for _, id := range all {
			for _, old := range matches[:30] {
				if id == old && id != matches[5] && id != matches[6] {
					t.Errorf("lead %s of the first call is among the newest %d", id, crm.MaxQuickSearch)
				}
			}
		}
	})
}

// TestSearchLeadsSortedMatches: Leads.Get answers the same pages whether
// SQLite sorts the matches it found through the condition's index or
// reads the leads in the sort column's order: ties, NULLs, both
// directions, a page beyond the first.
func TestSearchLeadsSortedMatches(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := setup(t, s)
		var rows []store.BulkLeadRow
		for i := 0; i < 60; i++ {
			kv := []string{"EmailAddress", fmt.Sprintf("sorted%d@search.test", i), "FirstName", fmt.Sprintf("Name%d", i%3)}
			if i%4 != 0 { // every fourth has no Company: NULL in the sort
				kv = append(kv, "Company", fmt.Sprintf("Firm %d", i%5))
			}
			rows = append(rows, store.BulkLeadRow{Attrs: attrs(kv...)})
		}
		if _, err := s.BulkCreateLeads(ctx, p, rows); err != nil {
			t.Fatal(err)
		}
		sch, err := s.Schema(ctx, &p.Org)
		if err != nil {
			t.Fatal(err)
		}
		cond := func(field, op string, v ...string) *crm.Condition {
			return &crm.Condition{Field: sch.Field(field), Op: op, Values: v}
		}
		conds := []*crm.Condition{cond("FirstName", crm.OpEq, "name1"), cond("EmailAddress", crm.OpLike, "sorted1%"),
			cond("FirstName", crm.OpIn, "name0", "name2"), cond("Company", crm.OpGt, "firm 2")}
		for _, c := range conds {
			for _, srt := range []crm.Sort{{Field: sch.Field("Company")}, {Field: sch.Field("Company"), Desc: true},
				{Field: sch.Field("CreatedOn"), Desc: true}, {}} {
				for _, page := range []crm.Page{{Index: 1, Size: 7}, {Index: 2, Size: 7}} {
					q := &crm.LeadQuery{Cond: c, Sort: srt, Page: page}
					ids := func() []string {
						t.Helper()
						leads, err := s.SearchLeads(ctx, p.Org.ID, q, "auto_id")
						if err != nil {
							t.Fatal(err)
						}
						var ids []string
						for _, l := range leads {
							ids = append(ids, l.ID)
						}
						return ids
					}
					sorted := ids()
					store.SetSearchProbeMax(t, 0)
					ordered := ids()
					store.SetSearchProbeMax(t, 10_000)
					if len(sorted) == 0 {
						t.Errorf("%s %s %v, sort %+v, page %d: no leads", c.Field.SchemaName, c.Op, c.Values, srt, page.Index)
					}
					if diff := gocmp.Diff(sorted, ordered); diff != "" {
						t.Errorf("%s %s %v, sort %+v, page %d: sorted matches and ordered read differ:\n%s",
							c.Field.SchemaName, c.Op, c.Values, srt, page.Index, diff)
					}
				}
			}
		}
	})
}

// TestSearchEqualSortedByCreatedOn: = on a searched column sorted by
// CreatedOn (read in order from the column's index on SQLite) gives the
// matches newest or oldest first, ties by id in the same direction, page
// after page, whatever the number of matches.
func TestSearchEqualSortedByCreatedOn(t *testing.T) {
	runTicking(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := setup(t, s)
		// Five bulk calls a second apart (rows of a call share their
		// CreatedOn), then some leads on their own.
		type lead struct {
			id, first, company string
			created            int64
		}
		var all []lead
		add := func(rows []store.BulkLeadRow) {
			t.Helper()
			res, err := s.BulkCreateLeads(ctx, p, rows)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				l, err := s.Lead(ctx, p.Org.ID, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, lead{l.ID, l.Values["FirstName"], l.Values["Company"], l.CreatedOn.UnixMilli()})
			}
		}
		n := 0
		row := func() store.BulkLeadRow {
			n++
			return store.BulkLeadRow{Attrs: attrs("EmailAddress", fmt.Sprintf("eq%d@search.test", n),
				"FirstName", fmt.Sprintf("Eq%d", n%3), "Company", fmt.Sprintf("Firm %d", n%2))}
		}
		for call := 0; call < 5; call++ {
			var rows []store.BulkLeadRow
			for i := 0; i < 6; i++ {
				rows = append(rows, row())
			}
			add(rows)
		}
		for i := 0; i < 6; i++ {
			add([]store.BulkLeadRow{row()})
		}
		sch, err := s.Schema(ctx, &p.Org)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ field, value string }{{"FirstName", "Eq1"}, {"Company", "Firm 0"}} {
			for _, desc := range []bool{true, false} {
				var match []lead
				for _, l := range all {
					if l.first == c.value || l.company == c.value {
						match = append(match, l)
					}
				}
				slices.SortFunc(match, func(a, b lead) int {
					r := cmp.Or(cmp.Compare(a.created, b.created), strings.Compare(a.id, b.id))
					if desc {
						return -r
					}
					return r
				})
				var want []string
				for _, l := range match {
					want = append(want, l.id)
				}
				var got []string
				for page := 1; ; page++ {
					q := &crm.LeadQuery{Cond: &crm.Condition{Field: sch.Field(c.field), Op: crm.OpEq, Values: []string{strings.ToLower(c.value)}},
						Sort: crm.Sort{Field: sch.Field("CreatedOn"), Desc: desc}, Page: crm.Page{Index: page, Size: 4}}
					leads, err := s.SearchLeads(ctx, p.Org.ID, q, "auto_id")
					if err != nil {
						t.Fatal(err)
					}
					for _, l := range leads {
						got = append(got, l.ID)
					}
					if len(leads) < 4 {
						break
					}
				}
				if len(want) < 10 {
					t.Fatalf("%s = %s: %d matches, want at least 10", c.field, c.value, len(want))
				}
				if diff := gocmp.Diff(want, got); diff != "" {
					t.Errorf("%s = %s, desc %v (-want +got):\n%s", c.field, c.value, desc, diff)
				}
			}
		}
	})
}
