package lsq_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/localsquared/localsquared/lsq"
)

const unknownID = "01a21183-0000-7000-8000-000000000000"

func e2eLeads(t *testing.T, e *env) {
	ctx, c := e.ctx, e.c
	if c.BaseURL() != e.srv.URL {
		t.Errorf("BaseURL %q, want %q", c.BaseURL(), e.srv.URL)
	}
	id := must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", "Ann", "EmailAddress", "ann@example.com", "Phone", "+91 98450 12345")))
	check(t, c.UpdateLead(ctx, id, lsq.Pairs("LastName", "Lee")))
	l := must[lsq.Lead](t)(c.GetLead(ctx, id))
	if l.ID() != id || l.Get("LastName") != "Lee" || l.Get("ProspectStage") != "Prospect" || !l.Has("Mobile") || l.Get("Mobile") != "" {
		t.Errorf("lead %v", l)
	}
	if n, err := l.Int("ProspectAutoId"); err != nil || n != 1 {
		t.Errorf("ProspectAutoId %d %v", n, err)
	}
	if ts, err := l.Time("CreatedOn"); err != nil || time.Since(ts) > time.Minute || time.Until(ts) > time.Minute {
		t.Errorf("CreatedOn %v %v", ts, err)
	}
	if b, err := l.Bool("DoNotEmail"); err != nil || b {
		t.Errorf("DoNotEmail %v %v", b, err)
	}

	// Error helpers on real answers.
	_, err := c.CreateLead(ctx, lsq.Pairs("EmailAddress", "ANN@example.com"))
	if !lsq.IsDuplicate(err) || lsq.IsNotFound(err) || lsq.IsInvalid(err) {
		t.Errorf("duplicate: %v", err)
	}
	var le *lsq.Error
	if !errors.As(err, &le) || le.Status != 500 || le.ExceptionType != "MXDuplicateEntryException" || le.RequestID == "" ||
		le.Operation != "LeadManagement.svc/Lead.Create" || !errors.Is(err, lsq.ErrDuplicate) {
		t.Errorf("duplicate error %#v", le)
	}
	if err := c.UpdateLead(ctx, unknownID, lsq.Pairs("FirstName", "X")); !lsq.IsNotFound(err) {
		t.Errorf("update unknown: %v", err)
	}
	if _, err := c.GetLead(ctx, unknownID); !lsq.IsNotFound(err) || !errors.Is(err, lsq.ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
	if _, err := c.CreateLead(ctx, lsq.Pairs("mx_Nope", "1")); !lsq.IsInvalid(err) {
		t.Errorf("unknown attribute: %v", err)
	}
	if _, err := c.CreateLead(ctx, lsq.Pairs("FirstName", "Bad", "Revenue", "lots")); !lsq.IsInvalid(err) {
		t.Errorf("bad number: %v", err)
	}
	if _, err := e.client(lsq.WithKeys(e.srv.AccessKey, "wrong")).GetLead(ctx, id); !lsq.IsUnauthorized(err) {
		t.Errorf("wrong secret: %v", err)
	}

	bob := must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", "Bob", "LastName", "Anders", "EmailAddress", "bob@example.com",
		"Mobile", "080-4455-6677", "Revenue", "250")))
	carl := must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", "Carl", "Company", "Acme", "Revenue", "90")))

	if got := must[lsq.Lead](t)(c.GetLeadByEmail(ctx, "ANN@example.com")); got.ID() != id {
		t.Errorf("by email: %v", got)
	}
	if _, err := c.GetLeadByEmail(ctx, "nobody@example.com"); !lsq.IsNotFound(err) {
		t.Errorf("by unknown email: %v", err)
	}
	if got := must[lsq.Lead](t)(c.GetLeadByPhone(ctx, "+919845012345")); got.ID() != id {
		t.Errorf("by phone: %v", got)
	}
	if got := must[lsq.Lead](t)(c.GetLeadByPhone(ctx, "08044556677")); got.ID() != bob {
		t.Errorf("by mobile: %v", got)
	}
	if _, err := c.GetLeadByPhone(ctx, "111111"); !lsq.IsNotFound(err) {
		t.Errorf("by unknown phone: %v", err)
	}

	// Quick search matches the start of names, email, company.
	qs := must[[]lsq.Lead](t)(c.QuickSearchLeads(ctx, "an"))
	if ids := leadIDs(qs); !sameSet(ids, []string{id, bob}) {
		t.Errorf("quick search an: %v", ids)
	}
	if qs := must[[]lsq.Lead](t)(c.QuickSearchLeads(ctx, "zzz")); qs == nil || len(qs) != 0 {
		t.Errorf("quick search none: %#v", qs)
	}

	// Leads.Get: operators, columns, sort, paging.
	got := must[[]lsq.Lead](t)(c.SearchLeads(ctx, lsq.LeadQuery{LookupName: "Revenue", LookupValue: "100", SqlOperator: ">",
		Columns: []string{"ProspectID", "FirstName"}}))
	if len(got) != 1 || got[0].ID() != bob || got[0].Get("FirstName") != "Bob" || got[0].Has("LastName") {
		t.Errorf("search >: %v", got)
	}
	got = must[[]lsq.Lead](t)(c.SearchLeads(ctx, lsq.LeadQuery{LookupName: "FirstName", LookupValue: "Ann,Bob,Carl", SqlOperator: "IN",
		Columns: []string{"ProspectID"}, SortBy: "FirstName", SortDesc: true, PageIndex: 2, PageSize: 2}))
	if ids := leadIDs(got); !slices.Equal(ids, []string{id}) {
		t.Errorf("search IN page 2: %v", ids)
	}
	if _, err := c.SearchLeads(ctx, lsq.LeadQuery{LookupName: "FirstName", LookupValue: "x", SqlOperator: "!="}); !lsq.IsNotFound(err) {
		t.Errorf("bad operator: %v", err)
	}

	// Retrieve/ByIds keeps the order of the ids and drops unknown ones.
	n, byIDs, err := c.LeadsByIDs(ctx, []string{carl, unknownID, id}, []string{"ProspectID", "FirstName"}, 0, 0)
	if err != nil || n != 2 || !slices.Equal(leadIDs(byIDs), []string{carl, id}) || byIDs[0].Get("FirstName") != "Carl" {
		t.Errorf("by ids: %d %v %v", n, byIDs, err)
	}

	// RecentlyModified: every lead in the window; an empty window has none.
	now := time.Now().UTC()
	n, recent, err := c.RecentlyModifiedLeads(ctx, lsq.LeadWindow{From: now.Add(-time.Hour), To: now.Add(time.Hour),
		Columns: []string{"ProspectID", "FirstName"}, SortBy: "ProspectAutoId", PageSize: 2})
	if err != nil || n != 3 || !slices.Equal(leadIDs(recent), []string{id, bob}) || recent[1].Get("FirstName") != "Bob" ||
		recent[0].Get("CanUpdate") != "true" {
		t.Errorf("recent: %d %v %v", n, recent, err)
	}
	n, recent, err = c.RecentlyModifiedLeads(ctx, lsq.LeadWindow{From: now.Add(-time.Hour), To: now.Add(time.Hour),
		Columns: []string{"ProspectID"}, SortBy: "ProspectAutoId", PageIndex: 2, PageSize: 2})
	if err != nil || n != 3 || !slices.Equal(leadIDs(recent), []string{carl}) {
		t.Errorf("recent page 2: %d %v %v", n, recent, err)
	}
	n, recent, err = c.RecentlyModifiedLeads(ctx, lsq.LeadWindow{From: now.Add(-48 * time.Hour), To: now.Add(-24 * time.Hour)})
	if err != nil || n != 0 || len(recent) != 0 {
		t.Errorf("recent empty: %d %v %v", n, recent, err)
	}
}

