package server_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
)

// seedLeads creates the three leads the lead-surface scenarios read.
func (e *env) seedLeads(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{
		"a": e.createLead(`[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"LastName","Value":"Lee"},{"Attribute":"EmailAddress","Value":"ann@example.com"},{"Attribute":"Phone","Value":"+91-9988776655"},{"Attribute":"Company","Value":"Acme"}]`),
		"b": e.createLead(`[{"Attribute":"FirstName","Value":"Bob"},{"Attribute":"EmailAddress","Value":"bob@example.com"},{"Attribute":"Mobile","Value":"9876543210"},{"Attribute":"Company","Value":"Beta"},{"Attribute":"Revenue","Value":"250"}]`),
		"c": e.createLead(`[{"Attribute":"FirstName","Value":"Carl"},{"Attribute":"EmailAddress","Value":"carl@example.com"},{"Attribute":"Company","Value":"Acme Labs"},{"Attribute":"Revenue","Value":"90"},{"Attribute":"DoNotCall","Value":"1"}]`),
	}
}

const allTime = `"FromDate":"2000-01-01 00:00:00","ToDate":"2100-01-01 00:00:00"`

// search is a Leads.Get body with Include_CSV FirstName,EmailAddress.
func search(name, value, op string) string {
	return fmt.Sprintf(`{"Parameter":{"LookupName":%q,"LookupValue":%q,"SqlOperator":%q},"Columns":{"Include_CSV":"FirstName, EmailAddress"},"Sorting":{"ColumnName":"ProspectAutoId","Direction":"0"}}`, name, value, op)
}

