package store_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

func ptr(s string) *string { return &s }

func attrs(kv ...string) []crm.Attribute {
	var out []crm.Attribute
	for i := 0; i < len(kv); i += 2 {
		out = append(out, crm.Attribute{Name: kv[i], Value: ptr(kv[i+1])})
	}
	return out
}

// TestMigrationFoldersMatch: both dialects must have the same migration
// files, so a schema change is never made for one database only.
func TestMigrationFoldersMatch(t *testing.T) {
	list := func(dir string) []string {
		entries, err := fs.ReadDir(os.DirFS("migrations"), dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		return names
	}
	lite, pg := list("sqlite"), list("postgres")
	if len(lite) == 0 {
		t.Fatal("no migrations")
	}
	if diff := cmp.Diff(lite, pg); diff != "" {
		t.Errorf("migration folders differ (-sqlite +postgres):\n%s", diff)
	}
}

func principal(t *testing.T, s *store.Store, c *store.Credentials) *crm.Principal {
	t.Helper()
	p, err := s.Authenticate(context.Background(), c.AccessKey, c.SecretKey)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	return p
}

func TestBootstrapAndAuthenticate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c, err := s.Bootstrap(ctx)
		if err != nil || c == nil {
			t.Fatalf("Bootstrap = %v, %v", c, err)
		}
		if again, err := s.Bootstrap(ctx); err != nil || again != nil {
			t.Fatalf("second Bootstrap = %v, %v; want nil, nil", again, err)
		}
		p := principal(t, s, c)
		if p.Org.Name != "Sandbox" || p.User.Role != crm.RoleAdministrator || p.User.ID != c.UserID {
			t.Errorf("principal = %+v", p)
		}
		if err := s.CheckAdminToken(ctx, c.AdminToken); err != nil {
			t.Errorf("CheckAdminToken(valid) = %v", err)
		}
		if err := s.CheckAdminToken(ctx, c.AdminToken+"x"); !errors.Is(err, crm.ErrBadKeys) {
			t.Errorf("CheckAdminToken(wrong) = %v", err)
		}
		for name, keys := range map[string][2]string{
			"wrong secret":  {c.AccessKey, flipLast(c.SecretKey)},
			"unknown key":   {"u$r00000000000000000000000000000000", c.SecretKey},
			"empty secret":  {c.AccessKey, ""},
			"empty access":  {"", c.SecretKey},
			"secret as key": {c.SecretKey, c.AccessKey},
		} {
			if _, err := s.Authenticate(ctx, keys[0], keys[1]); !errors.Is(err, crm.ErrBadKeys) {
				t.Errorf("%s: Authenticate = %v, want ErrBadKeys", name, err)
			}
		}
		// Rotation kills the old secret; revocation kills the key.
		k, err := s.RotateKey(ctx, c.OrgID, c.AccessKey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, c.AccessKey, c.SecretKey); !errors.Is(err, crm.ErrBadKeys) {
			t.Errorf("old secret after rotation: %v", err)
		}
		if _, err := s.Authenticate(ctx, k.AccessKey, k.SecretKey); err != nil {
			t.Errorf("new secret after rotation: %v", err)
		}
		if err := s.RevokeKey(ctx, c.OrgID, c.AccessKey); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, k.AccessKey, k.SecretKey); !errors.Is(err, crm.ErrBadKeys) {
			t.Errorf("revoked key: %v", err)
		}
		if err := s.RevokeKey(ctx, c.OrgID, c.AccessKey); crm.KindOf(err) != crm.KindNotFound {
			t.Errorf("revoke twice: %v", err)
		}
		// Deactivation is immediate, and so is reactivation (the key was
		// used before each, so a principal cached from it must not serve).
		k2, err := s.CreateKey(ctx, c.OrgID, c.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, k2.AccessKey, k2.SecretKey); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetUserActive(ctx, c.OrgID, c.UserID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, k2.AccessKey, k2.SecretKey); !errors.Is(err, crm.ErrDeactivated) {
			t.Errorf("deactivated user: %v", err)
		}
		if _, err := s.SetUserActive(ctx, c.OrgID, c.UserID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, k2.AccessKey, k2.SecretKey); err != nil {
			t.Errorf("reactivated user: %v", err)
		}
	})
}

