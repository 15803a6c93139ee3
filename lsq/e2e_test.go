package lsq_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/localsquared/localsquared/lsq"
	"github.com/localsquared/localsquared/lsqtest"
)

// backends runs fn on SQLite and, when LSQ_TEST_POSTGRES_DSN is set, on
// PostgreSQL, each on a fresh in-process server.
func backends(t *testing.T, fn func(t *testing.T, srv *lsqtest.Server)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, lsqtest.Start(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, lsqtest.Start(t, lsqtest.Postgres())) })
}

// served skips the test when the server does not serve the operation yet.
func served(t *testing.T, err error) {
	t.Helper()
	var e *lsq.Error
	if errors.As(err, &e) && e.ExceptionType == "MXAPINotFoundException" {
		t.Skipf("operation not served by this server: %v", err)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestE2ELeads(t *testing.T) {
	backends(t, func(t *testing.T, srv *lsqtest.Server) {
		ctx, c := context.Background(), srv.Client
		id := must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", "Ann", "EmailAddress", "ann@example.com", "Phone", "+91 98450 12345")))
		if err := c.UpdateLead(ctx, id, lsq.Pairs("LastName", "Lee")); err != nil {
			t.Fatal(err)
		}
		l := must[lsq.Lead](t)(c.GetLead(ctx, id))
		if l.ID() != id || l.Get("LastName") != "Lee" || l.Get("ProspectStage") != "Prospect" {
			t.Errorf("lead %v", l)
		}
		if n, err := l.Int("ProspectAutoId"); err != nil || n != 1 {
			t.Errorf("ProspectAutoId %d %v", n, err)
		}
		if ts, err := l.Time("CreatedOn"); err != nil || time.Since(ts) > time.Minute {
			t.Errorf("CreatedOn %v %v", ts, err)
		}
		_, err := c.CreateLead(ctx, lsq.Pairs("EmailAddress", "ANN@example.com"))
		if !lsq.IsDuplicate(err) || lsq.IsNotFound(err) {
			t.Errorf("duplicate: %v", err)
		}
		var e *lsq.Error
		if !errors.As(err, &e) || e.Status != 500 || e.ExceptionType != "MXDuplicateEntryException" || e.RequestID == "" {
			t.Errorf("duplicate error %#v", e)
		}
		if err := c.UpdateLead(ctx, "01a21183-0000-7000-8000-000000000000", lsq.Pairs("FirstName", "X")); !lsq.IsNotFound(err) {
			t.Errorf("update unknown: %v", err)
		}
		if _, err := c.GetLead(ctx, "01a21183-0000-7000-8000-000000000000"); !lsq.IsNotFound(err) {
			t.Errorf("get unknown: %v", err)
		}
		if _, err := c.CreateLead(ctx, lsq.Pairs("mx_Nope", "1")); !lsq.IsInvalid(err) {
			t.Errorf("unknown attribute: %v", err)
		}
		t.Run("byEmail", func(t *testing.T) {
			l, err := c.GetLeadByEmail(ctx, "ann@example.com")
			served(t, err)
			if err != nil || l.ID() != id {
				t.Fatalf("%v %v", l, err)
			}
		})
		t.Run("bulk", func(t *testing.T) {
			res, err := c.BulkCreateLeads(ctx, []lsq.Attrs{lsq.Pairs("FirstName", "B", "EmailAddress", "b@example.com"), lsq.Pairs("EmailAddress", "ann@example.com")})
			served(t, err)
			if err != nil || len(res) != 2 || res[0].Failed() || !res[1].Failed() {
				t.Fatalf("%v %+v", err, res)
			}
		})
	})
}

func TestE2EActivitiesTasksUsers(t *testing.T) {
	backends(t, func(t *testing.T, srv *lsqtest.Server) {
		ctx, c := context.Background(), srv.Client
		lead := must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", "Tia", "EmailAddress", "tia@example.com")))
		code := must[string](t)(c.CreateActivityType(ctx, lsq.NewActivityType{ActivityEventName: "Webinar Attended",
			Fields: []map[string]any{{"SchemaName": "mx_Custom_1", "DisplayName": "Topic", "DataType": "String"}}}))
		if code != "200" {
			t.Errorf("type code %q", code)
		}
		m := must[lsq.Message](t)(c.CreateActivity(ctx, lsq.NewActivity{RelatedProspectId: lead, ActivityEvent: 200, ActivityNote: "hi",
			Fields: []lsq.Field{{SchemaName: "mx_Custom_1", Value: "Go"}}}))
		acts := must[lsq.Activities](t)(c.LeadActivities(ctx, lead, 0, 0, 0))
		if acts.RecordCount != 1 || acts.ProspectActivities[0].Id != m.Id || acts.ProspectActivities[0].EventCode != 200 {
			t.Errorf("activities %+v", acts)
		}
		det := must[lsq.ActivityDetails](t)(c.ActivityDetails(ctx, m.Id))
		if det.Name != "Webinar Attended" {
			t.Errorf("details %+v", det)
		}
		if _, err := c.ActivityDetails(ctx, "01a21183-0000-7000-8000-000000000000"); !lsq.IsNotFound(err) {
			t.Errorf("unknown activity: %v", err)
		}
		if _, err := c.CreateActivity(ctx, lsq.NewActivity{RelatedProspectId: lead, ActivityEvent: 999}); !lsq.IsInvalid(err) {
			t.Errorf("bad event: %v", err)
		}
		types := must[[]lsq.ActivityType](t)(c.ActivityTypes(ctx))
		if len(types) < 2 {
			t.Errorf("types %d", len(types))
		}
		res := must[[]lsq.ActivityResult](t)(c.BulkCreateActivities(ctx, []lsq.NewActivity{{RelatedProspectId: lead, ActivityEvent: 200,
			Fields: []lsq.Field{{SchemaName: "mx_Custom_1", Value: "Rust"}}}}))
		if len(res) != 1 || !res[0].ActivityCreated {
			t.Errorf("bulk activities %+v", res)
		}

		due := lsq.DateTime{Time: time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)}
		task := must[string](t)(c.CreateTask(ctx, lsq.NewTask{Name: "Meeting: intro", TaskType: &lsq.TaskTypeRef{Name: "Meeting"},
			RelatedEntity: 1, RelatedEntityId: lead, DueDate: due, OwnerEmailAddress: srv.UserEmail}))
		got := must[lsq.Task](t)(c.GetTask(ctx, task))
		if got.Name != "Meeting: intro" || !got.DueDate.Equal(due.Time) || got.TaskType.Name != "Meeting" {
			t.Errorf("task %+v", got)
		}
		if err := c.CompleteTask(ctx, task); err != nil {
			t.Fatal(err)
		}
		lt := must[[]lsq.LeadTask](t)(c.LeadTasks(ctx, lead))
		if len(lt) != 1 || lt[0].Status != "Completed" {
			t.Errorf("lead tasks %+v", lt)
		}
		if _, err := c.GetTask(ctx, "01a21183-0000-7000-8000-000000000000"); !lsq.IsNotFound(err) {
			t.Errorf("unknown task: %v", err)
		}
		tt := must[[]lsq.TaskType](t)(c.TaskTypes(ctx, "", ""))
		if len(tt) != 6 {
			t.Errorf("task types %d", len(tt))
		}

		me := must[lsq.Me](t)(c.Me(ctx))
		if me.Id != srv.UserID || me.Role != "Administrator" {
			t.Errorf("me %+v", me)
		}
		uid := must[string](t)(c.CreateUser(ctx, lsq.NewUser{FirstName: "Chris", EmailAddress: "c@example.com", Role: "Sales_User"}))
		u := must[lsq.User](t)(c.GetUserByEmail(ctx, "c@example.com"))
		if u.UserId != uid || u.Role != "Sales_User" {
			t.Errorf("user %+v", u)
		}
		if _, err := c.CreateUser(ctx, lsq.NewUser{FirstName: "Chris", EmailAddress: "c@example.com", Role: "Sales_User"}); !lsq.IsDuplicate(err) {
			t.Errorf("duplicate user: %v", err)
		}
		n, list, err := c.SearchUsers(ctx, lsq.UserQuery{SearchText: "chris"})
		if err != nil || n != 1 || list[0].UserId != uid {
			t.Errorf("search %d %v %v", n, list, err)
		}
		if err := c.SetUserActive(ctx, uid, false); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetUser(ctx, uid); !lsq.IsNotFound(err) {
			t.Errorf("deactivated user: %v", err)
		}
		if err := c.MarkUserObsolete(ctx, uid); err != nil {
			t.Fatal(err)
		}
		users := must[[]lsq.UserSummary](t)(c.Users(ctx))
		if len(users) != 1 {
			t.Errorf("users %+v", users)
		}
	})
}

func TestE2EAdminAndRateLimit(t *testing.T) {
	backends(t, func(t *testing.T, srv *lsqtest.Server) {
		ctx, a := context.Background(), srv.Admin
		org := must[lsq.Org](t)(a.Org(ctx, srv.OrgID))
		if org.Name != "Sandbox" || org.Plan != "unlimited" {
			t.Errorf("org %+v", org)
		}
		if _, err := a.Org(ctx, 999); !lsq.IsNotFound(err) {
			t.Errorf("unknown org: %v", err)
		}
		u := must[lsq.AdminUser](t)(a.CreateUser(ctx, srv.OrgID, lsq.NewAdminUser{FirstName: "Sam", Email: "sam@example.com", Role: "Sales_User"}))
		k := must[lsq.Key](t)(a.CreateKey(ctx, srv.OrgID, u.ID))
		sam := srv.NewClient(lsq.WithKeys(k.AccessKey, k.SecretKey))
		if me, err := sam.Me(ctx); err != nil || me.Id != u.ID {
			t.Fatalf("sam %+v %v", me, err)
		}
		if _, err := sam.CreateUser(ctx, lsq.NewUser{FirstName: "X", EmailAddress: "x@example.com", Role: "Sales_User"}); !lsq.IsUnauthorized(err) {
			t.Errorf("non-admin create user: %v", err)
		}
		if err := a.RevokeKey(ctx, srv.OrgID, k.AccessKey); err != nil {
			t.Fatal(err)
		}
		if _, err := sam.Me(ctx); !lsq.IsUnauthorized(err) {
			t.Errorf("revoked key: %v", err)
		}

		// Rate limit: one call per 5 s; the second read waits out Retry-After.
		if _, err := a.SetCustomPlan(ctx, srv.OrgID, lsq.Plan{Per5s: 1, BulkPer5s: 1}); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		c := srv.NewClient(lsq.WithRetry(lsq.RetryPolicy{MaxAttempts: 3, BaseDelay: 10 * time.Millisecond, MaxDelay: 6 * time.Second}),
			lsq.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		noRetry := srv.NewClient(lsq.WithRetry(lsq.RetryPolicy{MaxAttempts: 1}))
		if _, err := c.Me(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := noRetry.Me(ctx); !lsq.IsRateLimited(err) {
			t.Fatalf("second call in the window: %v", err)
		}
		if _, err := c.Me(ctx); err != nil {
			t.Fatalf("retried call: %v", err)
		}
		if !strings.Contains(logs.String(), "status=429") || !strings.Contains(logs.String(), "status=200") {
			t.Errorf("logs:\n%s", logs.String())
		}
		if strings.Contains(logs.String(), srv.SecretKey) {
			t.Error("the secret key reached the log")
		}
		usage := must[lsq.Usage](t)(a.Usage(ctx, srv.OrgID))
		if usage.Plan.Per5s != 1 {
			t.Errorf("usage %+v", usage)
		}
		page := must[lsq.JournalPage](t)(a.Journal(ctx, srv.OrgID, lsq.JournalQuery{Status: "429"}))
		if len(page.Entries) == 0 || page.Entries[0].ExceptionType != "MXAPIRateLimitExceededException" {
			t.Errorf("journal %+v", page)
		}
		var out bytes.Buffer
		if err := a.ExportJournal(ctx, srv.OrgID, lsq.JournalQuery{}, "jsonl", &out); err != nil || strings.Count(out.String(), "\n") < 3 {
			t.Errorf("export %v %q", err, out.String())
		}
	})
}