// TestLeadReads walks every lead read's success and error shapes.
func TestLeadReads(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		vars := e.seedLeads(t)
		e.run(t, vars, []step{
			{name: "lead_by_email", method: "GET", path: "LeadManagement.svc/Leads.GetByEmailaddress?emailaddress=ANN@Example.com", status: 200},
			{name: "lead_by_email_none", method: "GET", path: "LeadManagement.svc/Leads.GetByEmailaddress?EmailAddress=nobody@example.com", status: 200},
			{name: "lead_by_email_missing", method: "GET", path: "LeadManagement.svc/Leads.GetByEmailaddress", status: 500},
			{name: "lead_by_phone", method: "GET", path: "LeadManagement.svc/RetrieveLeadByPhoneNumber?phone=919988776655", status: 200},
			{name: "lead_by_phone_mobile", method: "GET", path: "LeadManagement.svc/RetrieveLeadByPhoneNumber?phone=9876543210", status: 200},
			{name: "lead_by_phone_none", method: "GET", path: "LeadManagement.svc/RetrieveLeadByPhoneNumber?phone=12345", status: 200},
			{name: "lead_by_phone_missing", method: "GET", path: "LeadManagement.svc/RetrieveLeadByPhoneNumber", status: 500},
			{name: "lead_quick_search", method: "GET", path: "LeadManagement.svc/Leads.GetByQuickSearch?key=ac", status: 200},
			{name: "lead_quick_search_digits", method: "GET", path: "LeadManagement.svc/Leads.GetByQuickSearch?key=98765", status: 200},
			{name: "lead_quick_search_missing", method: "GET", path: "LeadManagement.svc/Leads.GetByQuickSearch", status: 500},

			{name: "leads_get_eq_ci", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("FirstName", "ANN", "="), status: 200},
			{name: "leads_get_like_prefix", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("EmailAddress", "b%", "like"), status: 200},
			{name: "leads_get_like_contains", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("Company", "acme", "LIKE"), status: 200},
			{name: "leads_get_in", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("EmailAddress", "ann@example.com, carl@example.com", "IN"), status: 200},
			{name: "leads_get_number_gt", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("Revenue", "100", ">"), status: 200},
			{name: "leads_get_ne", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("Company", "Beta", "<>"), status: 200},
			{name: "leads_get_date_ge", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("CreatedOn", "2000-01-01 00:00:00", ">="), status: 200},
			{name: "leads_get_flag", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("DoNotCall", "1", "="), status: 200},
			{name: "leads_get_all_columns", method: "POST", path: "LeadManagement.svc/Leads.Get",
				body: `{"Parameter":{"LookupName":"EmailAddress","LookupValue":"bob@example.com","SqlOperator":"="}}`, status: 200},
			{name: "leads_get_unknown_columns_dropped", method: "POST", path: "LeadManagement.svc/Leads.Get",
				body: `{"Parameter":{"LookupName":"FirstName","LookupValue":"Ann","SqlOperator":"="},"Columns":{"Include_CSV":"ProspectId,mx_Nope,FirstName,firstname,FirstName;DROP TABLE leads"}}`, status: 200},
			{name: "leads_get_sorted_paged", method: "POST", path: "LeadManagement.svc/Leads.Get",
				body: `{"Parameter":{"LookupName":"EmailAddress","LookupValue":"%example.com","SqlOperator":"LIKE"},"Columns":{"Include_CSV":"FirstName,Company"},"Sorting":{"ColumnName":"Company","Direction":"1"},"Paging":{"PageIndex":2,"PageSize":2}}`, status: 200},
			{name: "leads_get_case_sensitive_name", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("firstname", "Ann", "="), status: 200},
			{name: "leads_get_not_equal_op", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("FirstName", "Ann", "!="), status: 500},
			{name: "leads_get_bad_date", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("CreatedOn", "2024-02-30 00:00:00", ">"), status: 500},
			{name: "leads_get_bad_number", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("Revenue", "lots", ">"), status: 500},
			{name: "leads_get_flag_true", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("DoNotCall", "true", "="), status: 500},
			{name: "leads_get_like_number", method: "POST", path: "LeadManagement.svc/Leads.Get", body: search("Revenue", "1%", "LIKE"), status: 500},
			{name: "leads_get_no_parameter", method: "POST", path: "LeadManagement.svc/Leads.Get", body: `{"Paging":{"PageIndex":1,"PageSize":10}}`, status: 500},
			{name: "leads_get_page_over_cap", method: "POST", path: "LeadManagement.svc/Leads.Get",
				body: `{"Parameter":{"LookupName":"FirstName","LookupValue":"Ann","SqlOperator":"="},"Paging":{"PageIndex":1,"PageSize":1001}}`, status: 500},
			{name: "leads_get_bad_sort", method: "POST", path: "LeadManagement.svc/Leads.Get",
				body: `{"Parameter":{"LookupName":"FirstName","LookupValue":"Ann","SqlOperator":"="},"Sorting":{"ColumnName":"FirstName; DROP TABLE leads","Direction":"1"}}`, status: 500},
			{name: "leads_get_array_body", method: "POST", path: "LeadManagement.svc/Leads.Get", body: `[]`, status: 400},

			{name: "leads_recent", method: "POST", path: "LeadManagement.svc/Leads.RecentlyModified",
				body: `{"Parameter":{` + allTime + `},"Columns":{"Include_CSV":"ProspectID,FirstName"},"Paging":{"PageIndex":1,"PageSize":2}}`, status: 200},
			{name: "leads_recent_page2", method: "POST", path: "LeadManagement.svc/Leads.RecentlyModified",
				body: `{"Parameter":{` + allTime + `},"Columns":{"Include_CSV":"FirstName"},"Paging":{"PageIndex":2,"PageSize":2}}`, status: 200},
			{name: "leads_recent_empty", method: "POST", path: "LeadManagement.svc/Leads.RecentlyModified",
				body: `{"Parameter":{"FromDate":"2099-01-01 00:00:00","ToDate":"2100-01-01 00:00:00"}}`, status: 200},
			{name: "leads_recent_over_cap", method: "POST", path: "LeadManagement.svc/Leads.RecentlyModified",
				body: `{"Parameter":{` + allTime + `},"Paging":{"PageIndex":1,"PageSize":5001}}`, status: 500},
			{name: "leads_recent_no_from", method: "POST", path: "LeadManagement.svc/Leads.RecentlyModified",
				body: `{"Parameter":{"ToDate":"2100-01-01 00:00:00"}}`, status: 500},
			{name: "leads_recent_bad_date", method: "POST", path: "LeadManagement.svc/Leads.RecentlyModified",
				body: `{"Parameter":{"FromDate":"2024-01-01T00:00:00Z","ToDate":"2100-01-01 00:00:00"}}`, status: 500},
			{name: "leads_recent_reversed", method: "POST", path: "LeadManagement.svc/Leads.RecentlyModified",
				body: `{"Parameter":{"FromDate":"2100-01-01 00:00:00","ToDate":"2000-01-01 00:00:00"}}`, status: 500},

			{name: "leads_by_ids", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/ByIds",
				body: `{"SearchParameters":{"LeadIds":["{c}","` + unknownID + `","{a}","{c}"]},"Columns":{"Include_CSV":"ProspectID,FirstName,ProspectAutoID"},"Paging":{"PageIndex":1,"PageSize":1000}}`, status: 200},
			{name: "leads_by_ids_no_columns", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/ByIds",
				body: `{"SearchParameters":{"LeadIds":["{a}"]}}`, status: 500},
			{name: "leads_by_ids_no_ids", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/ByIds",
				body: `{"SearchParameters":{"LeadIds":[]},"Columns":{"Include_CSV":"FirstName"}}`, status: 500},
			{name: "leads_by_ids_over_cap", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/ByIds",
				body: `{"SearchParameters":{"LeadIds":[` + strings.TrimSuffix(strings.Repeat(`"x",`, 10001), ",") + `]},"Columns":{"Include_CSV":"FirstName"}}`, status: 500},
		})
	})
}

