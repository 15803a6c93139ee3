package lsq_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/localsquared/localsquared/lsq"
)

func e2eActivities(t *testing.T, e *env) {
	ctx, c := e.ctx, e.c
	start := time.Now().UTC().Add(-time.Minute)
	lead := must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", "Tia", "EmailAddress", "tia@example.com")))
	code := must[string](t)(c.CreateActivityType(ctx, lsq.NewActivityType{ActivityEventName: "Webinar Attended",
		Fields: []map[string]any{{"SchemaName": "mx_Custom_1", "DisplayName": "Topic", "DataType": "String"}}}))
	if code != "200" {
		t.Errorf("type code %q", code)
	}
	if _, err := c.CreateActivityType(ctx, lsq.NewActivityType{ActivityEventName: "webinar attended"}); !lsq.IsDuplicate(err) {
		t.Errorf("duplicate type: %v", err)
	}
	types := must[[]lsq.ActivityType](t)(c.ActivityTypes(ctx))
	var typeID string
	for _, ty := range types {
		if ty.ActivityEvent == 200 {
			typeID = ty.ActivityEventName
		}
	}
	if typeID != "Webinar Attended" || len(types) < 2 {
		t.Errorf("types %+v", types)
	}
	setting := must[lsq.ActivityDetails](t)(c.ActivitySetting(ctx, code))
	if setting.Name != "Webinar Attended" || setting.ID == "" || len(setting.Fields) == 0 {
		t.Fatalf("setting %+v", setting)
	}
	score := 5
	check(t, c.UpdateActivityType(ctx, lsq.NewActivityType{ID: setting.ID, Score: &score,
		Fields: []map[string]any{{"SchemaName": "mx_Custom_2", "DisplayName": "Seats", "DataType": "Number"}}}))
	setting = must[lsq.ActivityDetails](t)(c.ActivitySetting(ctx, code))
	if len(setting.Fields) < 2 {
		t.Errorf("updated type fields %+v", setting.Fields)
	}

	m := must[lsq.Message](t)(c.CreateActivity(ctx, lsq.NewActivity{RelatedProspectId: lead, ActivityEvent: 200, ActivityNote: "hi",
		IncludeLeadScore: true, Fields: []lsq.Field{{SchemaName: "mx_Custom_1", Value: "Go"}}}))
	if m.Id == "" || m.LeadScore == nil || *m.LeadScore != 5 {
		t.Errorf("create activity %+v", m)
	}
	acts := must[lsq.Activities](t)(c.LeadActivities(ctx, lead, 0, 0, 0))
	if acts.RecordCount != 1 || acts.ProspectActivities[0].Id != m.Id || acts.ProspectActivities[0].EventCode != 200 {
		t.Errorf("activities %+v", acts)
	}
	det := must[lsq.ActivityDetails](t)(c.ActivityDetails(ctx, m.Id))
	if det.Name != "Webinar Attended" {
		t.Errorf("details %+v", det)
	}
	if _, err := c.ActivityDetails(ctx, unknownID); !lsq.IsNotFound(err) {
		t.Errorf("unknown activity: %v", err)
	}
	if _, err := c.CreateActivity(ctx, lsq.NewActivity{RelatedProspectId: lead, ActivityEvent: 999}); !lsq.IsInvalid(err) {
		t.Errorf("bad event: %v", err)
	}
	if _, err := c.CreateActivity(ctx, lsq.NewActivity{RelatedProspectId: lead, ActivityEvent: 200,
		Fields: []lsq.Field{{SchemaName: "mx_Custom_9", Value: "x"}}}); !lsq.IsInvalid(err) {
		t.Errorf("bad field: %v", err)
	}

	both := must[lsq.Message](t)(c.CreateLeadAndActivity(ctx, lsq.Pairs("EmailAddress", "uma@example.com", "FirstName", "Uma"),
		lsq.NewActivity{ActivityEvent: 200, Fields: []lsq.Field{{SchemaName: "mx_Custom_1", Value: "Zig"}}}))
	if both.Id == "" || both.RelatedProspectId == "" || !both.IsCreated {
		t.Errorf("lead and activity %+v", both)
	}
	res := must[[]lsq.ActivityResult](t)(c.BulkCreateActivities(ctx, []lsq.NewActivity{
		{RelatedProspectId: lead, ActivityEvent: 200, Fields: []lsq.Field{{SchemaName: "mx_Custom_1", Value: "Rust"}}},
		{RelatedProspectId: unknownID, ActivityEvent: 200},
	}))
	if len(res) != 2 || !res[0].ActivityCreated || res[0].ProspectActivityId == nil || res[1].ActivityCreated || res[1].ExceptionType == nil {
		t.Errorf("bulk activities %+v", res)
	}
	res = must[[]lsq.ActivityResult](t)(c.BulkCreateActivitiesByField(ctx, "EmailAddress", []lsq.NewActivity{
		{SearchByValue: "uma@example.com", ActivityEvent: 200, Fields: []lsq.Field{{SchemaName: "mx_Custom_1", Value: "C"}}},
		{SearchByValue: "nobody@example.com", ActivityEvent: 200},
	}))
	if len(res) != 2 || !res[0].ActivityCreated || res[1].ActivityCreated {
		t.Errorf("bulk activities by field %+v", res)
	}
	// No opportunity exists: every well-formed row reports an unknown
	// opportunity, a row without its owner the missing owner.
	res = must[[]lsq.ActivityResult](t)(c.BulkCreateActivitiesByOpportunity(ctx, unknownID, []lsq.NewActivity{
		{ActivityEvent: 12000, ActivityOwnerEmail: "admin@sandbox.localsquared.dev", ActivityNote: "call"},
		{ActivityEvent: 12000},
	}))
	if len(res) != 2 || res[0].ActivityCreated || res[0].ExceptionType == nil || *res[0].ExceptionType != "MXInvalidEntityException" ||
		res[1].ExceptionType == nil || *res[1].ExceptionType != "MXMandatoryAttributeMissingException" {
		t.Errorf("bulk activities by opportunity %+v", res)
	}
	if _, err := c.BulkCreateActivitiesByOpportunity(ctx, "", []lsq.NewActivity{{ActivityEvent: 12000}}); !lsq.IsInvalid(err) {
		t.Errorf("bulk activities without an opportunity id: %v", err)
	}

	check(t, c.UpdateActivity(ctx, lsq.ActivityUpdate{ProspectActivityId: m.Id, ActivityEvent: 200, ActivityNote: "updated",
		Fields: []lsq.Field{{SchemaName: "mx_Custom_1", Value: "Go 1.26"}}}))
	end := time.Now().UTC().Add(time.Minute)
	n, changes, err := c.ActivityChanges(ctx, start, end, nil, m.Id, 0, 0)
	if err != nil || n == 0 || len(changes) != n || changes[0].ProspectActivityId != m.Id || changes[0].RelatedProspectId != lead {
		t.Errorf("changes %d %+v %v", n, changes, err)
	}
	var topic *lsq.ActivityChange
	for i := range changes {
		if changes[i].FieldName == "mx_Custom_1" {
			topic = &changes[i]
		}
	}
	if topic == nil || topic.OldValue != "Go" || topic.NewValue != "Go 1.26" || topic.ModifiedOn.IsZero() {
		t.Errorf("topic change %+v", changes)
	}
	if n, _, err := c.ActivityChanges(ctx, start, end, []int{200}, "", 0, 0); err != nil || n == 0 {
		t.Errorf("changes by event %d %v", n, err)
	}
	check(t, c.LockActivity(ctx, m.Id))
	if err := c.UpdateActivity(ctx, lsq.ActivityUpdate{ProspectActivityId: m.Id, ActivityEvent: 200, ActivityNote: "again"}); !lsq.IsInvalid(err) {
		t.Errorf("update locked: %v", err)
	}

	n, flat, err := c.ActivitiesByEvent(ctx, lsq.ActivityWindow{ActivityEvent: 200, From: start, To: end, PageSize: 2})
	if err != nil || n != 4 || len(flat) != 2 {
		t.Errorf("by event %d %d %v", n, len(flat), err)
	}
	doc := `{"GrpConOp":"And","Conditions":[{"Type":"Activity","ConOp":"And","RowCondition":[{"SubConOp":"And","LSO":"mx_Custom_1","LSO_Type":"String","Operator":"eq","RSO":"go 1.26"}]}],"QueryTimeZone":"UTC"}`
	if n, found, err := c.SearchActivities(ctx, lsq.ActivitySearch{ActivityEvent: 200, AdvancedSearch: doc}); err != nil || n != 1 || len(found) != 1 {
		t.Errorf("advanced search %d %v %v", n, found, err)
	}
	if _, _, err := c.SearchActivities(ctx, lsq.ActivitySearch{ActivityEvent: 200, AdvancedSearch: `{"Conditions":"x"}`}); !lsq.IsInvalid(err) {
		t.Errorf("advanced search with a bad document: %v", err)
	}
	if n, refs, err := c.LeadReferences(ctx, lead, 1, 10); err != nil || n != 0 || len(refs) != 0 {
		t.Errorf("lead references (the type has no Lead field) %d %v %v", n, refs, err)
	}
	recent := must[lsq.Activities](t)(c.RecentActivities(ctx, lsq.ActivityWindow{From: start, To: end, SortBy: "CreatedOn", SortDesc: true}))
	if recent.RecordCount < 4 || len(recent.ProspectActivities) != recent.RecordCount {
		t.Errorf("recent activities %+v", recent)
	}

	// Deleting skips the locked activity.
	check(t, c.DeleteActivities(ctx, lead, []int{200}, time.Time{}, time.Time{}))
	acts = must[lsq.Activities](t)(c.LeadActivities(ctx, lead, 200, 0, 0))
	if acts.RecordCount != 1 || acts.ProspectActivities[0].Id != m.Id {
		t.Errorf("after delete %+v", acts)
	}
	if err := c.DeleteActivities(ctx, unknownID, []int{200}, start, end); !lsq.IsNotFound(err) {
		t.Errorf("delete on unknown lead: %v", err)
	}
}