func e2eUpsertCapture(t *testing.T, e *env) {
	ctx, c := e.ctx, e.c
	m := must[lsq.Message](t)(c.CreateOrUpdateLead(ctx, lsq.Pairs("EmailAddress", "dee@example.com", "FirstName", "Dee")))
	if m.Id == "" || m.AffectedRows != 1 {
		t.Fatalf("upsert create %+v", m)
	}
	m2 := must[lsq.Message](t)(c.CreateOrUpdateLead(ctx, lsq.Pairs("EmailAddress", "DEE@example.com", "LastName", "Dunn", "Phone", "5550001111")))
	if m2.Id != m.Id || m2.AffectedRows != 1 {
		t.Errorf("upsert update %+v", m2)
	}
	m3 := must[lsq.Message](t)(c.CreateOrUpdateLead(ctx, lsq.Pairs("SearchBy", "Phone", "Phone", "555-000-1111", "JobTitle", "CTO")))
	if m3.Id != m.Id {
		t.Errorf("upsert by phone %+v", m3)
	}
	l := must[lsq.Lead](t)(c.GetLead(ctx, m.Id))
	if l.Get("FirstName") != "Dee" || l.Get("LastName") != "Dunn" || l.Get("JobTitle") != "CTO" {
		t.Errorf("upserted lead %v", l)
	}
	if _, err := c.CreateOrUpdateLead(ctx, lsq.Pairs("SearchBy", "FirstName", "FirstName", "Dee")); !lsq.IsInvalid(err) {
		t.Errorf("bad SearchBy: %v", err)
	}

	cp := must[lsq.Message](t)(c.CaptureLead(ctx, lsq.Pairs("EmailAddress", "eve@example.com", "FirstName", "Eve", "Source", "Web"), ""))
	if cp.Id == "" || cp.RelatedId == "" || !cp.IsCreated {
		t.Fatalf("capture new %+v", cp)
	}
	cp2 := must[lsq.Message](t)(c.CaptureLead(ctx, lsq.Pairs("EmailAddress", "eve@example.com", "FirstName", "Evelyn", "LastName", "Ray"), "UpdateOnlyEmptyFields"))
	if cp2.Id != cp.Id || cp2.IsCreated || cp2.RelatedId == cp.RelatedId {
		t.Errorf("capture again %+v", cp2)
	}
	l = must[lsq.Lead](t)(c.GetLead(ctx, cp.Id))
	if l.Get("FirstName") != "Eve" || l.Get("LastName") != "Ray" || l.Get("Source") != "Web" {
		t.Errorf("captured lead %v", l)
	}
	acts := must[lsq.Activities](t)(c.LeadActivities(ctx, cp.Id, 23, 0, 0))
	if acts.RecordCount != 2 || acts.ProspectActivities[0].Id != cp2.RelatedId {
		t.Errorf("capture activities %+v", acts)
	}
	if _, err := c.CaptureLead(ctx, lsq.Pairs("EmailAddress", "eve@example.com"), "Sometimes"); !lsq.IsInvalid(err) {
		t.Errorf("bad behaviour: %v", err)
	}
}