// TestLeadWrites walks upsert, capture, convert, bulk, merge and delete.
func TestLeadWrites(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		vars := e.seedLeads(t)
		e.run(t, vars, []step{
			{name: "lead_upsert_update", method: "POST", path: "LeadManagement.svc/Lead.CreateOrUpdate",
				body: `[{"Attribute":"EmailAddress","Value":"ANN@example.com"},{"Attribute":"JobTitle","Value":"CTO"}]`, status: 200},
			{name: "lead_upsert_create", method: "POST", path: "LeadManagement.svc/Lead.CreateOrUpdate",
				body: `[{"Attribute":"EmailAddress","Value":"dee@example.com"},{"Attribute":"FirstName","Value":"Dee"}]`, status: 200, save: map[string]string{"d": "Message.Id"}},
			{name: "lead_upsert_by_phone", method: "POST", path: "LeadManagement.svc/Lead.CreateOrUpdate",
				body: `[{"Attribute":"Phone","Value":"919988776655"},{"Attribute":"SearchBy","Value":"Phone"},{"Attribute":"City","Value":"x"}]`, status: 500},
			{name: "lead_upsert_by_phone_ok", method: "POST", path: "LeadManagement.svc/Lead.CreateOrUpdate",
				body: `[{"Attribute":"Phone","Value":"919988776655"},{"Attribute":"SearchBy","Value":"Phone"},{"Attribute":"JobTitle","Value":"CEO"}]`, status: 200},
			{name: "lead_upsert_bad_searchby", method: "POST", path: "LeadManagement.svc/Lead.CreateOrUpdate",
				body: `[{"Attribute":"FirstName","Value":"X"},{"Attribute":"SearchBy","Value":"FirstName"}]`, status: 500},
			{name: "lead_upsert_bad_searchby_no_value", method: "POST", path: "LeadManagement.svc/Lead.CreateOrUpdate",
				body: `[{"Attribute":"EmailAddress","Value":"nosuch@example.com"},{"Attribute":"SearchBy","Value":"Company"}]`, status: 500},
			{name: "lead_upsert_bad_searchby_not_created", method: "GET", path: "LeadManagement.svc/Leads.GetByEmailaddress?emailaddress=nosuch@example.com", status: 200},
			{name: "lead_upsert_phone_taken", method: "POST", path: "LeadManagement.svc/Lead.CreateOrUpdate",
				body: `[{"Attribute":"EmailAddress","Value":"eve@example.com"},{"Attribute":"Mobile","Value":"+91 99887 76655"}]`, status: 200},
			{name: "lead_upsert_dup_phone", method: "POST", path: "LeadManagement.svc/Lead.CreateOrUpdate",
				body: `[{"Attribute":"EmailAddress","Value":"fay@example.com"},{"Attribute":"Phone","Value":"9988776655"},{"Attribute":"Mobile","Value":"9876543210"}]`, status: 500},

			{name: "lead_capture_new", method: "POST", path: "LeadManagement.svc/Lead.Capture",
				body: `[{"Attribute":"EmailAddress","Value":"gus@example.com"},{"Attribute":"Source","Value":"Web"}]`, status: 200, save: map[string]string{"g": "Message.Id"}},
			{name: "lead_capture_update", method: "POST", path: "LeadManagement.svc/Lead.Capture",
				body: `[{"Attribute":"EmailAddress","Value":"gus@example.com"},{"Attribute":"Source","Value":"Ads"},{"Attribute":"FirstName","Value":"Gus"}]`, status: 200},
			{name: "lead_capture_source_kept", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={g}", status: 200},
			{name: "lead_capture_do_not_update", method: "POST", path: "LeadManagement.svc/Lead.Capture?LeadUpdateBehavior=DoNotUpdate",
				body: `[{"Attribute":"EmailAddress","Value":"gus@example.com"},{"Attribute":"FirstName","Value":"Nope"}]`, status: 200},
			{name: "lead_capture_only_empty", method: "POST", path: "LeadManagement.svc/Lead.Capture?leadupdatebehavior=updateonlyemptyfields",
				body: `[{"Attribute":"EmailAddress","Value":"gus@example.com"},{"Attribute":"FirstName","Value":"Nope"},{"Attribute":"Company","Value":"Gusco"}]`, status: 200},
			{name: "lead_capture_after_behaviours", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={g}", status: 200},
			{name: "lead_capture_id_other_email", method: "POST", path: "LeadManagement.svc/Lead.Capture",
				body: `[{"Attribute":"ProspectID","Value":"{g}"},{"Attribute":"EmailAddress","Value":"hal@example.com"}]`, status: 200},
			{name: "lead_capture_visitor_id", method: "POST", path: "LeadManagement.svc/Lead.Capture",
				body: `[{"Attribute":"ProspectID","Value":"01a21183-0000-7000-8000-0000000000aa"},{"Attribute":"FirstName","Value":"Ivy"}]`, status: 200},
			{name: "lead_capture_visitor_lead", method: "GET", path: "LeadManagement.svc/Leads.GetById?id=01a21183-0000-7000-8000-0000000000aa", status: 200},
			{name: "lead_capture_bad_behaviour", method: "POST", path: "LeadManagement.svc/Lead.Capture?LeadUpdateBehavior=Sometimes",
				body: `[{"Attribute":"EmailAddress","Value":"gus@example.com"}]`, status: 500},
			{name: "lead_capture_activity", method: "POST", path: "ProspectActivity.svc/Retrieve?leadId={g}", body: `{"Parameter":{"ActivityEvent":23}}`, status: 200},

			{name: "lead_convert", method: "POST", path: "LeadManagement.svc/Lead.Convert?leadId={b}", body: `[{"Attribute":"JobTitle","Value":"Buyer"}]`, status: 200},
			{name: "lead_convert_unknown", method: "POST", path: "LeadManagement.svc/Lead.Convert?leadId=" + unknownID, body: `[]`, status: 500},
			{name: "lead_convert_no_id", method: "POST", path: "LeadManagement.svc/Lead.Convert", body: `[]`, status: 500},

			{name: "lead_bulk_create", method: "POST", path: "LeadManagement.svc/Lead/Bulk/Create", status: 200,
				body: `[[{"Attribute":"EmailAddress","Value":"k1@example.com"}],[{"Attribute":"EmailAddress","Value":"ann@example.com"}],[{"Attribute":"mx_Nope","Value":"1"}],[{"Attribute":"EmailAddress","Value":"k1@example.com"}],[{"Attribute":"FirstName","Value":"K2"},{"Attribute":"Revenue","Value":"lots"}]]`},
			{name: "lead_bulk_create_shape", method: "POST", path: "LeadManagement.svc/Lead/Bulk/Create", body: `[{"Attribute":"EmailAddress","Value":"x@example.com"}]`, status: 400},
			{name: "lead_bulk_create_empty", method: "POST", path: "LeadManagement.svc/Lead/Bulk/Create", body: `[]`, status: 500},
			{name: "lead_bulk_upsert", method: "POST", path: "LeadManagement.svc/Lead/Bulk/CreateOrUpdate", status: 200,
				body: `[[{"Attribute":"EmailAddress","Value":"k1@example.com"},{"Attribute":"FirstName","Value":"K1"}],[{"Attribute":"Mobile","Value":"9876543210"},{"Attribute":"SearchBy","Value":"Mobile"},{"Attribute":"LastName","Value":"Bee"}],[{"Attribute":"EmailAddress","Value":"k3@example.com"}],[{"Attribute":"FirstName","Value":"Z"},{"Attribute":"SearchBy","Value":"FirstName"}]]`},
			{name: "lead_bulk_upsert_bad_searchby", method: "POST", path: "LeadManagement.svc/Lead/Bulk/CreateOrUpdate", status: 200,
				body: `[[{"Attribute":"EmailAddress","Value":"nosuch@example.com"},{"Attribute":"SearchBy","Value":"Company"}],[{"Attribute":"EmailAddress","Value":"k4@example.com"},{"Attribute":"SearchBy","Value":"EmailAddress"}]]`},
			{name: "lead_bulk_upsert_bad_searchby_not_created", method: "GET", path: "LeadManagement.svc/Leads.GetByEmailaddress?emailaddress=nosuch@example.com", status: 200},
			{name: "lead_bulk_update", method: "POST", path: "LeadManagement.svc/Lead/Bulk/Update", status: 200,
				body: `{"LeadIds":["{a}","{b}","` + unknownID + `"],"LeadFields":{"Attribute":"Company","Value":"Zed"}}`},
			{name: "lead_bulk_update_bad_value", method: "POST", path: "LeadManagement.svc/Lead/Bulk/Update", status: 500,
				body: `{"LeadIds":["{a}"],"LeadFields":{"Attribute":"Revenue","Value":"lots"}}`},
			{name: "lead_bulk_update_v2", method: "POST", path: "LeadManagement.svc/Lead/Bulk/UpdateV2", status: 200,
				body: `{"SearchByKey":"ProspectId","LeadPropertiesList":[{"Fields":[{"Attribute":"ProspectId","Value":"{a}"},{"Attribute":"JobTitle","Value":"Chair"}]},{"Fields":[{"Attribute":"ProspectId","Value":"` + unknownID + `"},{"Attribute":"JobTitle","Value":"X"}]},{"Fields":[]}]}`},
			{name: "lead_bulk_update_v2_unprocessed", method: "POST", path: "LeadManagement.svc/Lead/Bulk/UpdateV2", status: 200,
				body: `{"SearchByKey":"EmailAddress","Options":{"PushNonExistentLeadsToUnProcessedList":true},"LeadPropertiesList":[{"Fields":[{"Attribute":"EmailAddress","Value":"nobody@example.com"},{"Attribute":"JobTitle","Value":"X"}]},{"Fields":[{"Attribute":"EmailAddress","Value":"bob@example.com"},{"Attribute":"Revenue","Value":"x"}]}]}`},

			{name: "lead_bulk_update_v2_bad_key", method: "POST", path: "LeadManagement.svc/Lead/Bulk/UpdateV2", status: 500,
				body: `{"SearchByKey":"FirstName","LeadPropertiesList":[{"Fields":[{"Attribute":"FirstName","Value":"Bob"},{"Attribute":"JobTitle","Value":"X"}]}]}`},

			{name: "lead_merge_note", method: "POST", path: "LeadManagement.svc/CreateNote", body: `{"RelatedProspectId":"{c}","Note":"child's note"}`, status: 200},
			{name: "lead_merge_list", method: "POST", path: "LeadSegmentation.svc/CreateEmptyList", body: `{"Name":"Merge test"}`, status: 200, save: map[string]string{"list": "Message.Id"}},
			{name: "lead_merge_list_add", method: "POST", path: "LeadSegmentation.svc/AddLeadsToStaticList", body: `{"listId":"{list}","leadIds":["{a}","{c}","{d}"]}`, status: 200},
			{name: "lead_merge", method: "POST", path: "LeadManagement.svc/Lead.Merge?masterId={a}&childId={c}", status: 200},
			{name: "lead_merge_notes_moved", method: "POST", path: "LeadManagement.svc/RetrieveNote", body: `{"Parameter":{"RelatedId":"{a}"}}`, status: 200},
			{name: "lead_merge_members", method: "GET", path: "LeadSegmentation.svc/List/Retrieve/MemberCount?listId={list}", status: 200},
			{name: "lead_merge_child_gone", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={c}", status: 200},
			{name: "lead_merge_same", method: "POST", path: "LeadManagement.svc/Lead.Merge?masterId={a}&childId={a}", status: 500},
			{name: "lead_merge_unknown", method: "POST", path: "LeadManagement.svc/Lead.Merge?masterId={a}&childId=" + unknownID, status: 500},
			{name: "lead_merge_audit", method: "POST", path: "ProspectActivity.svc/Retrieve?leadId={a}", body: `{"Parameter":{"ActivityEvent":3003}}`, status: 200,
				save: map[string]string{"audit": "ProspectActivities.0.Id"}},
			{name: "lead_merged_children", method: "POST", path: "LeadManagement.svc/GetMergedChildLeadsByAuditId", body: `{"Parameter":{"MergeAuditId":"{audit}"}}`, status: 200},
			{name: "lead_merged_children_unknown", method: "POST", path: "LeadManagement.svc/GetMergedChildLeadsByAuditId", body: `{"Parameter":{"MergeAuditId":"` + unknownID + `"}}`, status: 200},

			{name: "lead_delete_disabled", method: "GET", path: "LeadManagement.svc/Lead/Delete/ById?leadId={b}", status: 500},
		})
		if r := e.admin("PATCH", fmt.Sprintf("/orgs/%d", e.creds.OrgID), `{"leadDeleteEnabled":true}`); r.status != 200 {
			t.Fatalf("enable deletes: %d %s", r.status, r.body)
		}
		e.run(t, vars, []step{
			{name: "lead_delete", method: "GET", path: "LeadManagement.svc/Lead/Delete/ById?leadId={b}", status: 200},
			{name: "lead_delete_gone", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={b}", status: 200},
			{name: "lead_delete_again", method: "GET", path: "LeadManagement.svc/Lead/Delete/ById?leadId={b}", status: 500},
		})
	})
}

// TestLeadUpsertRaces: N goroutines upserting, capturing or bulk-creating
// one new email make exactly one lead.
func TestLeadUpsertRaces(t *testing.T) {
	ops := []struct{ name, path, body string }{
		{"upsert", "LeadManagement.svc/Lead.CreateOrUpdate", `[{"Attribute":"EmailAddress","Value":"race@example.com"},{"Attribute":"FirstName","Value":"R%d"}]`},
		{"capture", "LeadManagement.svc/Lead.Capture", `[{"Attribute":"EmailAddress","Value":"race@example.com"},{"Attribute":"FirstName","Value":"R%d"}]`},
		{"bulk_upsert", "LeadManagement.svc/Lead/Bulk/CreateOrUpdate", `[[{"Attribute":"EmailAddress","Value":"race@example.com"},{"Attribute":"FirstName","Value":"R%d"}]]`},
		{"upsert_phone", "LeadManagement.svc/Lead.CreateOrUpdate", `[{"Attribute":"Phone","Value":"+1 555 0100"},{"Attribute":"SearchBy","Value":"Phone"},{"Attribute":"FirstName","Value":"R%d"}]`},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			forEach(t, func(t *testing.T, e *env) {
				const n = 16
				var wg sync.WaitGroup
				errs := make(chan string, n)
				for i := 0; i < n; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r := e.v2("POST", op.path, fmt.Sprintf(op.body, i))
						if r.status != 200 || strings.Contains(string(r.body), "Exception") {
							errs <- fmt.Sprintf("%d %s", r.status, r.body)
						}
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Errorf("call failed: %s", err)
				}
				if n, err := e.srv.Store.LeadCount(t.Context(), e.creds.OrgID); err != nil || n != 1 {
					t.Errorf("leads = %d (%v), want exactly 1", n, err)
				}
			})
		})
	}
}

