package server_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

const referralType = `{"ActivityEventName":"Referral","Score":1,
	"Fields":[{"SchemaName":"mx_Custom_1","DisplayName":"Topic","DataType":"String"},
	          {"SchemaName":"mx_Custom_2","DisplayName":"Minutes","DataType":"Number"},
	          {"SchemaName":"mx_Custom_3","DisplayName":"When","DataType":"DateTime"},
	          {"SchemaName":"mx_Custom_4","DisplayName":"Paid","DataType":"Boolean"},
	          {"SchemaName":"mx_Custom_5","DisplayName":"Referred Lead","DataType":"Lead"},
	          {"SchemaName":"mx_Custom_6","DisplayName":"Day","DataType":"Date"}]}`

// rows is an AdvancedSearch document of one Activity condition with the
// given RowCondition elements, joined by conOp.
func rows(conOp string, rs ...string) string {
	return `{"GrpConOp":"And","Conditions":[{"Type":"Activity","ConOp":"` + conOp + `","RowCondition":[` + strings.Join(rs, ",") + `]}],"QueryTimeZone":"UTC"}`
}

// row is one RowCondition.
func row(sub, lso, op, rso string) string {
	return `{"SubConOp":"` + sub + `","LSO":"` + lso + `","LSO_Type":"String","Operator":"` + op + `","RSO":` + quote(rso) + `}`
}

// searchBody is a BySearchParameter body on type {code} with doc as the
// escaped AdvancedSearch string; extra is appended to the object.
func searchBody(doc, extra string) string {
	b := `{"ActivityEvent":{code},"AdvancedSearch":` + quote(doc) + `,"Columns":{"Include_CSV":"mx_Custom_1"}`
	if extra != "" {
		b += "," + extra
	}
	return b + "}"
}