func e2eBulk(t *testing.T, e *env) {
	ctx, c := e.ctx, e.c
	ann := must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", "Ann", "EmailAddress", "ann@example.com")))
	res := must[[]lsq.BulkResult](t)(c.BulkCreateLeads(ctx, []lsq.Attrs{
		lsq.Pairs("FirstName", "B", "EmailAddress", "b@example.com"),
		lsq.Pairs("EmailAddress", "ann@example.com"),
		lsq.Pairs("FirstName", "C", "mx_Nope", "1"),
		lsq.Pairs("FirstName", "D", "Revenue", "x"),
		lsq.Pairs("FirstName", "E"),
	}))
	if len(res) != 5 {
		t.Fatalf("bulk create %+v", res)
	}
	want := []struct {
		ok  bool
		exc string
	}{{true, ""}, {false, "MXDuplicateEntryException"}, {false, "MXUnknownAttributeException"}, {false, "MXInvalidDataTypeException"}, {true, ""}}
	for i, w := range want {
		r := res[i]
		if r.RowNumber != i+1 || r.Failed() == w.ok || r.ExceptionType != w.exc || w.ok != (r.LeadId != "" && r.LeadCreated && r.AffectedRows == 1) ||
			!w.ok && r.ExceptionMessage == "" {
			t.Errorf("bulk create row %d: %+v", i+1, r)
		}
	}
	b := res[0].LeadId
	if l := must[lsq.Lead](t)(c.GetLead(ctx, b)); l.Get("EmailAddress") != "b@example.com" {
		t.Errorf("bulk-created lead %v", l)
	}
	if _, err := c.BulkCreateLeads(ctx, make([]lsq.Attrs, lsq.MaxBulkCreate+1)); !lsq.IsInvalid(err) {
		t.Errorf("over the cap: %v", err)
	}

	up := must[[]lsq.BulkResult](t)(c.BulkCreateOrUpdateLeads(ctx, []lsq.Attrs{
		lsq.Pairs("EmailAddress", "ANN@example.com", "LastName", "Lee"),
		lsq.Pairs("EmailAddress", "f@example.com", "FirstName", "F"),
		lsq.Pairs("SearchBy", "Company", "Company", "Acme"),
	}))
	if len(up) != 3 || up[0].LeadId != ann || !up[0].LeadUpdated || up[0].LeadCreated ||
		up[1].LeadId == "" || !up[1].LeadCreated || up[1].LeadUpdated || !up[2].Failed() || up[2].ExceptionType != "MXInvalidInputException" {
		t.Errorf("bulk upsert %+v", up)
	}

	n := must[int](t)(c.BulkUpdateLeads(ctx, []string{ann, b, unknownID}, lsq.Attr{Attribute: "JobTitle", Value: "Buyer"}))
	if n != 2 {
		t.Errorf("bulk update affected %d", n)
	}
	for _, id := range []string{ann, b} {
		if l := must[lsq.Lead](t)(c.GetLead(ctx, id)); l.Get("JobTitle") != "Buyer" {
			t.Errorf("bulk-updated lead %v", l)
		}
	}
	if _, err := c.BulkUpdateLeads(ctx, []string{ann}, lsq.Attr{Attribute: "Revenue", Value: "x"}); !lsq.IsInvalid(err) {
		t.Errorf("bulk update bad value: %v", err)
	}

	v2 := must[lsq.BulkUpdateV2Result](t)(c.BulkUpdateLeadsV2(ctx, "", false, []lsq.Attrs{
		lsq.Pairs("ProspectId", ann, "Company", "Pune"),
		lsq.Pairs("ProspectId", unknownID, "Company", "Goa"),
	}))
	if v2.Status.TotalCount != 2 || v2.Status.SuccessCount != 1 || v2.Status.FailureCount != 1 || v2.Status.Message != "Error" ||
		len(v2.Details.FailedLeads) != 1 || v2.Details.FailedLeads[0].Identifier != "ProspectId" || v2.Details.FailedLeads[0].IdentifierValue != unknownID {
		t.Errorf("bulk update v2 %+v", v2)
	}
	v2 = must[lsq.BulkUpdateV2Result](t)(c.BulkUpdateLeadsV2(ctx, "EmailAddress", true, []lsq.Attrs{
		lsq.Pairs("EmailAddress", "b@example.com", "Company", "Agra"),
		lsq.Pairs("EmailAddress", "nobody@example.com", "Company", "Goa"),
	}))
	if v2.Status.TotalCount != 2 || v2.Status.SuccessCount != 1 || v2.Status.UnProcessedCount != 1 || v2.Status.FailureCount != 0 ||
		len(v2.Details.UnProcessedLeads) != 1 || v2.Details.UnProcessedLeads[0].IdentifierValue != "nobody@example.com" {
		t.Errorf("bulk update v2 unprocessed %+v", v2)
	}
	if l := must[lsq.Lead](t)(c.GetLead(ctx, ann)); l.Get("Company") != "Pune" || l.Get("LastName") != "Lee" {
		t.Errorf("v2-updated lead %v", l)
	}
	if l := must[lsq.Lead](t)(c.GetLead(ctx, b)); l.Get("Company") != "Agra" {
		t.Errorf("v2-updated lead %v", l)
	}
}