// TestLeadPagingStable: sorting on a column with many ties, every page
// together holds every lead exactly once.
func TestLeadPagingStable(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		rows := make([]string, 0, 45)
		for i := 0; i < 45; i++ {
			rows = append(rows, fmt.Sprintf(`[{"Attribute":"EmailAddress","Value":"p%d@example.com"},{"Attribute":"Company","Value":"C%d"}]`, i, i%3))
		}
		if r := e.v2("POST", "LeadManagement.svc/Lead/Bulk/Create", "["+strings.Join(rows, ",")+"]"); r.status != 200 {
			t.Fatalf("bulk create: %d %s", r.status, r.body)
		}
		for _, dir := range []string{"0", "1"} {
			seen := map[string]int{}
			for page := 1; page <= 7; page++ {
				r := e.v2("POST", "LeadManagement.svc/Leads.Get", fmt.Sprintf(`{"Parameter":{"LookupName":"EmailAddress","LookupValue":"p%%","SqlOperator":"LIKE"},
					"Columns":{"Include_CSV":"ProspectID,Company"},"Sorting":{"ColumnName":"Company","Direction":%q},"Paging":{"PageIndex":%d,"PageSize":7}}`, dir, page))
				var got []map[string]string
				if err := json.Unmarshal(r.body, &got); err != nil {
					t.Fatalf("page %d: %v %s", page, err, r.body)
				}
				for _, l := range got {
					seen[l["ProspectID"]]++
				}
			}
			if len(seen) != 45 {
				t.Errorf("direction %s: %d distinct leads over all pages, want 45", dir, len(seen))
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("direction %s: lead %s on %d pages", dir, id, n)
				}
			}
		}
	})
}

