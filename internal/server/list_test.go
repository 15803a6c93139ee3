package server_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/localsquared/localsquared/internal/server"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

// TestListOperations walks every list operation's success and error
// shapes, in order, against golden files.
func TestListOperations(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		vars := map[string]string{"unknown": unknownID}
		vars["l1"] = e.createLead(`[{"Attribute":"FirstName","Value":"Cleo"},{"Attribute":"EmailAddress","Value":"cleo@example.com"},{"Attribute":"Company","Value":"Acme"}]`)
		vars["l2"] = e.createLead(`[{"Attribute":"FirstName","Value":"Abe"},{"Attribute":"Phone","Value":"+1-555-0100"}]`)
		vars["l3"] = e.createLead(`[{"Attribute":"FirstName","Value":"bea"}]`)
		vars["l4"] = e.createLead(`[{"Attribute":"LastName","Value":"NoFirst"}]`)
		search := func(extra string) string {
			return `{"SearchParameters":{"ListId":"{list}","RetrieveBehaviour":"0"}` + extra + `}`
		}
		e.run(t, vars, []step{
			{name: "list_get_none", method: "GET", path: "LeadManagement.svc/Lists.Get", status: 200},
			{name: "list_create", method: "POST", path: "LeadSegmentation.svc/CreateEmptyList", status: 200, save: map[string]string{"list": "Message.Id"},
				body: `{"Name":"Webinar Leads","Description":"Signed up for the March webinar"}`},
			{name: "list_create_second", method: "POST", path: "LeadSegmentation.svc/CreateEmptyList", status: 200, save: map[string]string{"list2": "Message.Id"},
				body: `{"Name":"  alpha  "}`},
			{name: "list_create_duplicate", method: "POST", path: "LeadSegmentation.svc/CreateEmptyList", status: 500, body: `{"Name":"WEBINAR leads"}`},
			{name: "list_create_no_name", method: "POST", path: "LeadSegmentation.svc/CreateEmptyList", status: 500, body: `{"Description":"x"}`},
			{name: "list_create_long_name", method: "POST", path: "LeadSegmentation.svc/CreateEmptyList", status: 500, body: `{"Name":"` + strings.Repeat("x", 201) + `"}`},
			{name: "list_create_array", method: "POST", path: "LeadSegmentation.svc/CreateEmptyList", status: 400, body: `["x"]`},

			{name: "list_add_leads", method: "POST", path: "LeadSegmentation.svc/AddLeadsToStaticList", status: 200,
				body: `{"listId":"{list}","leadIds":["{l1}","{l2}","{l1}"]}`},
			{name: "list_add_leads_again", method: "POST", path: "LeadSegmentation.svc/AddLeadsToStaticList", status: 200,
				body: `{"ListId":"{list}","LeadIds":["{l2}","{l3}"]}`},
			{name: "list_add_leads_unknown_lead", method: "POST", path: "LeadSegmentation.svc/AddLeadsToStaticList", status: 500,
				body: `{"listId":"{list}","leadIds":["{l4}","{unknown}"]}`},
			{name: "list_add_leads_malformed_lead", method: "POST", path: "LeadSegmentation.svc/AddLeadsToStaticList", status: 500,
				body: `{"listId":"{list}","leadIds":["nope"]}`},
			{name: "list_add_leads_unknown_list", method: "POST", path: "LeadSegmentation.svc/AddLeadsToStaticList", status: 500,
				body: `{"listId":"{unknown}","leadIds":["{l1}"]}`},
			{name: "list_add_leads_no_ids", method: "POST", path: "LeadSegmentation.svc/AddLeadsToStaticList", status: 500, body: `{"listId":"{list}","leadIds":[]}`},
			{name: "list_add_leads_no_list", method: "POST", path: "LeadSegmentation.svc/AddLeadsToStaticList", status: 500, body: `{"leadIds":["{l1}"]}`},
			{name: "list_add_leads_ids_not_array", method: "POST", path: "LeadSegmentation.svc/AddLeadsToStaticList", status: 400, body: `{"listId":"{list}","leadIds":"{l1}"}`},

			{name: "list_add_lead", method: "POST", path: "LeadManagement.svc/AddLeadToStaticList?listId={list}&leadId={l4}", status: 200},
			{name: "list_add_lead_again", method: "POST", path: "LeadManagement.svc/AddLeadToStaticList?listid={list}&LEADID={l4}", status: 200, body: `{}`},
			{name: "list_add_lead_unknown_lead", method: "POST", path: "LeadManagement.svc/AddLeadToStaticList?listId={list}&leadId={unknown}", status: 500},
			{name: "list_add_lead_unknown_list", method: "POST", path: "LeadManagement.svc/AddLeadToStaticList?listId={unknown}&leadId={l1}", status: 500},
			{name: "list_add_lead_no_lead", method: "POST", path: "LeadManagement.svc/AddLeadToStaticList?listId={list}", status: 500},

			{name: "list_member_count", method: "GET", path: "LeadSegmentation.svc/List/Retrieve/MemberCount?listId={list}", status: 200},
			{name: "list_member_count_lm", method: "GET", path: "LeadManagement.svc/List/Retrieve/MemberCount?listId={list2}", status: 200},
			{name: "list_member_count_unknown", method: "GET", path: "LeadSegmentation.svc/List/Retrieve/MemberCount?listId={unknown}", status: 500},
			{name: "list_member_count_no_list", method: "GET", path: "LeadSegmentation.svc/List/Retrieve/MemberCount", status: 500},
			{name: "list_check_lead", method: "GET", path: "LeadManagement.svc/List.CheckLead?listId={list}&leadId={l1}", status: 200},
			{name: "list_check_lead_not_member", method: "GET", path: "LeadManagement.svc/List.CheckLead?listId={list2}&leadId={l1}", status: 200},
			{name: "list_check_lead_unknown_list", method: "GET", path: "LeadManagement.svc/List.CheckLead?listId={unknown}&leadId={l1}", status: 500},
			{name: "list_check_lead_unknown_lead", method: "GET", path: "LeadManagement.svc/List.CheckLead?listId={list}&leadId={unknown}", status: 500},

			{name: "list_get", method: "GET", path: "LeadManagement.svc/Lists.Get", status: 200},
			{name: "list_get_search", method: "GET", path: "LeadManagement.svc/Lists.Get?PageIndex=1&ListType=0&SearchText=WEB", status: 200},
			{name: "list_get_search_wildcard", method: "GET", path: "LeadManagement.svc/Lists.Get?SearchText=%25", status: 200},
			{name: "list_get_dynamic", method: "GET", path: "LeadManagement.svc/Lists.Get?ListType=1", status: 200},
			{name: "list_get_page_two", method: "GET", path: "LeadManagement.svc/Lists.Get?PageIndex=2&PageSize=1", status: 200},
			{name: "list_get_bad_type", method: "GET", path: "LeadManagement.svc/Lists.Get?ListType=7", status: 500},
			{name: "list_get_bad_page", method: "GET", path: "LeadManagement.svc/Lists.Get?PageIndex=0", status: 500},
			{name: "list_get_page_size_over_cap", method: "GET", path: "LeadManagement.svc/Lists.Get?PageSize=1001", status: 500},

			{name: "list_leads", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 200,
				body: search(`,"Columns":{"Include_CSV":"ProspectAutoId, FirstName,EmailAddress,firstname,Nope,FirstName,ModifiedOn"},"Sorting":{"ColumnName":"FirstName","Direction":"1"},"Paging":{"PageIndex":1,"PageSize":3}`)},
			{name: "list_leads_page_two", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 200,
				body: search(`,"Columns":{"Include_CSV":"ProspectAutoId,FirstName"},"Sorting":{"ColumnName":"FirstName","Direction":1},"Paging":{"PageIndex":"2","PageSize":"3"}`)},
			{name: "list_leads_default_sort", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 200,
				body: search(`,"Columns":{"Include_CSV":"ProspectID,ProspectAutoId,Phone"}`)},
			{name: "list_leads_by_created", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 200,
				body: search(`,"Columns":{"Include_CSV":"ProspectAutoId"},"Sorting":{"ColumnName":"CreatedOn","Direction":"1"}`)},
			{name: "list_leads_all_columns", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 200,
				body: search(`,"Paging":{"PageIndex":1,"PageSize":1}`)},
			{name: "list_leads_page_size_cap", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 200,
				body: search(`,"Columns":{"Include_CSV":"ProspectAutoId"},"Paging":{"PageIndex":1,"PageSize":1000}`)},
			{name: "list_leads_over_cap", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 500,
				body: search(`,"Paging":{"PageIndex":1,"PageSize":1001}`)},
			{name: "list_leads_bad_sort", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 500,
				body: search(`,"Sorting":{"ColumnName":"firstname","Direction":"0"}`)},
			{name: "list_leads_sql_in_sort", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 500,
				body: search(`,"Sorting":{"ColumnName":"auto_id; DROP TABLE leads","Direction":"0"}`)},
			{name: "list_leads_bad_behaviour", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 500,
				body: `{"SearchParameters":{"ListId":"{list}","RetrieveBehaviour":"5"}}`},
			{name: "list_leads_unknown_list", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 500,
				body: `{"SearchParameters":{"ListId":"{unknown}"}}`},
			{name: "list_leads_no_list", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 500, body: `{"SearchParameters":{}}`},
			{name: "list_leads_empty_list", method: "POST", path: "LeadManagement.svc/Leads/Retrieve/BySearchParameter", status: 200,
				body: `{"SearchParameters":{"ListId":"{list2}"}}`},

			{name: "list_remove", method: "GET", path: "LeadSegmentation.svc/RemoveLeadFromStaticList?ListId={list}&LeadID={l2}", status: 200},
			{name: "list_remove_not_member", method: "GET", path: "LeadSegmentation.svc/RemoveLeadFromStaticList?ListId={list}&LeadID={l2}", status: 200},
			{name: "list_remove_unknown_list", method: "GET", path: "LeadSegmentation.svc/RemoveLeadFromStaticList?ListId={unknown}&LeadID={l1}", status: 500},
			{name: "list_remove_unknown_lead", method: "GET", path: "LeadSegmentation.svc/RemoveLeadFromStaticList?ListId={list}&LeadID={unknown}", status: 500},
			{name: "list_remove_no_lead", method: "GET", path: "LeadSegmentation.svc/RemoveLeadFromStaticList?ListId={list}", status: 500},
			{name: "list_member_count_after_remove", method: "GET", path: "LeadSegmentation.svc/List/Retrieve/MemberCount?listId={list}", status: 200},
		})
	})
}