func e2eConvertMergeDelete(t *testing.T, e *env) {
	ctx, c := e.ctx, e.c
	// A capture naming an unknown ProspectID creates a lead with its own
	// id (LocalSquared has no tracked visitors); Convert on a lead is an
	// update.
	cp := must[lsq.Message](t)(c.CaptureLead(ctx, lsq.Pairs("ProspectID", "01a21183-1111-7000-8000-000000000001", "FirstName", "Vic"), ""))
	if cp.Id == "01a21183-1111-7000-8000-000000000001" || !cp.IsCreated {
		t.Errorf("capture with an unknown id %+v", cp)
	}
	visitor := cp.Id
	check(t, c.ConvertLead(ctx, visitor, lsq.Pairs("LastName", "Vance")))
	check(t, c.ConvertLead(ctx, visitor, nil))
	if l := must[lsq.Lead](t)(c.GetLead(ctx, visitor)); l.Get("LastName") != "Vance" || l.Get("IsLead") != "1" {
		t.Errorf("converted %v", l)
	}
	if err := c.ConvertLead(ctx, unknownID, nil); !lsq.IsNotFound(err) {
		t.Errorf("convert unknown: %v", err)
	}

	master := must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", "Mia", "EmailAddress", "mia@example.com")))
	child := must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", "Carl", "EmailAddress", "carl@example.com", "Company", "Acme Labs")))
	note := must[string](t)(c.CreateNote(ctx, child, "met at the fair", ""))
	list := must[string](t)(c.CreateList(ctx, "Fair", ""))
	must[string](t)(c.AddLeadsToList(ctx, list, []string{child}))
	check(t, c.MergeLeads(ctx, master, child))
	if _, err := c.GetLead(ctx, child); !lsq.IsNotFound(err) {
		t.Errorf("merged child: %v", err)
	}
	if l := must[lsq.Lead](t)(c.GetLead(ctx, master)); l.Get("FirstName") != "Mia" {
		t.Errorf("master %v", l)
	}
	if nt := must[lsq.Note](t)(c.GetNote(ctx, master, note)); nt.Note != "met at the fair" {
		t.Errorf("moved note %+v", nt)
	}
	if in := must[bool](t)(c.IsListMember(ctx, list, master)); !in {
		t.Error("master did not take the child's list membership")
	}
	acts := must[lsq.Activities](t)(c.LeadActivities(ctx, master, 3003, 0, 0))
	if acts.RecordCount != 1 {
		t.Fatalf("merge activity %+v", acts)
	}
	children := must[[]lsq.Lead](t)(c.MergedChildLeads(ctx, acts.ProspectActivities[0].Id))
	if len(children) != 1 || children[0].ID() != child || children[0].Get("Company") != "Acme Labs" {
		t.Errorf("merged children %v", children)
	}
	if children := must[[]lsq.Lead](t)(c.MergedChildLeads(ctx, unknownID)); len(children) != 0 {
		t.Errorf("unknown audit id %v", children)
	}
	if err := c.MergeLeads(ctx, master, child); !lsq.IsNotFound(err) {
		t.Errorf("merge gone child: %v", err)
	}

	if err := c.DeleteLead(ctx, master); !lsq.IsUnauthorized(err) {
		t.Errorf("delete while disabled: %v", err)
	}
	on := true
	if org := must[lsq.Org](t)(e.a.UpdateOrg(ctx, e.srv.OrgID, lsq.OrgSettings{LeadDeleteEnabled: &on})); !org.LeadDeleteEnabled {
		t.Errorf("org %+v", org)
	}
	check(t, c.DeleteLead(ctx, master))
	if _, err := c.GetLead(ctx, master); !lsq.IsNotFound(err) {
		t.Errorf("deleted lead: %v", err)
	}
	if err := c.DeleteLead(ctx, master); !lsq.IsNotFound(err) {
		t.Errorf("delete again: %v", err)
	}
	if n := must[int](t)(c.ListMemberCount(ctx, list)); n != 0 {
		t.Errorf("list after delete %d", n)
	}
}