// TestBulkCapsWriteNothing: one row over each cap is refused whole.
func TestBulkCapsWriteNothing(t *testing.T) {
	rows := func(n int) string {
		r := make([]string, n)
		for i := range r {
			r[i] = fmt.Sprintf(`[{"Attribute":"EmailAddress","Value":"cap%d@example.com"}]`, i)
		}
		return "[" + strings.Join(r, ",") + "]"
	}
	ids := func(n int) string {
		r := make([]string, n)
		for i := range r {
			r[i] = `"` + unknownID + `"`
		}
		return strings.Join(r, ",")
	}
	v2rows := func(n int) string {
		r := make([]string, n)
		for i := range r {
			r[i] = `{"Fields":[{"Attribute":"ProspectId","Value":"` + unknownID + `"},{"Attribute":"JobTitle","Value":"x"}]}`
		}
		return `{"LeadPropertiesList":[` + strings.Join(r, ",") + `]}`
	}
	forEach(t, func(t *testing.T, e *env) {
		for _, c := range []struct {
			path     string
			ok, over string
		}{
			{"LeadManagement.svc/Lead/Bulk/Create", rows(50), rows(51)},
			{"LeadManagement.svc/Lead/Bulk/CreateOrUpdate", rows(25), rows(26)},
			{"LeadManagement.svc/Lead/Bulk/Update", `{"LeadIds":[` + ids(50) + `],"LeadFields":{"Attribute":"JobTitle","Value":"x"}}`,
				`{"LeadIds":[` + ids(51) + `],"LeadFields":{"Attribute":"JobTitle","Value":"x"}}`},
			{"LeadManagement.svc/Lead/Bulk/UpdateV2", v2rows(25), v2rows(26)},
		} {
			before, _ := e.srv.Store.LeadCount(t.Context(), e.creds.OrgID)
			r := e.v2("POST", c.path, c.over)
			if r.status != 500 || !strings.Contains(string(r.body), "MXInvalidInputException") {
				t.Errorf("%s over the cap: %d %s", c.path, r.status, r.body)
			}
			if after, _ := e.srv.Store.LeadCount(t.Context(), e.creds.OrgID); after != before {
				t.Errorf("%s over the cap wrote %d leads", c.path, after-before)
			}
			if r := e.v2("POST", c.path, c.ok); r.status != 200 {
				t.Errorf("%s at the cap: %d %s", c.path, r.status, r.body)
			}
		}
		var emails []string
		r := e.v2("POST", "LeadManagement.svc/Leads.Get", search("EmailAddress", "cap%", "LIKE"))
		var got []map[string]string
		json.Unmarshal(r.body, &got)
		for _, l := range got {
			emails = append(emails, l["EmailAddress"])
		}
		sort.Strings(emails)
		if len(emails) != 50 {
			t.Errorf("%d cap leads, want 50 (from the bulk create at the cap; the upsert matched them)", len(emails))
		}
	})
}