func e2eTasks(t *testing.T, e *env) {
	ctx, c := e.ctx, e.c
	lead := must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", "Tom", "EmailAddress", "tom@example.com")))
	tt := must[[]lsq.TaskType](t)(c.TaskTypes(ctx, "", ""))
	if len(tt) != 6 {
		t.Errorf("task types %d", len(tt))
	}
	if todo := must[[]lsq.TaskType](t)(c.TaskTypes(ctx, "Category", "1")); len(todo) != 3 || todo[0].Category != 1 {
		t.Errorf("to-do types %+v", todo)
	}

	day := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
	due := lsq.DateTime{Time: day}
	task := must[string](t)(c.CreateTask(ctx, lsq.NewTask{Name: "Meeting: intro", TaskType: &lsq.TaskTypeRef{Name: "Meeting"},
		RelatedEntity: 1, RelatedEntityId: lead, DueDate: due, OwnerEmailAddress: e.srv.UserEmail, CustomFields: map[string]string{"mx_Custom_1": "room 4"}}))
	got := must[lsq.Task](t)(c.GetTask(ctx, task))
	if got.Name != "Meeting: intro" || !got.DueDate.Equal(due.Time) || got.TaskType.Name != "Meeting" || got.RelatedEntityId != lead ||
		!got.EndDate.Equal(due.Add(30*time.Minute)) || got.CustomFields["mx_Custom_1"] != "room 4" || got.OwnerId != e.srv.UserID {
		t.Errorf("task %+v", got)
	}
	check(t, c.UpdateTask(ctx, lsq.NewTask{UserTaskId: task, Description: "bring slides", Location: "Pune"}))
	if got := must[lsq.Task](t)(c.GetTask(ctx, task)); got.Description != "bring slides" || got.Location != "Pune" || got.Name != "Meeting: intro" {
		t.Errorf("updated task %+v", got)
	}
	if err := c.UpdateTask(ctx, lsq.NewTask{UserTaskId: unknownID, Description: "x"}); !lsq.IsNotFound(err) {
		t.Errorf("update unknown task: %v", err)
	}
	if _, err := c.CreateTask(ctx, lsq.NewTask{Name: "x", TaskType: &lsq.TaskTypeRef{Name: "Meeting"}, RelatedEntityId: unknownID}); !lsq.IsNotFound(err) {
		t.Errorf("task on unknown lead: %v", err)
	}

	reqID := must[string](t)(c.BulkCreateTasks(ctx, []lsq.NewTask{
		{Name: "Call back", TaskType: &lsq.TaskTypeRef{Name: "Phone Call"}, RelatedEntityId: lead, DueDate: lsq.DateTime{Time: day.Add(2 * time.Hour)}},
		{Name: "Send deck", TaskType: &lsq.TaskTypeRef{Name: "Send Email"}, RelatedEntityId: lead, DueDate: lsq.DateTime{Time: day.Add(3 * time.Hour)}},
	}))
	if reqID == "" {
		t.Error("bulk tasks: no request id")
	}
	if _, err := c.BulkCreateTasks(ctx, []lsq.NewTask{{Name: "ok", TaskType: &lsq.TaskTypeRef{Name: "Demo"}, RelatedEntityId: lead},
		{Name: "bad", TaskType: &lsq.TaskTypeRef{Name: "Nope"}, RelatedEntityId: lead}}); err == nil {
		t.Error("bulk tasks with a bad row succeeded")
	}
	open := 0
	all := must[lsq.Tasks](t)(c.RetrieveTasks(ctx, lsq.TaskQuery{LookupName: "OwnerEmailAddress", LookupValue: e.srv.UserEmail, StatusCode: &open}))
	if all.RecordCount != 3 || len(all.List) != 3 {
		t.Fatalf("retrieve %+v", all)
	}
	var call, deck string
	for _, tk := range all.List {
		switch tk.Name {
		case "Call back":
			call = tk.UserTaskId
		case "Send deck":
			deck = tk.UserTaskId
		}
	}
	meetings := must[lsq.Tasks](t)(c.RetrieveTasks(ctx, lsq.TaskQuery{LookupName: "OwnerId", LookupValue: e.srv.UserID, TypeName: "Meeting",
		From: day.Add(-time.Hour), To: day.Add(time.Hour), SortBy: "DueDate"}))
	if meetings.RecordCount != 1 || meetings.List[0].UserTaskId != task {
		t.Errorf("meetings %+v", meetings)
	}

	newDue := day.Add(24 * time.Hour)
	check(t, c.RescheduleAppointments(ctx, []lsq.Reschedule{{UserTaskId: task, FromDate: lsq.DateTime{Time: newDue}, ToDate: lsq.DateTime{Time: newDue.Add(time.Hour)}}}))
	if got := must[lsq.Task](t)(c.GetTask(ctx, task)); !got.DueDate.Equal(newDue) || !got.EndDate.Equal(newDue.Add(time.Hour)) {
		t.Errorf("rescheduled %+v", got)
	}
	appts := must[lsq.Tasks](t)(c.AppointmentsByEmail(ctx, []string{e.srv.UserEmail}, day, day.Add(72*time.Hour), 0, 0))
	if appts.RecordCount != 2 {
		t.Errorf("appointments %+v", appts)
	}
	todos := must[lsq.Tasks](t)(c.ToDosByUserID(ctx, []string{e.srv.UserID}, day, day.Add(72*time.Hour), 0, 0))
	if todos.RecordCount != 1 || todos.List[0].UserTaskId != deck {
		t.Errorf("to-dos %+v", todos)
	}
	check(t, c.CancelAppointments(ctx, []string{call}))
	if got := must[lsq.Task](t)(c.GetTask(ctx, call)); got.StatusCode != 2 {
		t.Errorf("cancelled %+v", got)
	}
	check(t, c.CompleteTask(ctx, task))
	if got := must[lsq.Task](t)(c.GetTask(ctx, task)); got.StatusCode != 1 || got.CompletedOn.IsZero() {
		t.Errorf("completed %+v", got)
	}
	if err := c.CompleteTask(ctx, unknownID); !lsq.IsNotFound(err) {
		t.Errorf("complete unknown: %v", err)
	}
	lt := must[[]lsq.LeadTask](t)(c.LeadTasks(ctx, lead))
	statuses := map[string]string{}
	for _, x := range lt {
		statuses[x.TaskID] = x.Status
	}
	if len(lt) != 3 || statuses[task] != "Completed" || statuses[deck] != "Pending" {
		t.Errorf("lead tasks %+v", lt)
	}
	if n := must[int](t)(c.DeleteTasks(ctx, []string{deck, call, unknownID})); n != 2 {
		t.Errorf("deleted %d", n)
	}
	if _, err := c.GetTask(ctx, deck); !lsq.IsNotFound(err) {
		t.Errorf("deleted task: %v", err)
	}
}