func e2eFields(t *testing.T, e *env) {
	ctx, c := e.ctx, e.c
	fields := must[[]lsq.LeadField](t)(c.LeadFields(ctx, true))
	byName := map[string]lsq.LeadField{}
	for _, f := range fields {
		byName[f.SchemaName] = f
	}
	email, ok := byName["EmailAddress"]
	if !ok || !email.IsLeadIdentifier || email.EntityAttributeType != 0 || email.DataType == "" || email.Entity != "1" || email.EntityAttributeId == "" {
		t.Errorf("EmailAddress %+v", email)
	}
	if f := byName["FirstName"]; f.IsLeadIdentifier || f.MaxLength == "" {
		t.Errorf("FirstName %+v", f)
	}

	name := must[string](t)(c.CreateLeadField(ctx, lsq.NewLeadField{DisplayName: "Plan", DataType: "Select", Options: []string{"Gold", "Silver"}}))
	if name != "mx_Plan" {
		t.Fatalf("schema name %q", name)
	}
	if _, err := c.CreateLeadField(ctx, lsq.NewLeadField{DisplayName: "plan", DataType: "Text"}); !lsq.IsDuplicate(err) {
		t.Errorf("duplicate field: %v", err)
	}
	if _, err := c.CreateLeadField(ctx, lsq.NewLeadField{DisplayName: "Odd", DataType: "Blob"}); !lsq.IsInvalid(err) {
		t.Errorf("bad type: %v", err)
	}
	code := must[string](t)(c.CreateLeadField(ctx, lsq.NewLeadField{DisplayName: "Account Code", DataType: "Text", MaxLength: "12",
		RenderTypeTextValue: "TextArea", ShowInQuickSearch: true}))
	if code != "mx_Account_Code" {
		t.Errorf("schema name %q", code)
	}
	if n := must[int](t)(c.PushLeadFieldOptions(ctx, "mx_Plan", []string{"Platinum", "gold"})); n != 1 {
		t.Errorf("push new option: %d", n)
	}
	if n := must[int](t)(c.PushLeadFieldOptions(ctx, "mx_Plan", []string{"Silver"})); n != 0 {
		t.Errorf("push nothing new: %d", n)
	}
	if _, err := c.PushLeadFieldOptions(ctx, "mx_Account_Code", []string{"x"}); !lsq.IsInvalid(err) {
		t.Errorf("push on text: %v", err)
	}

	plan := must[lsq.LeadField](t)(c.GetLeadField(ctx, "mx_Plan"))
	var opts []string
	for _, o := range plan.Options {
		opts = append(opts, o.Value)
	}
	if !slices.Equal(opts, []string{"Gold", "Silver", "Platinum"}) || plan.EntityAttributeType != 1 || plan.DisplayName != "Plan" ||
		plan.CreatedOn.IsZero() || plan.CreatedByName == "" || plan.RenderTypeTextValue != "Dropdown" {
		t.Errorf("mx_Plan %+v", plan)
	}
	acct := must[lsq.LeadField](t)(c.GetLeadField(ctx, "mx_Account_Code"))
	if acct.MaxLength != "12" || !acct.ShowInQuickSearch || acct.RenderTypeTextValue != "TextArea" || acct.Options != nil {
		t.Errorf("mx_Account_Code %+v", acct)
	}
	if _, err := c.GetLeadField(ctx, "mx_plan"); !lsq.IsInvalid(err) {
		t.Errorf("unknown field name: %v", err)
	}
	for _, f := range must[[]lsq.LeadField](t)(c.LeadFields(ctx, false)) {
		if f.Options != nil {
			t.Errorf("options without option sets: %+v", f)
		}
	}

	// The new fields are writable at once.
	id := must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", "Fay", "mx_Plan", "Platinum", "mx_Account_Code", "AC-7")))
	if l := must[lsq.Lead](t)(c.GetLead(ctx, id)); l.Get("mx_Plan") != "Platinum" || l.Get("mx_Account_Code") != "AC-7" {
		t.Errorf("lead with custom fields %v", l)
	}
	if qs := must[[]lsq.Lead](t)(c.QuickSearchLeads(ctx, "ac-")); len(qs) != 1 || qs[0].ID() != id {
		t.Errorf("quick search on a custom field: %v", qs)
	}

	// Field administration is for administrators only.
	user, _ := e.userClient(t, "sally@example.com", "Sales_User")
	if _, err := user.CreateLeadField(ctx, lsq.NewLeadField{DisplayName: "Nope", DataType: "Text"}); !lsq.IsUnauthorized(err) {
		t.Errorf("non-admin CreateLeadField: %v", err)
	}
}