// TestActivitySearch walks Activity/Retrieve/BySearchParameter and
// GetLeadReferences, and the Lead field type they rest on, against
// golden files.
func TestActivitySearch(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		vars := map[string]string{}
		vars["ann"] = e.createLead(`[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"EmailAddress","Value":"ann@example.com"}]`)
		vars["bob"] = e.createLead(`[{"Attribute":"FirstName","Value":"Bob"},{"Attribute":"EmailAddress","Value":"bob@example.com"}]`)
		sales := e.userKeys(t, int64(e.creds.OrgID), "sal@example.com", "Sales_User")
		const unknown = "01a21183-0000-7000-8000-000000000000"
		post := func(name, body string, status int, save map[string]string) step {
			return step{name: name, method: "POST", path: "ProspectActivity.svc/Create", body: body, status: status, save: save}
		}
		search := func(name, body string, status int) step {
			return step{name: name, method: "POST", path: "ProspectActivity.svc/Activity/Retrieve/BySearchParameter", body: body, status: status}
		}
		e.run(t, vars, []step{
			{name: "act_ref_create_type", method: "POST", path: "ProspectActivity.svc/CreateType", body: referralType, status: 200, save: map[string]string{"code": "Message.Id"}},
			{name: "act_ref_setting", method: "GET", path: "ProspectActivity.svc/CustomActivity/GetActivitySetting?code={code}", status: 200},
			post("act_ref_post_1", `{"RelatedProspectId":"{ann}","ActivityEvent":{code},"ActivityDateTime":"2024-01-02 10:00:00",
				"Fields":[{"SchemaName":"mx_Custom_1","Value":"Go 100%"},{"SchemaName":"mx_Custom_2","Value":"45"},{"SchemaName":"mx_Custom_3","Value":"2024-01-02 09:00:00"},
				{"SchemaName":"mx_Custom_4","Value":"true"},{"SchemaName":"mx_Custom_5","Value":"{bob}"},{"SchemaName":"mx_Custom_6","Value":"2024-01-02"},{"SchemaName":"Status","Value":"Active"}]}`, 200,
				map[string]string{"act1": "Message.Id"}),
			post("act_ref_post_2", `{"RelatedProspectId":"{ann}","ActivityEvent":{code},"ActivityDateTime":"2024-02-01 08:30:00",
				"Fields":[{"SchemaName":"mx_Custom_1","Value":"Rust"},{"SchemaName":"mx_Custom_2","Value":10},{"SchemaName":"mx_Custom_5","Value":"{bob}"},{"SchemaName":"Status","Value":"Done"}]}`, 200,
				map[string]string{"act2": "Message.Id"}),
			post("act_ref_post_3", `{"RelatedProspectId":"{bob}","ActivityEvent":{code},"ActivityDateTime":"2024-03-01 12:00:00","ActivityNote":"snake_case",
				"Fields":[{"SchemaName":"mx_Custom_1","Value":"golang"},{"SchemaName":"mx_Custom_2","Value":"90.5"},{"SchemaName":"mx_Custom_4","Value":"0"}]}`, 200,
				map[string]string{"act3": "Message.Id"}),
			post("act_ref_post_unknown_lead", `{"RelatedProspectId":"{ann}","ActivityEvent":{code},"Fields":[{"SchemaName":"mx_Custom_5","Value":"`+unknown+`"}]}`, 500, nil),
			post("act_ref_post_not_an_id", `{"RelatedProspectId":"{ann}","ActivityEvent":{code},"Fields":[{"SchemaName":"mx_Custom_5","Value":"bob"}]}`, 500, nil),
			{name: "act_ref_bulk", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId", status: 200,
				body: `[{"RelatedProspectId":"{ann}","ActivityEvent":{code},"Fields":[{"SchemaName":"mx_Custom_5","Value":"` + unknown + `"}]}]`},
			{name: "act_ref_capture", method: "POST", path: "ProspectActivity.svc/CreateCustom", status: 500,
				body: `{"LeadDetails":[{"Attribute":"EmailAddress","Value":"cy@example.com"}],"Activity":{"ActivityEvent":{code},"Fields":[{"SchemaName":"mx_Custom_5","Value":"` + unknown + `"}]}}`},
			{name: "act_ref_update_unknown_lead", method: "POST", path: "ProspectActivity.svc/CustomActivity/Update", status: 500,
				body: `{"ProspectActivityId":"{act3}","Fields":[{"SchemaName":"mx_Custom_5","Value":"` + unknown + `"}]}`},
			{name: "act_ref_update", method: "POST", path: "ProspectActivity.svc/CustomActivity/Update", status: 200,
				body: `{"ProspectActivityId":"{act3}","Fields":[{"SchemaName":"mx_Custom_5","Value":"{ann}"}]}`},

			{name: "act_lead_refs", method: "POST", path: "ProspectActivity.svc/GetLeadReferences?leadId={bob}", status: 200},
			{name: "act_lead_refs_page", method: "POST", path: "ProspectActivity.svc/GetLeadReferences?leadId={bob}", status: 200, body: `{"Paging":{"PageIndex":2,"PageSize":1}}`},
			{name: "act_lead_refs_other", method: "POST", path: "ProspectActivity.svc/GetLeadReferences?LeadId={ann}", status: 200, body: `{}`},
			{name: "act_lead_refs_unknown_lead", method: "POST", path: "ProspectActivity.svc/GetLeadReferences?leadId=" + unknown, status: 500},
			{name: "act_lead_refs_no_lead", method: "POST", path: "ProspectActivity.svc/GetLeadReferences", status: 500},
			{name: "act_lead_refs_page_cap", method: "POST", path: "ProspectActivity.svc/GetLeadReferences?leadId={bob}", status: 500, body: `{"Paging":{"PageIndex":1,"PageSize":51}}`},
			{name: "act_lead_refs_bad_page", method: "POST", path: "ProspectActivity.svc/GetLeadReferences?leadId={bob}", status: 500, body: `{"Paging":{"PageIndex":0}}`},
			{name: "act_lead_refs_array", method: "POST", path: "ProspectActivity.svc/GetLeadReferences?leadId={bob}", status: 400, body: `[]`},

			search("act_search_eq_any_case", searchBody(rows("And", row("", "mx_Custom_1", "eq", "GO 100%")), ""), 200),
			search("act_search_contains_wildcard", searchBody(rows("And", row("", "mx_Custom_1", "contains", "%")), ""), 200),
			search("act_search_contains_underscore", searchBody(rows("And", row("", "ActivityEvent_Note", "contains", "e_c")), ""), 200),
			search("act_search_startswith", searchBody(rows("And", row("", "mx_Custom_1", "startswith", "go")), `"Sorting":{"ColumnName":"mx_Custom_1","Direction":"Desc"}`), 200),
			search("act_search_between_to", searchBody(rows("And", row("", "mx_Custom_2", "between", "10 TO 45")), ""), 200),
			search("act_search_between_comma", searchBody(rows("And", row("", "mx_Custom_2", "between", "45,100")), ""), 200),
			search("act_search_number_gt", searchBody(rows("And", row("", "mx_Custom_2", "gt", "45")), ""), 200),
			search("act_search_number_lte", searchBody(rows("And", row("", "mx_Custom_2", "lte", "45")), `"Sorting":{"ColumnName":"mx_Custom_2","Direction":1}`), 200),
			search("act_search_created_on", searchBody(rows("And", row("", "CreatedOn", "gte", "2024-02-01 08:30:00")), `"Sorting":{"ColumnName":"ActivityDateTime","Direction":0}`), 200),
			search("act_search_activity_date_eq", searchBody(rows("And", row("", "ActivityDateTime", "eq", "2024-01-02 10:00:00")), ""), 200),
			search("act_search_datetime_field", searchBody(rows("And", row("", "mx_Custom_3", "lt", "2024-01-02 09:00:01")), ""), 200),
			search("act_search_date_field", searchBody(rows("And", row("", "mx_Custom_6", "eq", "2024-01-02")), ""), 200),
			search("act_search_bool", searchBody(rows("And", row("", "mx_Custom_4", "eq", "false")), ""), 200),
			search("act_search_isempty", searchBody(rows("And", row("", "mx_Custom_4", "isempty", "")), ""), 200),
			search("act_search_isnotempty", searchBody(rows("And", row("", "Status", "isnotempty", "")), `"Sorting":{"ColumnName":"Status"}`), 200),
			search("act_search_neq_includes_empty", searchBody(rows("And", row("", "Status", "neq", "active")), `"Sorting":{"ColumnName":"mx_Custom_2"}`), 200),
			search("act_search_lead_field", searchBody(rows("And", row("", "mx_Custom_5", "eq", "{bob}")), ""), 200),
			search("act_search_related_lead", searchBody(rows("And", row("", "RelatedProspectId", "eq", "{ann}")), ""), 200),
			search("act_search_activity_id", searchBody(rows("And", row("", "ProspectActivityId", "eq", "{act2}")), ""), 200),
			search("act_search_owner", searchBody(rows("And", row("", "Owner", "eq", e.creds.UserID)), `"Paging":{"PageIndex":1,"PageSize":2}`), 200),
			search("act_search_subconop", searchBody(rows("And", row("", "mx_Custom_2", "gt", "40"), row("Or", "Status", "eq", "done"), row("And", "mx_Custom_4", "isnotempty", "")), ""), 200),
			search("act_search_conop_or", searchBody(rows("Or", row("", "mx_Custom_1", "eq", "rust"), row("", "mx_Custom_1", "eq", "golang")), ""), 200),
			search("act_search_groups_or", searchBody(`{"GrpConOp":"Or","Conditions":[{"Type":"Activity","ConOp":"And","RowCondition":[`+row("", "mx_Custom_1", "eq", "rust")+`]},
				{"Type":"Activity","ConOp":"And","RowCondition":[`+row("", "mx_Custom_2", "gt", "90")+`]}]}`, ""), 200),
			search("act_search_columns", `{"ActivityEvent":{code},"AdvancedSearch":"","Columns":{"Include_CSV":"ProspectActivityId, mx_custom_1,Nope,ActivityDateTime,status,mx_Custom_1,mx_Custom_5,ActivityEvent"},"Sorting":{"ColumnName":"CreatedOn","Direction":1}}`, 200),
			search("act_search_trail_records", `{"ActivityEvent":"{code}","AdvancedSearch":`+quote(rows("And", row("", "mx_Custom_1", "eq", "Rust")))+`}`, 200),
			search("act_search_unknown_columns", `{"ActivityEvent":{code},"AdvancedSearch":`+quote(rows("And", row("", "mx_Custom_1", "eq", "Rust")))+`,"Columns":{"Include_CSV":"Nope,mx_Custom_9"}}`, 200),
			search("act_search_document_object", `{"ActivityEvent":{code},"AdvancedSearch":`+rows("And", row("", "mx_Custom_2", "gte", "90"))+`,"Columns":{"Include_CSV":"mx_Custom_1,mx_Custom_2"}}`, 200),
			search("act_search_all_paged", `{"ActivityEvent":{code},"Paging":{"PageIndex":2,"PageSize":2},"Sorting":{"ColumnName":"ModifiedOn","Direction":0},"Columns":{"Include_CSV":"mx_Custom_1"}}`, 200),
			search("act_search_no_match", searchBody(rows("And", row("", "mx_Custom_1", "eq", "' OR '1'='1")), ""), 200),

			search("act_search_unknown_lso", searchBody(rows("And", row("", "mx_Custom_9", "eq", "x")), ""), 500),
			search("act_search_empty_lso", searchBody(rows("And", row("", "", "eq", "x")), ""), 500),
			search("act_search_bad_operator", searchBody(rows("And", row("", "mx_Custom_1", "like", "x")), ""), 500),
			search("act_search_operator_for_type", searchBody(rows("And", row("", "mx_Custom_1", "lt", "x")), ""), 500),
			search("act_search_contains_number", searchBody(rows("And", row("", "mx_Custom_2", "contains", "4")), ""), 500),
			search("act_search_bad_number", searchBody(rows("And", row("", "mx_Custom_2", "eq", "lots")), ""), 500),
			search("act_search_bad_date", searchBody(rows("And", row("", "CreatedOn", "gt", "2024-01-02T10:00:00")), ""), 500),
			search("act_search_bad_bool", searchBody(rows("And", row("", "mx_Custom_4", "eq", "maybe")), ""), 500),
			search("act_search_bad_id", searchBody(rows("And", row("", "mx_Custom_5", "eq", "bob")), ""), 500),
			search("act_search_between_bad", searchBody(rows("And", row("", "mx_Custom_2", "between", "10")), ""), 500),
			search("act_search_between_reversed", searchBody(rows("And", row("", "mx_Custom_2", "between", "45 TO 10")), ""), 500),
			search("act_search_empty_rso", searchBody(rows("And", row("", "mx_Custom_1", "eq", "")), ""), 500),
			search("act_search_bad_subconop", searchBody(rows("And", row("", "mx_Custom_1", "eq", "a"), row("Xor", "mx_Custom_1", "eq", "b")), ""), 500),
			search("act_search_bad_grpconop", searchBody(`{"GrpConOp":"Maybe","Conditions":[]}`, ""), 500),
			search("act_search_lead_condition", searchBody(`{"GrpConOp":"And","Conditions":[{"Type":"Lead","ConOp":"And","RowCondition":[`+row("", "FirstName", "eq", "Ann")+`]}]}`, ""), 500),
			search("act_search_not_json", searchBody(`{"GrpConOp":`, ""), 500),
			search("act_search_wrong_shape", searchBody(`{"Conditions":{"Type":"Activity"}}`, ""), 500),
			search("act_search_time_zone", searchBody(`{"Conditions":[],"QueryTimeZone":"IST"}`, ""), 500),
			search("act_search_page_cap", searchBody(rows("And"), `"Paging":{"PageIndex":1,"PageSize":1001}`), 500),
			search("act_search_bad_sort", searchBody(rows("And"), `"Sorting":{"ColumnName":"Nope"}`), 500),
			search("act_search_bad_direction", searchBody(rows("And"), `"Sorting":{"ColumnName":"Status","Direction":"up"}`), 500),
			search("act_search_unknown_type", `{"ActivityEvent":999,"AdvancedSearch":""}`, 500),
			search("act_search_no_type", `{"AdvancedSearch":""}`, 500),
			search("act_search_array", `[]`, 400),
		})
		// Field names come from the type, values are bound: hostile names are
		// refused, hostile values match nothing.
		for _, n := range hostileNames {
			body := strings.ReplaceAll(searchBody(rows("And", row("", n, "eq", "x")), ""), "{code}", vars["code"])
			if r := e.v2("POST", "ProspectActivity.svc/Activity/Retrieve/BySearchParameter", body); r.status != 500 || !strings.Contains(string(r.body), "MXInvalidInputException") {
				t.Errorf("LSO %q: %d %s", n, r.status, r.body)
			}
		}
		for _, v := range []string{"'; DROP TABLE activities; --", "x' OR '1'='1", "%%", "_", "\\", `"`, "NULL", "$.mx_Custom_1"} {
			body := strings.ReplaceAll(searchBody(rows("And", row("", "mx_Custom_1", "contains", v), row("Or", "Status", "eq", v)), ""), "{code}", vars["code"])
			if r := e.v2("POST", "ProspectActivity.svc/Activity/Retrieve/BySearchParameter", body); string(r.body) != `{"RecordCount":0,"ProspectActivities":[]}` {
				t.Errorf("RSO %q: %d %s", v, r.status, r.body)
			}
		}
		r := e.do("POST", "/v2/ProspectActivity.svc/Activity/Retrieve/BySearchParameter", sales, `{"ActivityEvent":`+vars["code"]+`}`)
		golden(t, "act_search_not_admin", r)
		r = e.do("POST", "/v2/ProspectActivity.svc/GetLeadReferences?leadId="+vars["bob"], sales, ``)
		if r.status != 200 || !strings.HasPrefix(string(r.body), `{"RecordCount":2,`) {
			t.Errorf("GetLeadReferences as a sales user: %d %s", r.status, r.body)
		}
	})
}