func TestUsersAndOrgs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o, err := s.CreateOrg(ctx, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateOrg(ctx, "Acme"); crm.KindOf(err) != crm.KindDuplicate {
			t.Errorf("duplicate org: %v", err)
		}
		if _, err := s.CreateOrg(ctx, "  "); crm.KindOf(err) != crm.KindInvalid {
			t.Errorf("blank org: %v", err)
		}
		u := &crm.User{OrgID: o.ID, FirstName: "Ann", Email: "Ann@Acme.test", Role: crm.RoleSalesUser}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		dup := &crm.User{OrgID: o.ID, Email: "ann@acme.TEST"}
		if err := s.CreateUser(ctx, dup); crm.KindOf(err) != crm.KindDuplicate {
			t.Errorf("duplicate email (case-insensitive): %v", err)
		}
		for _, bad := range []*crm.User{
			{OrgID: o.ID, Email: "x@y.z", Role: "Boss"},
			{OrgID: o.ID, Email: "not-an-email"},
			{OrgID: 999999, Email: "x@y.z"},
		} {
			if err := s.CreateUser(ctx, bad); err == nil {
				t.Errorf("CreateUser(%+v) succeeded", bad)
			}
		}
		users, err := s.Users(ctx, o.ID)
		if err != nil || len(users) != 1 || users[0].ID != u.ID {
			t.Errorf("Users = %+v, %v", users, err)
		}
		// Another org cannot see this user.
		o2, _ := s.CreateOrg(ctx, "Other")
		if _, err := s.User(ctx, o2.ID, u.ID); crm.KindOf(err) != crm.KindNotFound {
			t.Errorf("cross-org User: %v", err)
		}
		if _, err := s.CreateKey(ctx, o2.ID, u.ID); crm.KindOf(err) != crm.KindNotFound {
			t.Errorf("cross-org CreateKey: %v", err)
		}
	})
}

// TestAuthenticateSeesChanges: every change to what a principal carries
// (org settings, the schema version, the user) shows in the next
// Authenticate of a key that was used before it.
func TestAuthenticateSeesChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c, err := s.Bootstrap(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := principal(t, s, c)
		on, level, plan, offset := true, crm.JournalErrors, "free", 90*time.Minute
		if _, err := s.UpdateOrg(ctx, c.OrgID, store.OrgSettings{LeadDeleteEnabled: &on, JournalLevel: &level, Plan: &plan, ClockOffset: &offset}); err != nil {
			t.Fatal(err)
		}
		got := principal(t, s, c)
		if !got.Org.LeadDeleteEnabled || got.Org.JournalLevel != level || got.Org.Plan != plan || got.Org.ClockOffset != offset {
			t.Errorf("after UpdateOrg: %+v", got.Org)
		}
		if _, err := s.CreateField(ctx, got, crm.FieldSpec{DisplayName: "Auth Cache", DataType: "Text"}); err != nil {
			t.Fatal(err)
		}
		if v := principal(t, s, c).Org.SchemaVersion; v <= p.Org.SchemaVersion {
			t.Errorf("schema version after CreateField = %d, before %d", v, p.Org.SchemaVersion)
		}
		first, role := "Renamed", crm.RoleSalesUser
		other := &crm.User{OrgID: c.OrgID, FirstName: "Other", Email: "other@example.com", Role: crm.RoleAdministrator, Active: true}
		if err := s.CreateUser(ctx, other); err != nil {
			t.Fatal(err)
		}
		op := principal(t, s, c)
		op.User = *other
		if err := s.UpdateOrgUser(ctx, op, c.UserID, store.UserUpdate{FirstName: &first, Role: &role}); err != nil {
			t.Fatal(err)
		}
		if u := principal(t, s, c).User; u.FirstName != first || u.Role != role {
			t.Errorf("after UpdateOrgUser: %+v", u)
		}
	})
}