func e2eNotes(t *testing.T, e *env) {
	ctx, c := e.ctx, e.c
	lead := must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", "Nia")))
	n1 := must[string](t)(c.CreateNote(ctx, lead, "Called; wants a demo", ""))
	n2 := must[string](t)(c.CreateNote(ctx, lead, "", "contract.pdf"))
	if _, err := c.CreateNote(ctx, unknownID, "x", ""); !lsq.IsNotFound(err) {
		t.Errorf("note on unknown lead: %v", err)
	}
	if _, err := c.CreateNote(ctx, lead, "", ""); err == nil {
		t.Error("empty note accepted")
	}
	total, notes, err := c.Notes(ctx, lead, 0, 0)
	if err != nil || total != 2 || len(notes) != 2 || notes[0].ProspectNoteId != n2 || notes[1].ProspectNoteId != n1 ||
		notes[1].Note != "Called; wants a demo" || notes[0].AttachmentName != "contract.pdf" || notes[1].RelatedProspectId != lead ||
		notes[1].CreatedByName == "" || notes[1].CreatedOn.IsZero() {
		t.Errorf("notes %d %+v %v", total, notes, err)
	}
	total, notes, err = c.Notes(ctx, lead, 2, 1)
	if err != nil || total != 2 || len(notes) != 1 || notes[0].ProspectNoteId != n1 {
		t.Errorf("notes page 2: %d %+v %v", total, notes, err)
	}
	check(t, c.UpdateNote(ctx, lead, n1, "Demo booked", "https://files.example.com/brief.pdf"))
	nt := must[lsq.Note](t)(c.GetNote(ctx, lead, n1))
	if nt.Note != "Demo booked" || nt.AttachmentURL != "https://files.example.com/brief.pdf" || nt.ModifiedOn.Before(nt.CreatedOn.Time) {
		t.Errorf("updated note %+v", nt)
	}
	if err := c.UpdateNote(ctx, lead, unknownID, "x", ""); !lsq.IsNotFound(err) {
		t.Errorf("update unknown note: %v", err)
	}
	check(t, c.DeleteNote(ctx, lead, n2))
	if _, err := c.GetNote(ctx, lead, n2); !lsq.IsNotFound(err) {
		t.Errorf("deleted note: %v", err)
	}
	if err := c.DeleteNote(ctx, lead, n2); !lsq.IsNotFound(err) {
		t.Errorf("delete again: %v", err)
	}
	if total, _, err := c.Notes(ctx, lead, 0, 0); err != nil || total != 1 {
		t.Errorf("notes after delete %d %v", total, err)
	}
}