// TestCaptureMatching walks Lead.Capture's matching table (reference §3.4)
// row by row: which lead each capture lands on, and whether it creates.
func TestCaptureMatching(t *testing.T) {
	const visitor = "01a21183-0000-7000-8000-0000000000bb"
	cases := []struct {
		name    string
		attrs   string // {a} is lead A's id
		created bool
		lands   string // "a", "b", "new" or "visitor"
		query   string
	}{
		{"1_no_identity_creates", `{"Attribute":"FirstName","Value":"Zed"}`, true, "new", ""},
		{"5_id_only_updates", `{"Attribute":"ProspectID","Value":"{a}"},{"Attribute":"JobTitle","Value":"X"}`, false, "a", ""},
		{"5_id_and_same_email_updates", `{"Attribute":"ProspectID","Value":"{a}"},{"Attribute":"EmailAddress","Value":"A@example.com"}`, false, "a", ""},
		{"4_id_with_other_email_creates", `{"Attribute":"ProspectID","Value":"{a}"},{"Attribute":"EmailAddress","Value":"new@example.com"}`, true, "new", ""},
		{"2_id_beats_phone", `{"Attribute":"ProspectID","Value":"{a}"},{"Attribute":"Phone","Value":"+1-555-0002"}`, false, "a", "?LeadUpdateBehavior=DoNotUpdateUniqueFields"},
		{"6_unknown_id_email_matches", `{"Attribute":"ProspectID","Value":"` + visitor + `"},{"Attribute":"EmailAddress","Value":"b@example.com"}`, false, "b", ""},
		{"3_unknown_id_creates_a_new_lead", `{"Attribute":"ProspectID","Value":"` + visitor + `"},{"Attribute":"FirstName","Value":"Vi"}`, true, "new", ""},
		{"6_email_matches", `{"Attribute":"EmailAddress","Value":"b@EXAMPLE.com"}`, false, "b", ""},
		{"6_phone_matches_after_email_misses", `{"Attribute":"EmailAddress","Value":"new@example.com"},{"Attribute":"Phone","Value":"15550002"}`, false, "b", ""},
		{"6_nothing_matches_creates", `{"Attribute":"EmailAddress","Value":"new@example.com"},{"Attribute":"Phone","Value":"+1-555-0009"}`, true, "new", ""},
		{"7_searchby_phone_first", `{"Attribute":"EmailAddress","Value":"a@example.com"},{"Attribute":"Phone","Value":"+1-555-0002"},{"Attribute":"SearchBy","Value":"Phone"},{"Attribute":"JobTitle","Value":"X"}`, false, "b", "?LeadUpdateBehavior=DoNotUpdateUniqueFields"},
		{"7_searchby_ignored_with_id_email_phone", `{"Attribute":"ProspectID","Value":"{a}"},{"Attribute":"EmailAddress","Value":"a@example.com"},{"Attribute":"Phone","Value":"+1-555-0007"},{"Attribute":"SearchBy","Value":"Phone"}`, false, "a", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			forEach(t, func(t *testing.T, e *env) {
				ids := map[string]string{
					"a":       e.createLead(`[{"Attribute":"EmailAddress","Value":"a@example.com"},{"Attribute":"Phone","Value":"+1-555-0001"}]`),
					"b":       e.createLead(`[{"Attribute":"EmailAddress","Value":"b@example.com"},{"Attribute":"Phone","Value":"+1-555-0002"}]`),
					"visitor": visitor,
				}
				r := e.v2("POST", "LeadManagement.svc/Lead.Capture"+c.query, "["+strings.ReplaceAll(c.attrs, "{a}", ids["a"])+"]")
				var out struct {
					Status  string
					Message struct {
						Id, RelatedId string
						IsCreated     bool
					}
				}
				if err := json.Unmarshal(r.body, &out); err != nil || out.Status != "Success" {
					t.Fatalf("capture: %d %s", r.status, r.body)
				}
				if out.Message.IsCreated != c.created {
					t.Errorf("IsCreated = %v, want %v", out.Message.IsCreated, c.created)
				}
				switch c.lands {
				case "new":
					if out.Message.Id == ids["a"] || out.Message.Id == ids["b"] {
						t.Errorf("landed on an existing lead %s, want a new one", out.Message.Id)
					}
				default:
					if out.Message.Id != ids[c.lands] {
						t.Errorf("landed on %s, want lead %s (%s)", out.Message.Id, c.lands, ids[c.lands])
					}
				}
				if out.Message.RelatedId == "" {
					t.Error("no RelatedId (the Lead Capture activity)")
				}
			})
		})
	}
}