func e2eUsers(t *testing.T, e *env) {
	ctx, c := e.ctx, e.c
	me := must[lsq.Me](t)(c.Me(ctx))
	if me.Id != e.srv.UserID || me.Role != "Administrator" || me.OrgId == "" || len(me.LSQCommonServiceURLs) == 0 {
		t.Errorf("me %+v", me)
	}
	uid := must[string](t)(c.CreateUser(ctx, lsq.NewUser{FirstName: "Chris", LastName: "Doe", EmailAddress: "c@example.com", Role: "Sales_User"}))
	u := must[lsq.User](t)(c.GetUserByEmail(ctx, "C@example.com"))
	if u.UserId != uid || u.Role != "Sales_User" || u.LastName != "Doe" || u.CreatedOn.IsZero() {
		t.Errorf("user %+v", u)
	}
	if _, err := c.CreateUser(ctx, lsq.NewUser{FirstName: "Chris", EmailAddress: "c@example.com", Role: "Sales_User"}); !lsq.IsDuplicate(err) {
		t.Errorf("duplicate user: %v", err)
	}
	if _, err := c.CreateUser(ctx, lsq.NewUser{FirstName: "X", EmailAddress: "x@example.com", Role: "Boss"}); !lsq.IsInvalid(err) {
		t.Errorf("bad role: %v", err)
	}
	check(t, c.UpdateUser(ctx, uid, map[string]any{"LastName": "Dane", "Role": "Sales_Manager"}))
	u = must[lsq.User](t)(c.GetUser(ctx, uid))
	if u.LastName != "Dane" || u.Role != "Sales_Manager" {
		t.Errorf("updated user %+v", u)
	}
	if err := c.UpdateUser(ctx, uid, map[string]any{"Shoe": "9"}); !lsq.IsInvalid(err) {
		t.Errorf("unknown user attribute: %v", err)
	}
	n, list, err := c.SearchUsers(ctx, lsq.UserQuery{SearchText: "chris"})
	if err != nil || n != 1 || list[0].UserId != uid {
		t.Errorf("search %d %v %v", n, list, err)
	}
	if n, _, err := c.SearchUsers(ctx, lsq.UserQuery{Role: "Administrator"}); err != nil || n != 1 {
		t.Errorf("search by role %d %v", n, err)
	}
	check(t, c.SetUserActive(ctx, uid, false))
	if _, err := c.GetUser(ctx, uid); !lsq.IsNotFound(err) {
		t.Errorf("deactivated user: %v", err)
	}
	inactive := 1
	if n, _, err := c.SearchUsers(ctx, lsq.UserQuery{StatusCode: &inactive}); err != nil || n != 1 {
		t.Errorf("search inactive %d %v", n, err)
	}
	check(t, c.SetUserActive(ctx, uid, true))
	if _, err := c.GetUser(ctx, uid); err != nil {
		t.Errorf("reactivated user: %v", err)
	}
	if err := c.MarkUserObsolete(ctx, uid); !lsq.IsInvalid(err) {
		t.Errorf("obsolete while active: %v", err)
	}
	check(t, c.SetUserActive(ctx, uid, false))
	check(t, c.MarkUserObsolete(ctx, uid))
	// An obsolete user is gone from every read.
	users := must[[]lsq.UserSummary](t)(c.Users(ctx))
	if len(users) != 1 || users[0].ID != e.srv.UserID {
		t.Errorf("users %+v", users)
	}
	if _, err := c.GetUserByEmail(ctx, "nobody@example.com"); !lsq.IsNotFound(err) {
		t.Errorf("unknown user: %v", err)
	}

	// Reads are open to every role; writes are administrators' only.
	sales, _ := e.userClient(t, "sam@example.com", "Sales_User")
	if _, err := sales.Users(ctx); err != nil {
		t.Errorf("sales user reads users: %v", err)
	}
	if _, err := sales.CreateUser(ctx, lsq.NewUser{FirstName: "X", EmailAddress: "x@example.com", Role: "Sales_User"}); !lsq.IsUnauthorized(err) {
		t.Errorf("non-admin create user: %v", err)
	}
}