func e2eLists(t *testing.T, e *env) {
	ctx, c := e.ctx, e.c
	var leads []string
	for _, name := range []string{"Abe", "Bea", "Cleo", "Dan"} {
		leads = append(leads, must[string](t)(c.CreateLead(ctx, lsq.Pairs("FirstName", name))))
	}
	list := must[string](t)(c.CreateList(ctx, "Webinar Leads", "Signed up for the March webinar"))
	other := must[string](t)(c.CreateList(ctx, "alpha", ""))
	if _, err := c.CreateList(ctx, "webinar leads", ""); !lsq.IsDuplicate(err) {
		t.Errorf("duplicate list: %v", err)
	}
	msg := must[string](t)(c.AddLeadsToList(ctx, list, leads[:3]))
	if msg != "Successfully added 3 lead(s) to list" {
		t.Errorf("add leads %q", msg)
	}
	if _, err := c.AddLeadsToList(ctx, list, []string{unknownID}); !lsq.IsInvalid(err) {
		t.Errorf("add unknown lead: %v", err)
	}
	if added := must[bool](t)(c.AddLeadToList(ctx, list, leads[3])); !added {
		t.Error("AddLeadToList: not added")
	}
	if added := must[bool](t)(c.AddLeadToList(ctx, list, leads[3])); added {
		t.Error("AddLeadToList again: added")
	}
	if _, err := c.AddLeadToList(ctx, unknownID, leads[0]); !lsq.IsNotFound(err) {
		t.Errorf("add to unknown list: %v", err)
	}
	if n := must[int](t)(c.ListMemberCount(ctx, list)); n != 4 {
		t.Errorf("member count %d", n)
	}
	// LeadManagement.svc serves the same count (the spelling of
	// LeadSquared's official sample); the SDK reaches it through Do.
	var lm struct{ Message struct{ Count int } }
	check(t, c.Do(ctx, "GET", "LeadManagement.svc/List/Retrieve/MemberCount", map[string][]string{"listId": {other}}, nil, &lm))
	if lm.Message.Count != 0 {
		t.Errorf("LeadManagement member count %+v", lm)
	}
	if _, err := c.ListMemberCount(ctx, unknownID); !lsq.IsNotFound(err) {
		t.Errorf("count of unknown list: %v", err)
	}
	if in := must[bool](t)(c.IsListMember(ctx, list, leads[0])); !in {
		t.Error("CheckLead: not a member")
	}
	if in := must[bool](t)(c.IsListMember(ctx, other, leads[0])); in {
		t.Error("CheckLead: member of the empty list")
	}
	if _, err := c.IsListMember(ctx, unknownID, leads[0]); !lsq.IsNotFound(err) {
		t.Errorf("CheckLead on unknown list: %v", err)
	}

	total, members, err := c.LeadsInList(ctx, lsq.ListLeadsQuery{ListID: list, Columns: []string{"ProspectID", "FirstName"},
		SortBy: "FirstName", SortDesc: true, PageSize: 3})
	if err != nil || total != 4 || !slices.Equal(leadIDs(members), []string{leads[3], leads[2], leads[1]}) || members[0].Get("FirstName") != "Dan" {
		t.Errorf("leads in list %d %v %v", total, members, err)
	}
	total, members, err = c.LeadsInList(ctx, lsq.ListLeadsQuery{ListID: list, Columns: []string{"ProspectID"}, PageIndex: 2, PageSize: 3})
	if err != nil || total != 4 || !slices.Equal(leadIDs(members), []string{leads[3]}) {
		t.Errorf("leads in list page 2 %d %v %v", total, members, err)
	}
	if _, _, err := c.LeadsInList(ctx, lsq.ListLeadsQuery{ListID: unknownID}); !lsq.IsNotFound(err) {
		t.Errorf("leads of unknown list: %v", err)
	}

	check(t, c.RemoveLeadFromList(ctx, list, leads[0]))
	if in := must[bool](t)(c.IsListMember(ctx, list, leads[0])); in {
		t.Error("removed lead still a member")
	}
	check(t, c.RemoveLeadFromList(ctx, list, leads[0])) // not a member: nothing to do
	if err := c.RemoveLeadFromList(ctx, unknownID, leads[0]); !lsq.IsNotFound(err) {
		t.Errorf("remove from unknown list: %v", err)
	}

	all := must[[]lsq.List](t)(c.Lists(ctx, lsq.ListQuery{}))
	if len(all) != 2 || all[0].ListId != other || all[1].ListId != list || all[1].MemberCount != 3 || all[1].ListType != "static" ||
		all[1].ListDescription != "Signed up for the March webinar" {
		t.Errorf("lists %+v", all)
	}
	if got := must[[]lsq.List](t)(c.Lists(ctx, lsq.ListQuery{Search: "webinar"})); len(got) != 1 || got[0].ListId != list {
		t.Errorf("lists by search %+v", got)
	}
	if got := must[[]lsq.List](t)(c.Lists(ctx, lsq.ListQuery{Type: "1"})); len(got) != 0 {
		t.Errorf("dynamic lists %+v", got)
	}
	if got := must[[]lsq.List](t)(c.Lists(ctx, lsq.ListQuery{PageIndex: 2, PageSize: 1})); len(got) != 1 || got[0].ListId != list {
		t.Errorf("lists page 2 %+v", got)
	}
}

func leadIDs(ls []lsq.Lead) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.ID()
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