func setup(t *testing.T, s *store.Store) *crm.Principal {
	t.Helper()
	c, err := s.Bootstrap(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return principal(t, s, c)
}

// setupDeletes is setup for an org that allows lead deletes.
func setupDeletes(t *testing.T, s *store.Store) *crm.Principal {
	t.Helper()
	ctx := context.Background()
	c, err := s.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	on := true
	if _, err := s.UpdateOrg(ctx, c.OrgID, store.OrgSettings{LeadDeleteEnabled: &on}); err != nil {
		t.Fatal(err)
	}
	return principal(t, s, c)
}

func TestLeadCreateUpdateGet(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := setup(t, s)
		l, err := s.CreateLead(ctx, p, attrs("FirstName", "Ann", "EmailAddress", "ann@x.test", "Phone", "+91-9988776655"))
		if err != nil {
			t.Fatal(err)
		}
		if l.AutoID != 1 || !crm.ValidID(l.ID) || l.Values["OwnerId"] != p.User.ID || l.Values["ProspectStage"] != "Prospect" {
			t.Errorf("created lead = %+v", l)
		}
		l2, err := s.CreateLead(ctx, p, attrs("LastName", "Bo"))
		if err != nil || l2.AutoID != 2 {
			t.Fatalf("second lead: %+v, %v", l2, err)
		}
		for name, a := range map[string][]crm.Attribute{
			"same email other case": attrs("EmailAddress", "ANN@x.test"),
			"same phone digits":     attrs("FirstName", "C", "Phone", "919988776655"),
		} {
			if _, err := s.CreateLead(ctx, p, a); crm.KindOf(err) != crm.KindDuplicate {
				t.Errorf("%s: %v, want duplicate", name, err)
			}
		}
		if _, err := s.CreateLead(ctx, p, attrs("Company", "Acme")); crm.KindOf(err) != crm.KindMandatory {
			t.Errorf("no identity field: %v", err)
		}
		if _, err := s.CreateLead(ctx, p, attrs("FirstName", "X", "mx_Nope", "1")); crm.KindOf(err) != crm.KindUnknownAttribute {
			t.Errorf("unknown attribute: %v", err)
		}
		if _, err := s.CreateLead(ctx, p, attrs("FirstName", "X", "OwnerId", crm.NewID())); crm.KindOf(err) != crm.KindInvalid {
			t.Errorf("unknown owner: %v", err)
		}
		// Partial update keeps other fields; managed fields are ignored.
		u, err := s.UpdateLead(ctx, p, l.ID, attrs("Company", "Acme", "ProspectAutoId", "77", "Score", "99"))
		if err != nil {
			t.Fatal(err)
		}
		if u.Values["FirstName"] != "Ann" || u.Values["Company"] != "Acme" || u.AutoID != 1 || u.Values["Score"] != "0" {
			t.Errorf("updated lead = %+v", u)
		}
		if _, err := s.UpdateLead(ctx, p, l2.ID, attrs("EmailAddress", "ann@X.test")); crm.KindOf(err) != crm.KindDuplicate {
			t.Errorf("update to a taken email: %v", err)
		}
		if _, err := s.UpdateLead(ctx, p, crm.NewID(), attrs("Company", "Z")); !errors.Is(err, crm.ErrLeadNotFound) {
			t.Errorf("update unknown: %v", err)
		}
		if _, err := s.UpdateLead(ctx, p, "'; DROP TABLE leads; --", attrs("Company", "Z")); !errors.Is(err, crm.ErrLeadNotFound) {
			t.Errorf("update junk id: %v", err)
		}
		got, err := s.Lead(ctx, p.Org.ID, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u, got); diff != "" {
			t.Errorf("Lead after update (-want +got):\n%s", diff)
		}
	})
}

// TestConcurrentDuplicateCreates: N goroutines create a lead with the same
// email; the database's constraint lets exactly one through.
func TestConcurrentDuplicateCreates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := setup(t, s)
		const n = 24
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.CreateLead(ctx, p, attrs("FirstName", fmt.Sprint(i), "EmailAddress", "race@x.test"))
			}()
		}
		wg.Wait()
		ok, dup := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case crm.KindOf(err) == crm.KindDuplicate && crm.MessageOf(err) == "A Lead with same Email already exists.":
				dup++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 || dup != n-1 {
			t.Errorf("ok=%d dup=%d, want 1 and %d", ok, dup, n-1)
		}
	})
}