func e2eAdmin(t *testing.T, e *env) {
	ctx, a := e.ctx, e.a
	org := must[lsq.Org](t)(a.Org(ctx, e.srv.OrgID))
	if org.Name != "Sandbox" || org.Plan != "unlimited" || org.LeadDeleteEnabled {
		t.Errorf("org %+v", org)
	}
	if _, err := a.Org(ctx, 999); !lsq.IsNotFound(err) {
		t.Errorf("unknown org: %v", err)
	}
	acme := must[lsq.Org](t)(a.CreateOrg(ctx, "Acme"))
	orgs := must[[]lsq.Org](t)(a.Orgs(ctx))
	if len(orgs) != 2 || orgs[1].ID != acme.ID || orgs[1].Name != "Acme" {
		t.Errorf("orgs %+v", orgs)
	}
	level := "errors"
	if o := must[lsq.Org](t)(a.UpdateOrg(ctx, acme.ID, lsq.OrgSettings{JournalLevel: &level})); o.JournalLevel != "errors" {
		t.Errorf("updated org %+v", o)
	}

	u := must[lsq.AdminUser](t)(a.CreateUser(ctx, acme.ID, lsq.NewAdminUser{FirstName: "Sam", Email: "sam@acme.example", Role: "Administrator"}))
	if got := must[lsq.AdminUser](t)(a.User(ctx, acme.ID, u.ID)); got.Email != "sam@acme.example" || !got.Active {
		t.Errorf("user %+v", got)
	}
	if us := must[[]lsq.AdminUser](t)(a.Users(ctx, acme.ID)); len(us) != 1 || us[0].ID != u.ID {
		t.Errorf("users %+v", us)
	}
	k := must[lsq.Key](t)(a.CreateKey(ctx, acme.ID, u.ID))
	sam := e.client(lsq.WithKeys(k.AccessKey, k.SecretKey))
	if me, err := sam.Me(ctx); err != nil || me.Id != u.ID || me.OrgDisplayName != "Acme" {
		t.Fatalf("sam %+v %v", me, err)
	}
	// Orgs are isolated: Acme does not see Sandbox's leads.
	lead := must[string](t)(e.c.CreateLead(ctx, lsq.Pairs("FirstName", "Ola", "EmailAddress", "ola@example.com")))
	if _, err := sam.GetLead(ctx, lead); !lsq.IsNotFound(err) {
		t.Errorf("other org's lead: %v", err)
	}
	if _, err := sam.CreateLead(ctx, lsq.Pairs("EmailAddress", "ola@example.com")); err != nil {
		t.Errorf("same email in another org: %v", err)
	}

	rotated := must[lsq.Key](t)(a.RotateKey(ctx, acme.ID, k.AccessKey))
	if rotated.SecretKey == "" || rotated.SecretKey == k.SecretKey {
		t.Errorf("rotated %+v", rotated)
	}
	if _, err := sam.Me(ctx); !lsq.IsUnauthorized(err) {
		t.Errorf("old secret after rotation: %v", err)
	}
	sam = e.client(lsq.WithKeys(rotated.AccessKey, rotated.SecretKey))
	check(t, errOnly(sam.Me(ctx)))
	keys := must[[]lsq.Key](t)(a.Keys(ctx, acme.ID, u.ID))
	if len(keys) == 0 || keys[len(keys)-1].SecretKey != "" {
		t.Errorf("keys %+v", keys)
	}
	if got := must[lsq.AdminUser](t)(a.SetUserActive(ctx, acme.ID, u.ID, false)); got.Active {
		t.Errorf("deactivated %+v", got)
	}
	if _, err := sam.Me(ctx); !lsq.IsUnauthorized(err) {
		t.Errorf("deactivated user's key: %v", err)
	}
	must[lsq.AdminUser](t)(a.SetUserActive(ctx, acme.ID, u.ID, true))
	check(t, a.RevokeKey(ctx, acme.ID, rotated.AccessKey))
	if _, err := sam.Me(ctx); !lsq.IsUnauthorized(err) {
		t.Errorf("revoked key: %v", err)
	}

	usage := must[lsq.Usage](t)(a.SetPlan(ctx, acme.ID, "pro"))
	if usage.Plan.Name != "pro" || usage.Plan.Per5s == 0 {
		t.Errorf("plan %+v", usage)
	}
	if _, err := a.SetPlan(ctx, acme.ID, "platinum"); err == nil {
		t.Error("unknown plan accepted")
	}
	if got := must[lsq.Usage](t)(a.Usage(ctx, e.srv.OrgID)); got.OrgID != e.srv.OrgID || got.Plan.Name != "unlimited" || got.Day.Date == "" {
		t.Errorf("usage %+v", got)
	}

	page := must[lsq.JournalPage](t)(a.Journal(ctx, e.srv.OrgID, lsq.JournalQuery{}))
	if len(page.Entries) == 0 {
		t.Fatal("empty journal")
	}
	var create lsq.JournalEntry
	for _, en := range page.Entries {
		if en.Operation == "LeadManagement.svc/Lead.Create" {
			create = en
		}
	}
	entry := must[lsq.JournalEntry](t)(a.JournalEntry(ctx, e.srv.OrgID, create.ID))
	if entry.ID == 0 || entry.Status != 200 || !strings.Contains(entry.RequestBody, "ola@example.com") || strings.Contains(entry.Query, e.srv.SecretKey) {
		t.Errorf("journal entry %+v", entry)
	}
	var out bytes.Buffer
	if err := a.ExportJournal(ctx, e.srv.OrgID, lsq.JournalQuery{}, "jsonl", &out); err != nil || strings.Count(out.String(), "\n") != len(page.Entries) ||
		!strings.Contains(out.String(), `"operation":"LeadManagement.svc/Lead.Create"`) {
		t.Errorf("export %v %q", err, out.String())
	}
	js := must[lsq.JournalSettings](t)(a.SetJournalRetention(ctx, e.srv.OrgID, 48, 1<<20))
	if js.MaxAgeHours != 48 || js.MaxBytes != 1<<20 || js.Default {
		t.Errorf("retention %+v", js)
	}
	if js := must[lsq.JournalSettings](t)(a.JournalSettings(ctx, e.srv.OrgID)); js.MaxAgeHours != 48 || js.Entries == 0 {
		t.Errorf("journal settings %+v", js)
	}
}