// TestActivitySearchIsolation: another org's keys find none of org A's
// activities by search or by reference, and cannot point a Lead field at
// org A's lead.
func TestActivitySearchIsolation(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"EmailAddress","Value":"iso@example.com"}]`)
		r := e.v2("POST", "ProspectActivity.svc/CreateType", referralType)
		code := jsonPath(t, r.body, "Message.Id")
		r = e.v2("POST", "ProspectActivity.svc/Create", `{"RelatedProspectId":"`+lead+`","ActivityEvent":`+code+`,"Fields":[{"SchemaName":"mx_Custom_1","Value":"a"},{"SchemaName":"mx_Custom_5","Value":"`+lead+`"}]}`)
		if r.status != 200 {
			t.Fatalf("post: %s", r.body)
		}
		b := e.newOrgKeys(t, "B")
		// B's first custom type gets the same code as A's.
		if r := e.do("POST", "/v2/ProspectActivity.svc/CreateType", b, referralType); jsonPath(t, r.body, "Message.Id") != code {
			t.Fatalf("org B's type code: %s", r.body)
		}
		bLead := jsonPath(t, e.do("POST", "/v2/LeadManagement.svc/Lead.Create", b, `[{"Attribute":"EmailAddress","Value":"iso@example.com"}]`).body, "Message.Id")
		all := `{"ActivityEvent":` + code + `,"AdvancedSearch":` + quote(rows("And", row("", "mx_Custom_5", "isnotempty", ""))) + `}`
		for _, c := range []struct{ path, body, want string }{
			{"ProspectActivity.svc/Activity/Retrieve/BySearchParameter", all, `{"RecordCount":0,"ProspectActivities":[]}`},
			{"ProspectActivity.svc/GetLeadReferences?leadId=" + lead, "", "MXInvalidEntityException"},
			{"ProspectActivity.svc/GetLeadReferences?leadId=" + bLead, "", `{"RecordCount":0,"ProspectActivities":[]}`},
			{"ProspectActivity.svc/Create", `{"RelatedProspectId":"` + bLead + `","ActivityEvent":` + code + `,"Fields":[{"SchemaName":"mx_Custom_5","Value":"` + lead + `"}]}`, "MXInvalidActivityFieldsException"},
		} {
			if r := e.do("POST", "/v2/"+c.path, b, c.body); !strings.Contains(string(r.body), c.want) {
				t.Errorf("org B %s: %d %s, want %s", c.path, r.status, r.body, c.want)
			}
		}
		if r := e.v2("POST", "ProspectActivity.svc/Activity/Retrieve/BySearchParameter", all); !strings.HasPrefix(string(r.body), `{"RecordCount":1,`) {
			t.Errorf("org A's search: %s", r.body)
		}
		if r := e.v2("POST", "ProspectActivity.svc/GetLeadReferences?leadId="+lead, ""); !strings.HasPrefix(string(r.body), `{"RecordCount":1,`) {
			t.Errorf("org A's references: %s", r.body)
		}
	})
}

const introType = `{"ActivityEventName":"Introduction","Score":2,
	"Fields":[{"SchemaName":"mx_Custom_1","DisplayName":"From","DataType":"Lead"},
	          {"SchemaName":"mx_Custom_2","DisplayName":"To","DataType":"Lead"},
	          {"SchemaName":"mx_Custom_3","DisplayName":"Topic","DataType":"String"}]}`

// TestLeadReferencesOnMergeAndDelete: merging a lead moves its activities
// (and their score) to the master and re-points every activity Lead
// field that named it at the master; deleting a lead removes its
// activities and clears the Lead fields that named it, locked activities
// included. Each rewrite is in the change history.
func TestLeadReferencesOnMergeAndDelete(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		vars := map[string]string{}
		for _, n := range []string{"master", "child", "other", "victim"} {
			vars[n] = e.createLead(`[{"Attribute":"FirstName","Value":"` + n + `"},{"Attribute":"EmailAddress","Value":"` + n + `@example.com"}]`)
		}
		r := e.v2("POST", "ProspectActivity.svc/CreateType", introType)
		if r.status != 200 {
			t.Fatalf("CreateType: %s", r.body)
		}
		vars["code"] = jsonPath(t, r.body, "Message.Id")
		post := func(on, from, to string) string {
			t.Helper()
			r := e.v2("POST", "ProspectActivity.svc/Create", `{"RelatedProspectId":"`+vars[on]+`","ActivityEvent":`+vars["code"]+`,
				"Fields":[{"SchemaName":"mx_Custom_1","Value":"`+vars[from]+`"},{"SchemaName":"mx_Custom_2","Value":"`+vars[to]+`"},{"SchemaName":"mx_Custom_3","Value":"`+on+`"}]}`)
			if r.status != 200 {
				t.Fatalf("post on %s: %s", on, r.body)
			}
			return jsonPath(t, r.body, "Message.Id")
		}
		vars["a1"] = post("other", "child", "victim")  // names the child and the victim
		vars["a2"] = post("child", "child", "other")   // the child's own, naming itself
		vars["a3"] = post("master", "master", "child") // the master's, naming the child
		vars["a4"] = post("victim", "other", "master") // the victim's own
		vars["a5"] = post("other", "victim", "")       // names the victim; locked below
		if r := e.v2("GET", "ProspectActivity.svc/CustomActivity/Lock?activityId="+vars["a5"], ""); r.status != 200 {
			t.Fatalf("lock: %s", r.body)
		}
		// fields reads an activity's Lead fields as lead names ("" when
		// cleared, "?" for an id that is no lead of the scenario).
		fields := func(act string) string {
			t.Helper()
			r := e.v2("GET", "ProspectActivity.svc/GetActivityDetails?activityId="+act, "")
			var d struct {
				Fields []struct{ SchemaName, Value string }
			}
			if err := json.Unmarshal(r.body, &d); err != nil {
				t.Fatalf("details of %s: %d %s", act, r.status, r.body)
			}
			var out []string
			for _, f := range d.Fields {
				if f.SchemaName != "mx_Custom_1" && f.SchemaName != "mx_Custom_2" {
					continue
				}
				name := "?"
				if f.Value == "" {
					name = ""
				}
				for _, n := range []string{"master", "child", "other", "victim"} {
					if f.Value == vars[n] {
						name = n
					}
				}
				out = append(out, f.SchemaName+"="+name)
			}
			return strings.Join(out, " ")
		}
		refs := func(lead string) string {
			t.Helper()
			r := e.v2("POST", "ProspectActivity.svc/GetLeadReferences?leadId="+vars[lead], "")
			if r.status != 200 {
				return exceptionType(r.body)
			}
			var out struct{ ProspectActivities []struct{ ID string } }
			json.Unmarshal(r.body, &out)
			var ids []string
			for _, a := range out.ProspectActivities {
				for _, k := range []string{"a1", "a2", "a3", "a4", "a5"} {
					if a.ID == vars[k] {
						ids = append(ids, k)
					}
				}
			}
			sort.Strings(ids)
			return strings.Join(ids, ",")
		}
		expect := func(what, got, want string) {
			t.Helper()
			if got != want {
				t.Errorf("%s = %q, want %q", what, got, want)
			}
		}
		expect("references to the child before", refs("child"), "a1,a2,a3")

		e.run(t, vars, []step{
			{name: "lead_refs_merge", method: "POST", path: "LeadManagement.svc/Lead.Merge?masterId={master}&childId={child}", status: 200},
			{name: "lead_refs_merged_master", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={master}", status: 200},
			{name: "lead_refs_merged_details", method: "GET", path: "ProspectActivity.svc/GetActivityDetails?activityId={a1}", status: 200},
			{name: "lead_refs_merged_changes", method: "POST", path: "ProspectActivity.svc/RetrieveActivityChange",
				body: `{"Parameter":{` + isoAllTime + `,"ActivityEvents":["{code}"]}}`, status: 200},
		})
		expect("a1 after the merge", fields(vars["a1"]), "mx_Custom_1=master mx_Custom_2=victim")
		expect("a2 after the merge", fields(vars["a2"]), "mx_Custom_1=master mx_Custom_2=other")
		expect("a3 after the merge", fields(vars["a3"]), "mx_Custom_1=master mx_Custom_2=master")
		expect("references to the master", refs("master"), "a1,a2,a3,a4")
		expect("references to the merged child", refs("child"), "MXInvalidEntityException")
		r = e.v2("POST", "ProspectActivity.svc/Retrieve?leadId="+vars["master"], `{"Parameter":{"ActivityEvent":`+vars["code"]+`}}`)
		expect("the master's activities", jsonPath(t, r.body, "RecordCount"), "2") // a3 and the child's a2
		if s, eng := e.leadScores(t, vars["master"]); s != "4" || eng != "4" {
			t.Errorf("master after the merge: Score %s EngagementScore %s, want 4 and 4", s, eng)
		}
		r = e.v2("POST", "ProspectActivity.svc/RetrieveActivityChange", `{"Parameter":{`+isoAllTime+`,"ActivityID":"`+vars["a3"]+`"}}`)
		if got := string(r.body); !strings.Contains(got, `"FieldName":"mx_Custom_2","OldValue":"`+vars["child"]+`","NewValue":"`+vars["master"]+`"`) {
			t.Errorf("a3's change history: %s", got)
		}

		if r := e.admin("PATCH", "/orgs/"+itoa(int64(e.creds.OrgID)), `{"leadDeleteEnabled":true}`); r.status != 200 {
			t.Fatalf("enable deletes: %d %s", r.status, r.body)
		}
		otherScore, _ := e.leadScores(t, vars["other"])
		e.run(t, vars, []step{
			{name: "lead_refs_delete", method: "GET", path: "LeadManagement.svc/Lead/Delete/ById?leadId={victim}", status: 200},
			{name: "lead_refs_deleted_details", method: "GET", path: "ProspectActivity.svc/GetActivityDetails?activityId={a1}", status: 200},
			{name: "lead_refs_deleted_locked", method: "GET", path: "ProspectActivity.svc/GetActivityDetails?activityId={a5}", status: 200},
			{name: "lead_refs_deleted_own", method: "GET", path: "ProspectActivity.svc/GetActivityDetails?activityId={a4}", status: 500},
			{name: "lead_refs_deleted_changes", method: "POST", path: "ProspectActivity.svc/RetrieveActivityChange",
				body: `{"Parameter":{` + isoAllTime + `,"ActivityID":"{a5}"}}`, status: 200},
		})
		expect("a1 after the delete", fields(vars["a1"]), "mx_Custom_1=master mx_Custom_2=")
		expect("a5 after the delete", fields(vars["a5"]), "mx_Custom_1= mx_Custom_2=")
		expect("references to the deleted lead", refs("victim"), "MXInvalidEntityException")
		expect("references to the master after the delete", refs("master"), "a1,a2,a3")
		if s, _ := e.leadScores(t, vars["other"]); s != otherScore {
			t.Errorf("other's score moved on the delete: %s, was %s", s, otherScore)
		}
		if s, _ := e.leadScores(t, vars["master"]); s != "4" {
			t.Errorf("master's score moved on the delete: %s", s)
		}
	})
}