func TestLeadTenantIsolation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		pa := setup(t, s)
		o, _ := s.CreateOrg(ctx, "B")
		u := &crm.User{OrgID: o.ID, Email: "b@b.test", Role: crm.RoleAdministrator}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		k, _ := s.CreateKey(ctx, o.ID, u.ID)
		pb, err := s.Authenticate(ctx, k.AccessKey, k.SecretKey)
		if err != nil {
			t.Fatal(err)
		}
		la, err := s.CreateLead(ctx, pa, attrs("EmailAddress", "same@x.test"))
		if err != nil {
			t.Fatal(err)
		}
		// The same email is free in another org, and numbering is per org.
		lb, err := s.CreateLead(ctx, pb, attrs("EmailAddress", "same@x.test"))
		if err != nil || lb.AutoID != 1 {
			t.Fatalf("org B lead: %+v, %v", lb, err)
		}
		if _, err := s.Lead(ctx, pb.Org.ID, la.ID); !errors.Is(err, crm.ErrLeadNotFound) {
			t.Errorf("org B reads org A's lead: %v", err)
		}
		if _, err := s.UpdateLead(ctx, pb, la.ID, attrs("Company", "X")); !errors.Is(err, crm.ErrLeadNotFound) {
			t.Errorf("org B updates org A's lead: %v", err)
		}
		// An owner from another org is refused.
		if _, err := s.CreateLead(ctx, pa, attrs("FirstName", "Y", "OwnerId", u.ID)); crm.KindOf(err) != crm.KindInvalid {
			t.Errorf("owner from another org: %v", err)
		}
	})
}

// flipLast changes the last character, so the result always differs.
func flipLast(s string) string {
	last := "0"
	if s[len(s)-1] == '0' {
		last = "1"
	}
	return s[:len(s)-1] + last
}

// TestLeadCountWindows: the lead count of a LeadLastModifiedOn window
// that holds every lead (which SQLite answers from its kept count) and of
// windows that do not agree with the leads there are, after single and
// bulk creates (one bulk row failing), a delete and a merge.
func TestLeadCountWindows(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := setupDeletes(t, s)
		var ids []string
		for i := range 5 {
			l, err := s.CreateLead(ctx, p, attrs("EmailAddress", fmt.Sprintf("c%d@example.com", i)))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, l.ID)
		}
		rows := []store.BulkLeadRow{{Attrs: attrs("EmailAddress", "b1@example.com")}, {Attrs: attrs("EmailAddress", "c0@example.com")}, {Attrs: attrs("EmailAddress", "b2@example.com")}}
		if _, err := s.BulkCreateLeads(ctx, p, rows); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteLead(ctx, p, ids[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MergeLeads(ctx, p, ids[1], ids[2]); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteLead(ctx, p, ids[0]); crm.KindOf(err) != crm.KindNotFound {
			t.Fatalf("second delete: %v", err)
		}
		const want = 5 + 2 - 1 - 1
		all := crm.LeadQuery{From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC), Page: crm.Page{Index: 1, Size: 100}}
		page, err := s.SearchLeads(ctx, p.Org.ID, &all, "last_modified_on")
		if err != nil || len(page) != want {
			t.Fatalf("SearchLeads: %d leads, %v; want %d", len(page), err, want)
		}
		for name, q := range map[string]crm.LeadQuery{
			"all time":  all,
			"no window": {Page: all.Page},
		} {
			if n, err := s.CountLeads(ctx, p.Org.ID, &q); err != nil || n != want {
				t.Errorf("%s: CountLeads = %d, %v; want %d", name, n, err, want)
			}
		}
		// A window ending before the last change does not hold every lead.
		last := page[len(page)-1].LastModifiedOn
		for _, l := range page {
			if l.LastModifiedOn.After(last) {
				last = l.LastModifiedOn
			}
		}
		before := crm.LeadQuery{From: all.From, To: last.Add(-time.Second), Page: all.Page}
		inWindow, err := s.SearchLeads(ctx, p.Org.ID, &before, "last_modified_on")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountLeads(ctx, p.Org.ID, &before); err != nil || n != int64(len(inWindow)) {
			t.Errorf("window before the last change: CountLeads = %d, %v; want %d", n, err, len(inWindow))
		}
	})
}

