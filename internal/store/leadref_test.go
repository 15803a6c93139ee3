package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

// TestLeadRefsRaceMergeAndDelete: activities naming a lead in a Lead field
// are posted while that lead is merged away or deleted. Whatever the
// interleaving, no activity may be left naming a lead that no longer
// exists: a post that commits first is rewritten by the merge (to the
// master) or the delete (cleared); a post that comes after fails as
// naming no lead. On PostgreSQL this needs the referenced row locked
// until the post commits; SQLite's single writer serialises anyway.
func TestLeadRefsRaceMergeAndDelete(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := setupDeletes(t, s)
		typ := &crm.ActivityType{Name: "Referral", DisplayName: "Referral", Score: 1, Active: true,
			Fields: []crm.ActivityField{{SchemaName: "mx_Custom_1", DisplayName: "Referred", DataType: crm.ActLead}}}
		if err := s.CreateActivityType(ctx, &p.Org, typ); err != nil {
			t.Fatal(err)
		}
		newLead := func(name string) string {
			l, err := s.CreateLead(ctx, p, attrs("EmailAddress", name+"@ref.test"))
			if err != nil {
				t.Fatal(err)
			}
			return l.ID
		}
		const rounds, posters, posts = 6, 8, 6
		for round := range rounds {
			merge := round%2 == 0
			master, gone := newLead(fmt.Sprintf("m%d", round)), newLead(fmt.Sprintf("g%d", round))
			// The first poster posts on the master itself, which locks the
			// two leads in the order opposite to the merge's: PostgreSQL
			// may break that deadlock, and the write is run again.
			targets := []string{master}
			for i := 1; i < posters; i++ {
				targets = append(targets, newLead(fmt.Sprintf("t%d-%d", round, i)))
			}
			var mu sync.Mutex
			var posted []string
			// Each poster's first post lands before the merge or delete
			// starts (so some rewrites are always checked); the rest race it.
			var wg, first sync.WaitGroup
			for i := range posters {
				wg.Add(1)
				first.Add(1)
				go func() {
					defer wg.Done()
					for n := range posts {
						a, _, err := s.PostActivity(ctx, p, targets[i], crm.ActivityInput{Code: typ.Code,
							Fields: []crm.ActivityFieldValue{{SchemaName: "mx_Custom_1", Value: gone}}})
						if n == 0 {
							first.Done()
						}
						if err != nil {
							if n == 0 || crm.KindOf(err) != crm.KindActivityFields {
								t.Errorf("post %d: %v", n, err)
							}
							continue
						}
						mu.Lock()
						posted = append(posted, a.ID)
						mu.Unlock()
					}
				}()
			}
			first.Wait()
			var err error
			if merge {
				_, err = s.MergeLeads(ctx, p, master, gone)
			} else {
				err = s.DeleteLead(ctx, p, gone)
			}
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			wg.Wait()
			want := ""
			if merge {
				want = master
			}
			for _, id := range posted {
				a, err := s.Activity(ctx, p.Org.ID, id)
				if err != nil {
					t.Fatal(err)
				}
				if got := a.Fields["mx_Custom_1"]; got != want {
					t.Errorf("round %d (merge %t): activity %s names %q, want %q", round, merge, id, got, want)
				}
			}
		}
	})
}

// TestBulkActivityAutoIDs: a bulk call numbers the rows it posts in row
// order, consecutively: a row that fails takes no number (SQLite reserves
// the numbers of the rows that passed in one statement; PostgreSQL's
// identity gives them row by row), and the next post continues (on SQLite
// its INSERT takes the number itself, trigger activities_seq).
func TestBulkActivityAutoIDs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := setupDeletes(t, s)
		typ := &crm.ActivityType{Name: "Visit", DisplayName: "Visit", Score: 2, Active: true}
		if err := s.CreateActivityType(ctx, &p.Org, typ); err != nil {
			t.Fatal(err)
		}
		l, err := s.CreateLead(ctx, p, attrs("EmailAddress", "auto@ids.test"))
		if err != nil {
			t.Fatal(err)
		}
		autoID := func(id string) int64 {
			t.Helper()
			a, err := s.Activity(ctx, p.Org.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			return a.AutoID
		}
		first, _, err := s.PostActivity(ctx, p, l.ID, crm.ActivityInput{Code: typ.Code})
		if err != nil {
			t.Fatal(err)
		}
		in := crm.ActivityInput{Code: typ.Code}
		rows := []store.BulkActivity{{LeadID: l.ID, Input: in}, {LeadID: crm.NewID(), Input: in},
			{LeadID: l.ID, Input: crm.ActivityInput{Code: 9999}}, {LeadID: l.ID, Input: in}, {LeadID: l.ID, Input: in}}
		res, err := s.PostActivities(ctx, p, "", rows)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for i, r := range res {
			if (r.Err != nil) != (i == 1 || i == 2) {
				t.Fatalf("row %d: %+v", i, r)
			}
			if r.Err == nil {
				got = append(got, autoID(r.ID)-first.AutoID)
			}
		}
		last, _, err := s.PostActivity(ctx, p, l.ID, crm.ActivityInput{Code: typ.Code})
		if err != nil {
			t.Fatal(err)
		}
		if stored := autoID(last.ID); stored != last.AutoID {
			t.Errorf("PostActivity returned auto id %d, stored %d", last.AutoID, stored)
		}
		got = append(got, last.AutoID-first.AutoID)
		if want := []int64{1, 2, 3, 4}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("auto ids after the first post: %v, want %v", got, want)
		}
		lead, err := s.Lead(ctx, p.Org.ID, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if lead.Values["Score"] != "10" {
			t.Errorf("Score %q after 5 posts of score 2", lead.Values["Score"])
		}
	})
}