// TestListLeadCap: AddLeadsToStaticList takes up to 10,000 ids (repeats
// count toward the cap and are then added once) and refuses 10,001.
func TestListLeadCap(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b, func(t *testing.T) {
			e := newEnvWith(t, b, func(c *server.Config) { c.BodyLimit = 1 << 20 })
			lead := e.createLead(`[{"Attribute":"FirstName","Value":"Cap"}]`)
			r := e.v2("POST", "LeadSegmentation.svc/CreateEmptyList", `{"Name":"Cap"}`)
			list := jsonPath(t, r.body, "Message.Id")
			body := func(n int) string {
				return `{"listId":"` + list + `","leadIds":[` + strings.TrimSuffix(strings.Repeat(`"`+lead+`",`, n), ",") + `]}`
			}
			golden(t, "list_add_leads_at_cap", e.v2("POST", "LeadSegmentation.svc/AddLeadsToStaticList", body(10000)))
			golden(t, "list_add_leads_over_cap", e.v2("POST", "LeadSegmentation.svc/AddLeadsToStaticList", body(10001)))
		})
	}
}

// TestListConcurrentAdd: 16 concurrent adds of one lead to one list (half
// by AddLeadToStaticList, half by AddLeadsToStaticList) make exactly one
// membership, and exactly one call reports the addition. Meanwhile bulk
// adds of the same leads in opposite orders to two other lists all
// succeed (no lock-order deadlock).
func TestListConcurrentAdd(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"FirstName","Value":"Race"}]`)
		other := e.createLead(`[{"Attribute":"FirstName","Value":"Other"}]`)
		mk := func(name string) string {
			r := e.v2("POST", "LeadSegmentation.svc/CreateEmptyList", `{"Name":"`+name+`"}`)
			return jsonPath(t, r.body, "Message.Id")
		}
		list, x, y := mk("Race"), mk("X"), mk("Y")
		const n = 16
		var wg sync.WaitGroup
		added := make(chan int, n)
		for i := 0; i < n; i++ {
			wg.Add(2)
			go func() {
				defer wg.Done()
				var r resp
				if i%2 == 0 {
					r = e.v2("POST", "LeadManagement.svc/AddLeadToStaticList?listId="+list+"&leadId="+lead, "")
				} else {
					r = e.v2("POST", "LeadSegmentation.svc/AddLeadsToStaticList", `{"listId":"`+list+`","leadIds":["`+lead+`"]}`)
				}
				if r.status != http.StatusOK {
					t.Errorf("concurrent add: %d %s", r.status, r.body)
					return
				}
				if b := string(r.body); strings.Contains(b, `"AffectedRows":1`) || strings.Contains(b, "Successfully added 1 lead(s)") {
					added <- 1
				}
			}()
			go func() {
				defer wg.Done()
				ids := `"` + lead + `","` + other + `"`
				if i%2 == 0 {
					ids = `"` + other + `","` + lead + `"`
				}
				target := x
				if i%4 < 2 {
					target = y
				}
				if r := e.v2("POST", "LeadSegmentation.svc/AddLeadsToStaticList", `{"listId":"`+target+`","leadIds":[`+ids+`]}`); r.status != http.StatusOK {
					t.Errorf("concurrent bulk add: %d %s", r.status, r.body)
				}
			}()
		}
		wg.Wait()
		close(added)
		if len(added) != 1 {
			t.Errorf("%d calls reported adding the lead, want 1", len(added))
		}
		for _, c := range []struct{ list, want string }{{list, "1"}, {x, "2"}, {y, "2"}} {
			if got := jsonPath(t, e.v2("GET", "LeadSegmentation.svc/List/Retrieve/MemberCount?listId="+c.list, "").body, "Message.Count"); got != c.want {
				t.Errorf("MemberCount = %s, want %s", got, c.want)
			}
		}
		r := e.v2("POST", "LeadManagement.svc/Leads/Retrieve/BySearchParameter", `{"SearchParameters":{"ListId":"`+list+`"},"Columns":{"Include_CSV":"FirstName"}}`)
		if got := string(r.body); !strings.HasPrefix(got, `{"RecordCount":1,`) || strings.Count(got, `"Value":"Race"`) != 1 {
			t.Errorf("list leads: %s", got)
		}
	})
}

// TestListTenantIsolation: org B's keys can neither see, fill, empty,
// count nor read org A's lists, nor put org A's leads into its own; org
// B may reuse org A's list names.
func TestListTenantIsolation(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"FirstName","Value":"A"}]`)
		r := e.v2("POST", "LeadSegmentation.svc/CreateEmptyList", `{"Name":"Shared Name"}`)
		list := jsonPath(t, r.body, "Message.Id")
		e.v2("POST", "LeadManagement.svc/AddLeadToStaticList?listId="+list+"&leadId="+lead, "")
		before := string(e.v2("GET", "LeadManagement.svc/Lists.Get", "").body)

		b := e.newOrgKeys(t, "B")
		r = e.do("POST", "/v2/LeadManagement.svc/Lead.Create", b, `[{"Attribute":"FirstName","Value":"B"}]`)
		bLead := jsonPath(t, r.body, "Message.Id")
		r = e.do("POST", "/v2/LeadSegmentation.svc/CreateEmptyList", b, `{"Name":"shared name"}`)
		if r.status != http.StatusOK {
			t.Fatalf("org B cannot reuse org A's list name: %s", r.body)
		}
		bList := jsonPath(t, r.body, "Message.Id")
		const noList = `"List does not exist"`
		for _, c := range []struct{ method, path, body, want string }{
			{"GET", "LeadManagement.svc/Lists.Get", "", `"ListName":"shared name","ListDescription":"","ListType":"static","MemberCount":0}]`},
			{"POST", "LeadSegmentation.svc/AddLeadsToStaticList", `{"listId":"` + list + `","leadIds":["` + bLead + `"]}`, noList},
			{"POST", "LeadSegmentation.svc/AddLeadsToStaticList", `{"listId":"` + bList + `","leadIds":["` + lead + `"]}`, "MXInvalidInputException"},
			{"POST", "LeadManagement.svc/AddLeadToStaticList?listId=" + list + "&leadId=" + bLead, "", noList},
			{"POST", "LeadManagement.svc/AddLeadToStaticList?listId=" + bList + "&leadId=" + lead, "", `"Lead does not exist in the system"`},
			{"GET", "LeadSegmentation.svc/RemoveLeadFromStaticList?ListId=" + list + "&LeadID=" + lead, "", noList},
			{"GET", "LeadSegmentation.svc/List/Retrieve/MemberCount?listId=" + list, "", noList},
			{"GET", "LeadManagement.svc/List/Retrieve/MemberCount?listId=" + list, "", noList},
			{"GET", "LeadManagement.svc/List.CheckLead?listId=" + list + "&leadId=" + lead, "", noList},
			{"GET", "LeadManagement.svc/List.CheckLead?listId=" + bList + "&leadId=" + lead, "", `"Lead does not exist in the system"`},
			{"POST", "LeadManagement.svc/Leads/Retrieve/BySearchParameter", `{"SearchParameters":{"ListId":"` + list + `"}}`, noList},
		} {
			r := e.do(c.method, "/v2/"+c.path, b, c.body)
			if !strings.Contains(string(r.body), c.want) {
				t.Errorf("org B %s: %d %s, want %s", c.path, r.status, r.body, c.want)
			}
		}
		if got := string(e.do("GET", "/v2/LeadManagement.svc/Lists.Get", b, "").body); strings.Count(got, "ListId") != 1 {
			t.Errorf("org B sees other lists: %s", got)
		}
		if after := string(e.v2("GET", "LeadManagement.svc/Lists.Get", "").body); after != before {
			t.Errorf("org A's lists changed:\n%s\n%s", before, after)
		}
	})
}