// TestLeadCountConcurrent: single and bulk creates, bulk upserts and
// deletes running at once all succeed and keep the org's lead count exact
// (on PostgreSQL the count is spread over shards that concurrent inserts
// add to; an upsert inserts its rows one by one, and rows adding to
// shards in one order in one transaction and another order in the next
// deadlocked them).
func TestLeadCountConcurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := setupDeletes(t, s)
		var doomed []string
		for i := range 12 {
			l, err := s.CreateLead(ctx, p, attrs("EmailAddress", fmt.Sprintf("d%d@count.test", i)))
			if err != nil {
				t.Fatal(err)
			}
			doomed = append(doomed, l.ID)
		}
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 10 {
					if _, err := s.CreateLead(ctx, p, attrs("EmailAddress", fmt.Sprintf("s%d-%d@count.test", g, i))); err != nil {
						t.Error(err)
					}
				}
				var rows []store.BulkLeadRow
				for i := range 5 {
					rows = append(rows, store.BulkLeadRow{Attrs: attrs("EmailAddress", fmt.Sprintf("b%d-%d@count.test", g, i))})
				}
				if _, err := s.BulkCreateLeads(ctx, p, rows); err != nil {
					t.Error(err)
				}
				for c := range 3 {
					rows = rows[:0]
					for i := range 25 {
						rows = append(rows, store.BulkLeadRow{Attrs: attrs("EmailAddress", fmt.Sprintf("u%d-%d-%d@count.test", g, c, i))})
					}
					res, err := s.BulkUpsertLeads(ctx, p, rows)
					if err != nil {
						t.Error(err)
						continue
					}
					for _, r := range res {
						if r.Err != nil || !r.Created {
							t.Errorf("upsert row: created %v, %v", r.Created, r.Err)
						}
					}
				}
				if err := s.DeleteLead(ctx, p, doomed[g]); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		const want = 12 + 8*(10+5+3*25) - 8
		if n, err := s.CountLeads(ctx, p.Org.ID, &crm.LeadQuery{}); err != nil || n != want {
			t.Errorf("kept count = %d, %v; want %d", n, err, want)
		}
		// A window short of the newest lead is counted from the index.
		q := crm.LeadQuery{From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Now().Add(-time.Hour)}
		if n, err := s.CountLeads(ctx, p.Org.ID, &q); err != nil || n != 0 {
			t.Errorf("count of a window before every lead = %d, %v; want 0", n, err)
		}
	})
}

// TestLeadsByPhoneMostRecent: when one lead has the digits as its Phone
// and another as its Mobile, RetrieveLeadByPhoneNumber answers the one
// changed most recently, whichever that is; a number written another
// way (spaces, "+", dashes) finds the same lead.
func TestLeadsByPhoneMostRecent(t *testing.T) {
	runTicking(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := setup(t, s)
		byPhone, err := s.CreateLead(ctx, p, attrs("EmailAddress", "phone@digits.test", "Phone", "+91-98765-43210"))
		if err != nil {
			t.Fatal(err)
		}
		byMobile, err := s.CreateLead(ctx, p, attrs("EmailAddress", "mobile@digits.test", "Mobile", "919876543210"))
		if err != nil {
			t.Fatal(err)
		}
		found := func(query string) string {
			t.Helper()
			leads, err := s.LeadsByPhone(ctx, p.Org.ID, query)
			if err != nil || len(leads) != 1 {
				t.Fatalf("LeadsByPhone(%q) = %d leads, %v", query, len(leads), err)
			}
			return leads[0].ID
		}
		if got := found("919876543210"); got != byMobile.ID {
			t.Errorf("after both creates: %s, want the Mobile lead %s", got, byMobile.ID)
		}
		if _, err := s.UpdateLead(ctx, p, byPhone.ID, attrs("FirstName", "Later")); err != nil {
			t.Fatal(err)
		}
		if got := found("+91 98765 43210"); got != byPhone.ID {
			t.Errorf("after the Phone lead's update: %s, want %s", got, byPhone.ID)
		}
		if leads, err := s.LeadsByPhone(ctx, p.Org.ID, "98765"); err != nil || len(leads) != 0 {
			t.Errorf("a part of the number found %d leads, %v", len(leads), err)
		}
	})
}

// runTicking runs fn as a subtest per backend, each with a fresh store
// whose clock moves a second forward at every read, so that each write
// has a time of its own.
func runTicking(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	for _, b := range storetest.Backends() {
		t.Run(b, func(t *testing.T) {
			var tick atomic.Int64
			base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			fn(t, storetest.Open(t, b, crm.ClockFunc(func() time.Time {
				return base.Add(time.Duration(tick.Add(1)) * time.Second)
			})))
		})
	}
}