func errOnly[T any](_ T, err error) error { return err }

func e2eRateLimit(t *testing.T, e *env) {
	ctx, a := e.ctx, e.a
	// One call per 5 s: a client without retries gets the 429; one with
	// retries waits out Retry-After. The log never shows the secret.
	must[lsq.Usage](t)(a.SetCustomPlan(ctx, e.srv.OrgID, lsq.Plan{Per5s: 1, BulkPer5s: 1}))
	var logs bytes.Buffer
	c := e.client(lsq.WithRetry(lsq.RetryPolicy{MaxAttempts: 3, BaseDelay: 10 * time.Millisecond, MaxDelay: 6 * time.Second}),
		lsq.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	noRetry := e.client(lsq.WithRetry(lsq.RetryPolicy{MaxAttempts: 1}))
	check(t, errOnly(c.Me(ctx)))
	_, err := noRetry.Me(ctx)
	var le *lsq.Error
	if !lsq.IsRateLimited(err) || !errors.As(err, &le) || le.Status != 429 || le.RetryAfter <= 0 || le.RetryAfter > 5*time.Second {
		t.Fatalf("second call in the window: %v", err)
	}
	startWait := time.Now()
	id, err := c.CreateLead(ctx, lsq.Pairs("FirstName", "Rae", "EmailAddress", "rae@example.com"))
	if err != nil {
		t.Fatalf("retried write: %v", err)
	}
	if time.Since(startWait) < 500*time.Millisecond {
		t.Errorf("the retry did not wait for the window")
	}
	log := logs.String()
	if !strings.Contains(log, "status=429") || !strings.Contains(log, "status=200") || !strings.Contains(log, "rae@example.com") ||
		!strings.Contains(log, "MXAPIRateLimitExceededException") {
		t.Errorf("logs:\n%s", log)
	}
	if strings.Contains(log, e.srv.SecretKey) || strings.Contains(log, e.srv.AccessKey) {
		t.Error("a key reached the log")
	}
	usage := must[lsq.Usage](t)(a.Usage(ctx, e.srv.OrgID))
	if usage.Plan.Per5s != 1 {
		t.Errorf("usage %+v", usage)
	}
	page := must[lsq.JournalPage](t)(a.Journal(ctx, e.srv.OrgID, lsq.JournalQuery{Status: "429"}))
	if len(page.Entries) == 0 || page.Entries[0].ExceptionType != "MXAPIRateLimitExceededException" {
		t.Errorf("journal %+v", page)
	}
	// Back to unlimited: the lead written through the retries is there.
	must[lsq.Usage](t)(a.SetPlan(ctx, e.srv.OrgID, "unlimited"))
	var sig bytes.Buffer
	quiet := e.client(lsq.WithLogger(slog.New(slog.NewTextHandler(&sig, nil))), lsq.WithLogLevel(lsq.LogSignature))
	if l := must[lsq.Lead](t)(quiet.GetLead(ctx, id)); l.Get("FirstName") != "Rae" {
		t.Errorf("lead %v", l)
	}
	if !strings.Contains(sig.String(), "operation=LeadManagement.svc/Leads.GetById") || strings.Contains(sig.String(), id) {
		t.Errorf("signature log shows parameters:\n%s", sig.String())
	}
}
