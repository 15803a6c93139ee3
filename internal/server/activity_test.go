package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localsquared/localsquared/internal/server"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

// step is one call of a stateful scenario: {name} placeholders in path
// and body are replaced from vars, and save names the vars to fill from
// the response (var name → JSON path like "Message.Id").
type step struct {
	name   string
	method string
	path   string
	body   string
	status int
	save   map[string]string
}

func (e *env) run(t *testing.T, vars map[string]string, steps []step) {
	t.Helper()
	sub := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "{"+k+"}", v)
		}
		return s
	}
	for _, st := range steps {
		r := e.v2(st.method, sub(st.path), sub(st.body))
		r.body = secondsRE.ReplaceAll(r.body, []byte(`<datetime-s>"`)) // user objects print dates without ms
		if r.status != st.status {
			t.Errorf("%s: status = %d, want %d; body %s", st.name, r.status, st.status, truncate(r.body))
		}
		golden(t, st.name, r)
		for k, path := range st.save {
			vars[k] = jsonPath(t, r.body, path)
		}
	}
}

// jsonPath reads a dotted path ("Message.Id", "Response.0.ProspectActivityId")
// from a JSON body as text.
func jsonPath(t *testing.T, body []byte, path string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("jsonPath %s: %v in %s", path, err, body)
	}
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			var i int
			fmt.Sscan(p, &i)
			if i >= len(x) {
				t.Fatalf("jsonPath %s: index out of range in %s", path, body)
			}
			v = x[i]
		}
	}
	switch x := v.(type) {
	case string:
		return x
	case nil:
		t.Fatalf("jsonPath %s: missing in %s", path, body)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

var secondsRE = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"`)

const webinarType = `{"ActivityEventName":"Webinar Attended","Score":5,"Description":"Joined a webinar","Direction":0,
	"Fields":[{"SchemaName":"mx_Custom_1","DisplayName":"Topic","DataType":"String","IsMandatory":true},
	          {"SchemaName":"mx_Custom_2","DisplayName":"Minutes","DataType":"Number"},
	          {"SchemaName":"mx_Custom_3","DisplayName":"Rating","DataType":"Dropdown","OptionSet":["Good","Bad"]},
	          {"SchemaName":"mx_Custom_4","DisplayName":"Joined At","DataType":"DateTime"}]}`

// TestActivityOperations walks every activity operation's success and
// error shapes, in order, against golden files.
func TestActivityOperations(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		vars := map[string]string{}
		vars["lead"] = e.createLead(`[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"EmailAddress","Value":"ann@example.com"}]`)
		steps := []step{
			{name: "act_types_get", method: "GET", path: "ProspectActivity.svc/ActivityTypes.Get", status: 200},
			{name: "act_create_type", method: "POST", path: "ProspectActivity.svc/CreateType", body: webinarType, status: 200, save: map[string]string{"code": "Message.Id"}},
			{name: "act_create_type_second", method: "POST", path: "ProspectActivity.svc/CreateType", body: `{"ActivityEventName":"Demo Requested","Score":-3,"Direction":1}`, status: 200},
			{name: "act_create_type_duplicate", method: "POST", path: "ProspectActivity.svc/CreateType", body: `{"ActivityEventName":"webinar attended"}`, status: 500},
			{name: "act_create_type_system_name", method: "POST", path: "ProspectActivity.svc/CreateType", body: `{"ActivityEventName":"Lead Capture"}`, status: 500},
			{name: "act_create_type_no_name", method: "POST", path: "ProspectActivity.svc/CreateType", body: `{"Score":1}`, status: 500},
			{name: "act_create_type_empty", method: "POST", path: "ProspectActivity.svc/CreateType", status: 500},
			{name: "act_create_type_bad_field", method: "POST", path: "ProspectActivity.svc/CreateType", body: `{"ActivityEventName":"X","Fields":[{"SchemaName":"mx_Custom_51"}]}`, status: 500},
			{name: "act_create_type_bad_datatype", method: "POST", path: "ProspectActivity.svc/CreateType", body: `{"ActivityEventName":"X","Fields":[{"SchemaName":"mx_Custom_1","DataType":"Blob"}]}`, status: 500},
			{name: "act_create_type_dropdown_no_options", method: "POST", path: "ProspectActivity.svc/CreateType", body: `{"ActivityEventName":"X","Fields":[{"SchemaName":"mx_Custom_1","DataType":"Dropdown"}]}`, status: 500},
			{name: "act_create_type_bad_direction", method: "POST", path: "ProspectActivity.svc/CreateType", body: `{"ActivityEventName":"X","Direction":3}`, status: 500},
			{name: "act_setting", method: "GET", path: "ProspectActivity.svc/CustomActivity/GetActivitySetting?code={code}", status: 200, save: map[string]string{"typeid": "ID"}},
			{name: "act_setting_unknown", method: "GET", path: "ProspectActivity.svc/CustomActivity/GetActivitySetting?code=999", status: 500},
			{name: "act_setting_system", method: "GET", path: "ProspectActivity.svc/CustomActivity/GetActivitySetting?code=22", status: 200},
			{name: "act_type_update", method: "POST", path: "ProspectActivity.svc/CustomActivityType/Update",
				body: `{"ID":"{typeid}","Score":7,"EventDirection":0,"Fields":[{"SchemaName":"mx_Custom_5","DisplayName":"Host","DataType":"String"}]}`, status: 200},
			{name: "act_type_update_unknown", method: "POST", path: "ProspectActivity.svc/CustomActivityType/Update", body: `{"ID":"01a21183-0000-7000-8000-000000000000","Score":1}`, status: 500},
			{name: "act_types_get_after", method: "GET", path: "ProspectActivity.svc/ActivityTypes.Get", status: 200},

			{name: "act_create", method: "POST", path: "ProspectActivity.svc/Create", status: 200, save: map[string]string{"act": "Message.Id"},
				body: `{"RelatedProspectId":"{lead}","ActivityEvent":{code},"ActivityNote":"first","ActivityDateTime":"2024-01-02 10:00:00",
				"Fields":[{"SchemaName":"mx_Custom_1","Value":"Go"},{"SchemaName":"mx_Custom_2","Value":45},{"SchemaName":"mx_Custom_3","Value":"good"},{"SchemaName":"mx_Custom_4","Value":"2024-01-02 09:00:00"},{"SchemaName":"Status","Value":"Active"}]}`},
			{name: "act_create_score", method: "POST", path: "ProspectActivity.svc/Create", status: 200,
				body: `{"RelatedProspectId":"{lead}","ActivityEvent":"{code}","IncludeLeadScore":true,"ActivityDateTime":"2024-01-03 10:00:00","Fields":[{"SchemaName":"mx_Custom_1","Value":"Rust"}]}`},
			{name: "act_create_call", method: "POST", path: "ProspectActivity.svc/Create", status: 200,
				body: `{"RelatedProspectId":"{lead}","ActivityEvent":22,"ActivityNote":"Caller{=}Ann","ActivityDateTime":"2023-12-31 08:00:00"}`},
			{name: "act_create_by_email_new_lead", method: "POST", path: "ProspectActivity.svc/Create", status: 200, save: map[string]string{"act2": "Message.Id"},
				body: `{"EmailAddress":"bob@example.com","FirstName":"Bob","ActivityEvent":{code},"Fields":[{"SchemaName":"mx_Custom_1","Value":"SQL"}]}`},
			{name: "act_create_by_email_existing", method: "POST", path: "ProspectActivity.svc/Create", status: 200,
				body: `{"EmailAddress":"ANN@example.com","FirstName":"Changed","ActivityEvent":21}`},
			{name: "act_create_no_code", method: "POST", path: "ProspectActivity.svc/Create", body: `{"RelatedProspectId":"{lead}"}`, status: 500},
			{name: "act_create_unknown_code", method: "POST", path: "ProspectActivity.svc/Create", body: `{"RelatedProspectId":"{lead}","ActivityEvent":150}`, status: 500},
			{name: "act_create_code_text", method: "POST", path: "ProspectActivity.svc/Create", body: `{"RelatedProspectId":"{lead}","ActivityEvent":"abc"}`, status: 500},
			{name: "act_create_missing_mandatory", method: "POST", path: "ProspectActivity.svc/Create", body: `{"RelatedProspectId":"{lead}","ActivityEvent":{code}}`, status: 500},
			{name: "act_create_unknown_field", method: "POST", path: "ProspectActivity.svc/Create", body: `{"RelatedProspectId":"{lead}","ActivityEvent":{code},"Fields":[{"SchemaName":"mx_Custom_1","Value":"x"},{"SchemaName":"mx_Custom_9","Value":"x"}]}`, status: 500},
			{name: "act_create_bad_number", method: "POST", path: "ProspectActivity.svc/Create", body: `{"RelatedProspectId":"{lead}","ActivityEvent":{code},"Fields":[{"SchemaName":"mx_Custom_1","Value":"x"},{"SchemaName":"mx_Custom_2","Value":"lots"}]}`, status: 500},
			{name: "act_create_bad_option", method: "POST", path: "ProspectActivity.svc/Create", body: `{"RelatedProspectId":"{lead}","ActivityEvent":{code},"Fields":[{"SchemaName":"mx_Custom_1","Value":"x"},{"SchemaName":"mx_Custom_3","Value":"Meh"}]}`, status: 500},
			{name: "act_create_bad_field_date", method: "POST", path: "ProspectActivity.svc/Create", body: `{"RelatedProspectId":"{lead}","ActivityEvent":{code},"Fields":[{"SchemaName":"mx_Custom_1","Value":"x"},{"SchemaName":"mx_Custom_4","Value":"2024-01-02T09:00:00"}]}`, status: 500},
			{name: "act_create_bad_date", method: "POST", path: "ProspectActivity.svc/Create", body: `{"RelatedProspectId":"{lead}","ActivityEvent":21,"ActivityDateTime":"2024-01-02 10:00:00.000"}`, status: 500},
			{name: "act_create_bad_owner", method: "POST", path: "ProspectActivity.svc/Create", body: `{"RelatedProspectId":"{lead}","ActivityEvent":21,"Fields":[{"SchemaName":"Owner","Value":"01a21183-0000-7000-8000-000000000000"}]}`, status: 500},
			{name: "act_create_unknown_lead", method: "POST", path: "ProspectActivity.svc/Create", body: `{"RelatedProspectId":"01a21183-0000-7000-8000-000000000000","ActivityEvent":21}`, status: 500},
			{name: "act_create_no_lead", method: "POST", path: "ProspectActivity.svc/Create", body: `{"ActivityEvent":21}`, status: 500},
			{name: "act_create_array", method: "POST", path: "ProspectActivity.svc/Create", body: `[{"ActivityEvent":21}]`, status: 400},
			{name: "act_create_fields_object", method: "POST", path: "ProspectActivity.svc/Create", body: `{"ActivityEvent":21,"Fields":{"a":1}}`, status: 400},

			{name: "act_create_custom_new", method: "POST", path: "ProspectActivity.svc/CreateCustom", status: 200,
				body: `{"LeadDetails":[{"Attribute":"EmailAddress","Value":"cy@example.com"},{"Attribute":"FirstName","Value":"Cy"},{"Attribute":"SearchBy","Value":"EmailAddress"}],
				"Activity":{"ActivityEvent":{code},"ActivityNote":"n","Fields":[{"SchemaName":"mx_Custom_1","Value":"K8s"}]}}`},
			{name: "act_create_custom_update", method: "POST", path: "ProspectActivity.svc/CreateCustom", status: 200,
				body: `{"LeadDetails":[{"Attribute":"EmailAddress","Value":"cy@example.com"},{"Attribute":"Company","Value":"Acme"}],"Activity":{"ActivityEvent":21}}`},
			{name: "act_create_custom_bad_searchby", method: "POST", path: "ProspectActivity.svc/CreateCustom", status: 500,
				body: `{"LeadDetails":[{"Attribute":"FirstName","Value":"Cy"},{"Attribute":"SearchBy","Value":"FirstName"}],"Activity":{"ActivityEvent":21}}`},
			{name: "act_create_custom_bad_activity", method: "POST", path: "ProspectActivity.svc/CreateCustom", status: 500,
				body: `{"LeadDetails":[{"Attribute":"EmailAddress","Value":"dee@example.com"}],"Activity":{"ActivityEvent":{code}}}`},
			{name: "act_create_custom_no_activity", method: "POST", path: "ProspectActivity.svc/CreateCustom", status: 500,
				body: `{"LeadDetails":[{"Attribute":"EmailAddress","Value":"dee@example.com"}]}`},

			{name: "act_bulk_by_lead_id", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId", status: 200,
				body: `[{"RelatedProspectId":"{lead}","ActivityEvent":{code},"Fields":[{"SchemaName":"mx_Custom_1","Value":"A"}]},
				        {"RelatedProspectId":"01a21183-0000-7000-8000-000000000000","ActivityEvent":{code},"Fields":[{"SchemaName":"mx_Custom_1","Value":"B"}]},
				        {"RelatedProspectId":"{lead}","ActivityEvent":{code}},
				        {"ActivityEvent":21},
				        {"RelatedProspectId":"{lead}","ActivityEvent":999},
				        {"RelatedProspectId":"{lead}","ActivityEvent":21,"ActivityOwnerEmail":"nobody@example.com"},
				        {"RelatedProspectId":"{lead}","ActivityEvent":21,"ActivityOwnerEmail":"ADMIN@sandbox.localsquared.dev"}]`},
			{name: "act_bulk_by_field", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadField?searchBy=EmailAddress", status: 200,
				body: `[{"SearchByValue":"ann@example.com","ActivityEvent":21},{"SearchByValue":"none@example.com","ActivityEvent":21},{"ActivityEvent":21}]`},
			{name: "act_bulk_by_field_bad_searchby", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadField?searchBy=Company", status: 500,
				body: `[{"SearchByValue":"x","ActivityEvent":21}]`},
			{name: "act_bulk_by_field_no_searchby", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadField", status: 500, body: `[]`},
			{name: "act_bulk_over_cap", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId", status: 500,
				body: "[" + strings.TrimSuffix(strings.Repeat(`{"RelatedProspectId":"{lead}","ActivityEvent":21},`, 26), ",") + "]"},
			{name: "act_bulk_object", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId", status: 400, body: `{"ActivityEvent":21}`},
			{name: "act_bulk_by_opportunity", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByOpportunityId?opportunityId=01a21183-0000-7000-8000-000000000000", status: 200,
				body: `[{"ActivityEvent":12000,"ActivityOwnerEmail":"admin@sandbox.localsquared.dev","ActivityNote":"n","Fields":[{"SchemaName":"mx_Custom_1","Value":"x"}]},
				        {"ActivityEvent":{code},"ActivityOwnerEmail":"nobody@example.com","ActivityDateTime":"2024-01-02 10:00:00"},
				        {"ActivityEvent":12000},
				        {"ActivityOwnerEmail":"admin@sandbox.localsquared.dev"},
				        {"ActivityEvent":"abc","ActivityOwnerEmail":"admin@sandbox.localsquared.dev"},
				        {"ActivityEvent":12000,"ActivityOwnerEmail":"admin@sandbox.localsquared.dev","ActivityDateTime":"2024-01-02T10:00:00Z"}]`},
			{name: "act_bulk_by_opportunity_empty", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByOpportunityId?OpportunityId=x", status: 200, body: `[]`},
			{name: "act_bulk_by_opportunity_no_id", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByOpportunityId", status: 500,
				body: `[{"ActivityEvent":12000,"ActivityOwnerEmail":"admin@sandbox.localsquared.dev"}]`},
			{name: "act_bulk_by_opportunity_over_cap", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByOpportunityId?opportunityId=01a21183-0000-7000-8000-000000000000", status: 500,
				body: "[" + strings.TrimSuffix(strings.Repeat(`{"ActivityEvent":12000,"ActivityOwnerEmail":"admin@sandbox.localsquared.dev"},`, 26), ",") + "]"},
			{name: "act_bulk_by_opportunity_object", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByOpportunityId?opportunityId=01a21183-0000-7000-8000-000000000000", status: 400,
				body: `{"ActivityEvent":12000,"ActivityOwnerEmail":"admin@sandbox.localsquared.dev"}`},
			{name: "act_bulk_by_opportunity_fields_shape", method: "POST", path: "ProspectActivity.svc/Bulk/CustomActivity/Add/ByOpportunityId?opportunityId=01a21183-0000-7000-8000-000000000000", status: 400,
				body: `[{"ActivityEvent":12000,"ActivityOwnerEmail":"admin@sandbox.localsquared.dev","Fields":{"SchemaName":"mx_Custom_1"}}]`},

			{name: "act_update", method: "POST", path: "ProspectActivity.svc/CustomActivity/Update", status: 200,
				body: `{"ProspectActivityId":"{act}","ActivityEvent":{code},"ActivityNote":"edited","Fields":[{"SchemaName":"mx_Custom_2","Value":"50"},{"SchemaName":"Status","Value":"Done"}]}`},
			{name: "act_update_wrong_code", method: "POST", path: "ProspectActivity.svc/CustomActivity/Update", status: 500,
				body: `{"ProspectActivityId":"{act}","ActivityEvent":21,"ActivityNote":"x"}`},
			{name: "act_update_clear_mandatory", method: "POST", path: "ProspectActivity.svc/CustomActivity/Update", status: 500,
				body: `{"ProspectActivityId":"{act}","Fields":[{"SchemaName":"mx_Custom_1","Value":""}]}`},
			{name: "act_update_unknown", method: "POST", path: "ProspectActivity.svc/CustomActivity/Update", status: 500,
				body: `{"ProspectActivityId":"01a21183-0000-7000-8000-000000000000","ActivityNote":"x"}`},
			{name: "act_update_no_id", method: "POST", path: "ProspectActivity.svc/CustomActivity/Update", status: 500, body: `{"ActivityNote":"x"}`},
			{name: "act_details", method: "GET", path: "ProspectActivity.svc/GetActivityDetails?activityId={act}", status: 200},
			{name: "act_details_unknown", method: "GET", path: "ProspectActivity.svc/GetActivityDetails?activityId=01a21183-0000-7000-8000-000000000000", status: 500},
			{name: "act_details_missing_id", method: "GET", path: "ProspectActivity.svc/GetActivityDetails", status: 500},
			{name: "act_retrieve", method: "POST", path: "ProspectActivity.svc/Retrieve?leadId={lead}", status: 200,
				body: `{"Parameter":{"ActivityEvent":{code}},"Paging":{"Offset":"0","RowCount":"2"}}`},
			{name: "act_retrieve_all", method: "POST", path: "ProspectActivity.svc/Retrieve?leadId={lead}", status: 200},
			{name: "act_retrieve_unknown_lead", method: "POST", path: "ProspectActivity.svc/Retrieve?leadId=01a21183-0000-7000-8000-000000000000", status: 200, body: `{}`},
			{name: "act_retrieve_over_cap", method: "POST", path: "ProspectActivity.svc/Retrieve?leadId={lead}", status: 500, body: `{"Paging":{"Offset":0,"RowCount":1001}}`},
			{name: "act_retrieve_no_lead", method: "POST", path: "ProspectActivity.svc/Retrieve", status: 500, body: `{}`},
			{name: "act_by_event", method: "POST", path: "ProspectActivity.svc/CustomActivity/RetrieveByActivityEvent", status: 200,
				body: `{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2100-01-01 00:00:00","ActivityEvent":{code},"RemoveEmptyValue":true},"Paging":{"PageIndex":1,"PageSize":2},"Sorting":{"ColumnName":"CreatedOn","Direction":0}}`},
			{name: "act_by_event_no_event", method: "POST", path: "ProspectActivity.svc/CustomActivity/RetrieveByActivityEvent", status: 500,
				body: `{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2100-01-01 00:00:00"}}`},
			{name: "act_by_event_page_cap", method: "POST", path: "ProspectActivity.svc/CustomActivity/RetrieveByActivityEvent", status: 500,
				body: `{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2100-01-01 00:00:00","ActivityEvent":{code}},"Paging":{"PageIndex":1,"PageSize":1001}}`},
			{name: "act_by_event_no_parameter", method: "POST", path: "ProspectActivity.svc/CustomActivity/RetrieveByActivityEvent", status: 500, body: `{}`},
			{name: "act_by_event_bad_date", method: "POST", path: "ProspectActivity.svc/CustomActivity/RetrieveByActivityEvent", status: 500,
				body: `{"Parameter":{"FromDate":"2000-01-01","ToDate":"2100-01-01 00:00:00","ActivityEvent":{code}}}`},
			{name: "act_recent", method: "POST", path: "ProspectActivity.svc/RetrieveRecentlyModified", status: 200,
				body: `{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2100-01-01 00:00:00"},"Paging":{"PageIndex":2,"PageSize":3},"Sorting":{"ColumnName":"ModifiedOn","Direction":"1"}}`},
			{name: "act_recent_bad_sort", method: "POST", path: "ProspectActivity.svc/RetrieveRecentlyModified", status: 500,
				body: `{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2100-01-01 00:00:00"},"Sorting":{"ColumnName":"Nope"}}`},
			{name: "act_changes", method: "POST", path: "ProspectActivity.svc/RetrieveActivityChange", status: 200,
				body: `{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2100-01-01 00:00:00","ActivityEvents":["{code}"]}}`},
			{name: "act_changes_by_id", method: "POST", path: "ProspectActivity.svc/RetrieveActivityChange", status: 200,
				body: `{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2100-01-01 00:00:00","ActivityID":"{act}"},"Paging":{"PageIndex":1,"PageSize":1}}`},
			{name: "act_changes_both", method: "POST", path: "ProspectActivity.svc/RetrieveActivityChange", status: 500,
				body: `{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2100-01-01 00:00:00","ActivityID":"{act}","ActivityEvents":"{code}"}}`},
			{name: "act_changes_no_dates", method: "POST", path: "ProspectActivity.svc/RetrieveActivityChange", status: 500,
				body: `{"Parameter":{"ActivityID":"{act}"}}`},
			{name: "act_lock", method: "GET", path: "ProspectActivity.svc/CustomActivity/Lock?activityId={act}", status: 200},
			{name: "act_update_locked", method: "POST", path: "ProspectActivity.svc/CustomActivity/Update", status: 500,
				body: `{"ProspectActivityId":"{act}","ActivityNote":"again"}`},
			{name: "act_lock_unknown", method: "GET", path: "ProspectActivity.svc/CustomActivity/Lock?activityId=nope", status: 500},
			{name: "act_lead_after_posts", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={lead}", status: 200},
			{name: "act_delete", method: "POST", path: "ProspectActivity.svc/DeleteActivities", status: 200,
				body: `{"ProspectId":"{lead}","ActivityEventList":["{code}"],"FromDate":"2000-01-01 00:00:00","ToDate":"2100-01-01 00:00:00"}`},
			{name: "act_delete_system", method: "POST", path: "ProspectActivity.svc/DeleteActivities", status: 500,
				body: `{"ProspectId":"{lead}","ActivityEventList":["21"]}`},
			{name: "act_delete_unknown_lead", method: "POST", path: "ProspectActivity.svc/DeleteActivities", status: 500,
				body: `{"ProspectId":"01a21183-0000-7000-8000-000000000000","ActivityEventList":["{code}"]}`},
			{name: "act_delete_no_list", method: "POST", path: "ProspectActivity.svc/DeleteActivities", status: 500, body: `{"ProspectId":"{lead}"}`},
			{name: "act_lead_after_delete", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={lead}", status: 200},
			{name: "act_retrieve_after_delete", method: "POST", path: "ProspectActivity.svc/Retrieve?leadId={lead}", status: 200, body: `{"Paging":{"Offset":0,"RowCount":100}}`},
		}
		e.run(t, vars, steps)
	})
}

// leadScores reads Score and EngagementScore of a lead.
func (e *env) leadScores(t *testing.T, id string) (string, string) {
	t.Helper()
	r := e.v2("GET", "LeadManagement.svc/Leads.GetById?id="+id, "")
	var leads []map[string]any
	if err := json.Unmarshal(r.body, &leads); err != nil || len(leads) != 1 {
		t.Fatalf("GetById: %d %s", r.status, r.body)
	}
	return fmt.Sprint(leads[0]["Score"]), fmt.Sprint(leads[0]["EngagementScore"])
}

// TestActivityScoring: posts add their type's score, deletes take it back,
// outbound and negative types do not count towards engagement, and N
// concurrent posts on one lead lose nothing.
func TestActivityScoring(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"FirstName","Value":"Sc"}]`)
		mk := func(body string) string {
			r := e.v2("POST", "ProspectActivity.svc/CreateType", body)
			if r.status != 200 {
				t.Fatalf("CreateType: %s", r.body)
			}
			return jsonPath(t, r.body, "Message.Id")
		}
		in := mk(`{"ActivityEventName":"In","Score":5}`)
		out := mk(`{"ActivityEventName":"Out","Score":3,"Direction":1}`)
		neg := mk(`{"ActivityEventName":"Neg","Score":-2}`)
		post := func(code string) int {
			r := e.v2("POST", "ProspectActivity.svc/Create", `{"RelatedProspectId":"`+lead+`","ActivityEvent":`+code+`}`)
			return r.status
		}
		post(in)
		post(out)
		post(neg)
		if s, eng := e.leadScores(t, lead); s != "6" || eng != "5" {
			t.Errorf("after in+out+neg: Score %s EngagementScore %s, want 6 and 5", s, eng)
		}
		const n = 40
		var wg sync.WaitGroup
		fails := make(chan int, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if st := post(in); st != 200 {
					fails <- st
				}
			}()
		}
		wg.Wait()
		close(fails)
		for st := range fails {
			t.Errorf("concurrent post: status %d", st)
		}
		if s, eng := e.leadScores(t, lead); s != fmt.Sprint(6+5*n) || eng != fmt.Sprint(5+5*n) {
			t.Errorf("after %d concurrent posts: Score %s EngagementScore %s", n, s, eng)
		}
		r := e.v2("POST", "ProspectActivity.svc/DeleteActivities", `{"ProspectId":"`+lead+`","ActivityEventList":["`+in+`","`+neg+`"]}`)
		if r.status != 200 {
			t.Fatalf("delete: %s", r.body)
		}
		if s, eng := e.leadScores(t, lead); s != "3" || eng != "0" {
			t.Errorf("after deletes: Score %s EngagementScore %s, want 3 and 0", s, eng)
		}
		r = e.v2("POST", "ProspectActivity.svc/Retrieve?leadId="+lead, "")
		if got := jsonPath(t, r.body, "RecordCount"); got != "1" {
			t.Errorf("left after delete: %s", got)
		}
	})
}

// newOrgKeys makes org name with an administrator and returns its key
// headers.
func (e *env) newOrgKeys(t *testing.T, name string) map[string]string {
	t.Helper()
	r := e.admin("POST", "/orgs", `{"name":"`+name+`"}`)
	var org struct{ ID int64 }
	json.Unmarshal(r.body, &org)
	return e.userKeys(t, org.ID, "admin@"+strings.ToLower(name)+".example.com", "Administrator")
}

// userKeys adds a user to org and returns its key headers.
func (e *env) userKeys(t *testing.T, org int64, email, role string) map[string]string {
	t.Helper()
	r := e.admin("POST", "/orgs/"+itoa(org)+"/users", `{"email":"`+email+`","firstName":"U","role":"`+role+`"}`)
	var user struct{ ID string }
	json.Unmarshal(r.body, &user)
	r = e.admin("POST", "/orgs/"+itoa(org)+"/users/"+user.ID+"/keys", "")
	var key struct{ AccessKey, SecretKey string }
	if err := json.Unmarshal(r.body, &key); err != nil || key.SecretKey == "" {
		t.Fatalf("create key: %d %s", r.status, r.body)
	}
	return map[string]string{"X-LSQ-AccessKey": key.AccessKey, "X-LSQ-SecretKey": key.SecretKey, "Content-Type": "application/json", "X-User-Id": user.ID}
}

// TestActivityTenantIsolation: org B's keys cannot read, change, delete or
// list org A's activities or types, by id or by any search.
func TestActivityTenantIsolation(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"EmailAddress","Value":"iso@example.com"}]`)
		r := e.v2("POST", "ProspectActivity.svc/CreateType", `{"ActivityEventName":"Iso","Score":4}`)
		code := jsonPath(t, r.body, "Message.Id")
		typeID := jsonPath(t, e.v2("GET", "ProspectActivity.svc/CustomActivity/GetActivitySetting?code="+code, "").body, "ID")
		r = e.v2("POST", "ProspectActivity.svc/Create", `{"RelatedProspectId":"`+lead+`","ActivityEvent":`+code+`,"ActivityNote":"a"}`)
		act := jsonPath(t, r.body, "Message.Id")
		e.v2("POST", "ProspectActivity.svc/CustomActivity/Update", `{"ProspectActivityId":"`+act+`","ActivityNote":"b"}`)
		before := string(e.v2("POST", "ProspectActivity.svc/Retrieve?leadId="+lead, "").body)
		b := e.newOrgKeys(t, "B")
		window := `{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2100-01-01 00:00:00","ActivityEvent":` + code + `,"ActivityID":"` + act + `"}}`
		for _, c := range []struct{ method, path, body, want string }{
			{"GET", "ProspectActivity.svc/GetActivityDetails?activityId=" + act, "", "MXUnknownProspectActivityException"},
			{"POST", "ProspectActivity.svc/Retrieve?leadId=" + lead, "", `{"RecordCount":0,"ProspectActivities":[]}`},
			{"POST", "ProspectActivity.svc/CustomActivity/Update", `{"ProspectActivityId":"` + act + `","ActivityNote":"x"}`, "MXUnknownProspectActivityException"},
			{"GET", "ProspectActivity.svc/CustomActivity/Lock?activityId=" + act, "", "MXUnknownProspectActivityException"},
			{"POST", "ProspectActivity.svc/DeleteActivities", `{"ProspectId":"` + lead + `","ActivityEventList":["` + code + `"]}`, "MXInvalidEntityException"},
			{"POST", "ProspectActivity.svc/Create", `{"RelatedProspectId":"` + lead + `","ActivityEvent":21}`, "MXInvalidEntityException"},
			{"POST", "ProspectActivity.svc/Create", `{"EmailAddress":"iso@example.com","ActivityEvent":21}`, `"Status":"Success"`},
			{"POST", "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId", `[{"RelatedProspectId":"` + lead + `","ActivityEvent":21}]`, "MXInvalidEntityException"},
			{"GET", "ProspectActivity.svc/CustomActivity/GetActivitySetting?code=" + code, "", "MXInvalidActivityException"},
			{"POST", "ProspectActivity.svc/CustomActivityType/Update", `{"ID":"` + typeID + `","Score":100}`, "MXInvalidInputException"},
			{"POST", "ProspectActivity.svc/RetrieveRecentlyModified", window, `"RecordCount":1,`}, // B's own call-type post above
			{"POST", "ProspectActivity.svc/CustomActivity/RetrieveByActivityEvent", window, `{"RecordCount":0,"List":[]}`},
			{"POST", "ProspectActivity.svc/RetrieveActivityChange", strings.Replace(window, `"ActivityEvent":`+code+`,`, "", 1), `{"RecordCount":0,"Activities":[]}`},
		} {
			r := e.do(c.method, "/v2/"+c.path, b, c.body)
			if !strings.Contains(string(r.body), c.want) {
				t.Errorf("org B %s: %d %s, want %s", c.path, r.status, r.body, c.want)
			}
		}
		if r := e.do("GET", "/v2/ProspectActivity.svc/ActivityTypes.Get", b, ""); strings.Contains(string(r.body), `"Iso"`) {
			t.Error("org B lists org A's type")
		}
		if after := string(e.v2("POST", "ProspectActivity.svc/Retrieve?leadId="+lead, "").body); after != before {
			t.Errorf("org A's activities changed:\n%s\n%s", before, after)
		}
		if s, _ := e.leadScores(t, lead); s != "4" {
			t.Errorf("org A's score = %s", s)
		}
	})
}

// TestOwnerStageTrail: changing a lead's owner or stage through Lead.Update
// and CreateCustom posts activities 3001 and 3002 with old and new values;
// a write that changes neither posts nothing.
func TestOwnerStageTrail(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		other := e.userKeys(t, int64(e.creds.OrgID), "sam@example.com", "Sales_User")
		lead := e.createLead(`[{"Attribute":"FirstName","Value":"Tr"},{"Attribute":"EmailAddress","Value":"tr@example.com"}]`)
		vars := map[string]string{"lead": lead, "sam": other["X-User-Id"], "admin": e.creds.UserID}
		e.run(t, vars, []step{
			{name: "trail_update_owner_stage", method: "POST", path: "LeadManagement.svc/Lead.Update?leadId={lead}", status: 200,
				body: `[{"Attribute":"OwnerId","Value":"{sam}"},{"Attribute":"ProspectStage","Value":"Opportunity"}]`},
			{name: "trail_update_nothing", method: "POST", path: "LeadManagement.svc/Lead.Update?leadId={lead}", status: 200,
				body: `[{"Attribute":"Company","Value":"Acme"}]`},
			{name: "trail_capture_stage", method: "POST", path: "ProspectActivity.svc/CreateCustom", status: 200,
				body: `{"LeadDetails":[{"Attribute":"EmailAddress","Value":"tr@example.com"},{"Attribute":"ProspectStage","Value":"Customer"},{"Attribute":"OwnerId","Value":"{admin}"}],"Activity":{"ActivityEvent":21}}`},
			{name: "trail_retrieve", method: "POST", path: "ProspectActivity.svc/Retrieve?leadId={lead}", status: 200},
		})
		r := e.v2("POST", "ProspectActivity.svc/Retrieve?leadId="+lead, "")
		var out struct {
			RecordCount        int
			ProspectActivities []struct {
				EventCode int
				Data      []struct{ Key, Value string }
			}
		}
		json.Unmarshal(r.body, &out)
		got := []string{}
		for _, a := range out.ProspectActivities {
			s := fmt.Sprint(a.EventCode)
			for _, kv := range a.Data {
				s += " " + kv.Key + "=" + kv.Value
			}
			got = append(got, s)
		}
		want := []string{ // newest first
			"21",
			"3002 PreviousStage=Opportunity CurrentStage=Customer CreatedBy=Sandbox Admin Comment=",
			"3001 PreviousOwner=U (sam@example.com) CurrentOwner=Sandbox Admin (admin@sandbox.localsquared.dev)",
			"3002 PreviousStage=Prospect CurrentStage=Opportunity CreatedBy=Sandbox Admin Comment=",
			"3001 PreviousOwner=Sandbox Admin (admin@sandbox.localsquared.dev) CurrentOwner=U (sam@example.com)",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("trail:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// TestCreateCustomSearchBy: CreateCustom finds the lead by any unique
// field, ProspectId included, and refuses a SearchBy that is not one
// before looking for its value, creating nothing.
func TestCreateCustomSearchBy(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"FirstName","Value":"Cc"},{"Attribute":"EmailAddress","Value":"cc@example.com"}]`)
		r := e.v2("POST", "ProspectActivity.svc/CreateCustom", `{"LeadDetails":[{"Attribute":"ProspectID","Value":"`+strings.ToUpper(lead)+`"},
			{"Attribute":"Company","Value":"Found"},{"Attribute":"SearchBy","Value":"ProspectId"}],"Activity":{"ActivityEvent":21}}`)
		if r.status != 200 || jsonPath(t, r.body, "Message.RelatedProspectId") != lead || jsonPath(t, r.body, "Message.IsCreated") != "false" {
			t.Errorf("by ProspectId: %d %s", r.status, r.body)
		}
		if r := e.v2("GET", "LeadManagement.svc/Leads.GetById?id="+lead, ""); !strings.Contains(string(r.body), `"Company":"Found"`) {
			t.Errorf("lead not updated: %s", r.body)
		}
		for _, by := range []string{"Company", "mx_Nope", "emailaddress"} {
			r := e.v2("POST", "ProspectActivity.svc/CreateCustom", `{"LeadDetails":[{"Attribute":"EmailAddress","Value":"new@example.com"},
				{"Attribute":"SearchBy","Value":"`+by+`"}],"Activity":{"ActivityEvent":21}}`)
			if r.status != 500 || exceptionType(r.body) != "MXInvalidInputException" {
				t.Errorf("SearchBy %s: %d %s", by, r.status, r.body)
			}
		}
		if n, err := e.srv.Store.LeadCount(t.Context(), e.creds.OrgID); err != nil || n != 1 {
			t.Errorf("leads = %d (%v), want 1", n, err)
		}
	})
}

// TestActivityPageTotals: Retrieve?leadId= reports the lead's total
// whatever the page: full, partial, empty past the end, of one type, or
// of an unknown lead.
func TestActivityPageTotals(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"FirstName","Value":"Pages"}]`)
		r := e.v2("POST", "ProspectActivity.svc/CreateType", `{"ActivityEventName":"Paged"}`)
		code := jsonPath(t, r.body, "Message.Id")
		var rows []string
		for i := 0; i < 7; i++ {
			c := code
			if i%3 == 0 {
				c = "22"
			}
			rows = append(rows, fmt.Sprintf(`{"RelatedProspectId":"%s","ActivityEvent":%s,"ActivityDateTime":"2024-01-0%d 10:00:00"}`, lead, c, i+1))
		}
		if r := e.v2("POST", "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId", "["+strings.Join(rows, ",")+"]"); r.status != 200 {
			t.Fatalf("bulk: %s", r.body)
		}
		for _, tc := range []struct {
			lead, body   string
			total, count int
		}{
			{lead, ``, 7, 7},
			{lead, `{"Paging":{"Offset":0,"RowCount":7}}`, 7, 7},
			{lead, `{"Paging":{"Offset":0,"RowCount":3}}`, 7, 3},
			{lead, `{"Paging":{"Offset":6,"RowCount":3}}`, 7, 1},
			{lead, `{"Paging":{"Offset":4,"RowCount":3}}`, 7, 3},
			{lead, `{"Paging":{"Offset":7,"RowCount":3}}`, 7, 0},
			{lead, `{"Paging":{"Offset":50,"RowCount":3}}`, 7, 0},
			{lead, `{"Parameter":{"ActivityEvent":` + code + `},"Paging":{"Offset":2,"RowCount":10}}`, 4, 2},
			{lead, `{"Parameter":{"ActivityEvent":22},"Paging":{"Offset":0,"RowCount":3}}`, 3, 3},
			{"00000000-0000-7000-8000-000000000000", ``, 0, 0},
			{"00000000-0000-7000-8000-000000000000", `{"Paging":{"Offset":5,"RowCount":3}}`, 0, 0},
		} {
			r := e.v2("POST", "ProspectActivity.svc/Retrieve?leadId="+tc.lead, tc.body)
			var page struct {
				RecordCount        int
				ProspectActivities []struct{ CreatedOn string }
			}
			if err := json.Unmarshal(r.body, &page); err != nil || r.status != 200 {
				t.Fatalf("%s: %d %s", tc.body, r.status, r.body)
			}
			if page.RecordCount != tc.total || len(page.ProspectActivities) != tc.count {
				t.Errorf("%s: RecordCount %d with %d records, want %d with %d", tc.body, page.RecordCount, len(page.ProspectActivities), tc.total, tc.count)
			}
		}
	})
}

// TestBulkActivitiesByOpportunity: with no opportunity in existence, a
// full call of 25 rows answers one MXInvalidEntityException row each, in
// order, writes nothing, and counts against the bulk bucket.
func TestBulkActivitiesByOpportunity(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, withClock(newTestClock(time.Date(2026, 3, 1, 10, 0, 1, 0, time.UTC))))
			lead := e.createLead(`[{"Attribute":"FirstName","Value":"Op"}]`)
			if r := e.v2("POST", "ProspectActivity.svc/Create", `{"RelatedProspectId":"`+lead+`","ActivityEvent":21}`); r.status != 200 {
				t.Fatalf("post: %s", r.body)
			}
			recent := func() string {
				r := e.v2("POST", "ProspectActivity.svc/RetrieveRecentlyModified", `{"Parameter":{`+isoAllTime+`},"Paging":{"PageIndex":1,"PageSize":1000}}`)
				return string(r.body)
			}
			before := recent()
			e.setPlan(`{"custom":{"per5s":100,"bulkPer5s":10}}`)
			row := `{"ActivityEvent":12000,"ActivityOwnerEmail":"admin@sandbox.localsquared.dev","ActivityNote":"n","Fields":[{"SchemaName":"mx_Custom_1","Value":"x"}]}`
			r := e.v2("POST", "ProspectActivity.svc/Bulk/CustomActivity/Add/ByOpportunityId?opportunityId="+lead,
				"["+strings.TrimSuffix(strings.Repeat(row+",", 25), ",")+"]")
			var out struct {
				Response []struct {
					RowNumber                       int
					ActivityCreated                 bool
					ProspectActivityId              *string
					ExceptionType, ExceptionMessage string
				}
			}
			if err := json.Unmarshal(r.body, &out); r.status != 200 || err != nil || len(out.Response) != 25 {
				t.Fatalf("25 rows: %d %s", r.status, truncate(r.body))
			}
			for i, row := range out.Response {
				if row.RowNumber != i+1 || row.ActivityCreated || row.ProspectActivityId != nil ||
					row.ExceptionType != "MXInvalidEntityException" || row.ExceptionMessage != "Opportunity does not exist in the system" {
					t.Errorf("row %d: %+v", i+1, row)
				}
			}
			if u := e.admin("GET", "/orgs/1/usage", ""); !strings.Contains(string(u.body), `"bulk":1`) {
				t.Errorf("usage after one bulk call: %s", u.body)
			}
			if after := recent(); after != before {
				t.Errorf("activities changed:\n%s\n%s", truncate([]byte(before)), truncate([]byte(after)))
			}
			if n, err := e.srv.Store.LeadCount(t.Context(), e.creds.OrgID); err != nil || n != 1 {
				t.Errorf("leads = %d (%v)", n, err)
			}
		})
	}
}

// TestActivityTypeChangeReachesEveryInstance: activity reads keep an org's
// custom types in memory; a type changed through one server is what
// another server on the same database shows next.
func TestActivityTypeChangeReachesEveryInstance(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		cfg := server.Config{DatabaseURL: e.dbURL, Out: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if e.dbURL == "" {
			cfg.DataDir = filepath.Dir(e.srv.Store.Path())
		} else {
			cfg.DataDir = t.TempDir()
		}
		srv2, err := server.New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		hs2 := httptest.NewServer(srv2.Handler())
		t.Cleanup(func() { hs2.Close(); srv2.Close() })
		e2 := &env{t: t, srv: srv2, url: hs2.URL, creds: e.creds}

		r := e.v2("POST", "ProspectActivity.svc/CreateType", `{"ActivityEventName":"Cached","Fields":[{"SchemaName":"mx_Custom_1","DataType":"String"}]}`)
		code := jsonPath(t, r.body, "Message.Id")
		typeID := jsonPath(t, e.v2("GET", "ProspectActivity.svc/CustomActivity/GetActivitySetting?code="+code, "").body, "ID")
		lead := e.createLead(`[{"Attribute":"FirstName","Value":"Cache"}]`)
		r = e.v2("POST", "ProspectActivity.svc/Create", `{"RelatedProspectId":"`+lead+`","ActivityEvent":`+code+`,"Fields":[{"SchemaName":"mx_Custom_1","Value":"a"}]}`)
		act := jsonPath(t, r.body, "Message.Id")
		look := func(when, name string, fields int) {
			t.Helper()
			for _, x := range []*env{e, e2} {
				d := x.v2("GET", "ProspectActivity.svc/GetActivityDetails?activityId="+act, "")
				if got := jsonPath(t, d.body, "Name"); got != name {
					t.Errorf("%s: GetActivityDetails Name %q, want %q", when, got, name)
				}
				var det struct{ Fields []struct{ SchemaName string } }
				json.Unmarshal(d.body, &det)
				if len(det.Fields) != fields {
					t.Errorf("%s: GetActivityDetails has %d fields, want %d: %s", when, len(det.Fields), fields, d.body)
				}
				p := x.v2("POST", "ProspectActivity.svc/Retrieve?leadId="+lead, "")
				if got := jsonPath(t, p.body, "ProspectActivities.0.EventName"); got != name {
					t.Errorf("%s: Retrieve EventName %q, want %q", when, got, name)
				}
				s := x.v2("GET", "ProspectActivity.svc/CustomActivity/GetActivitySetting?code="+code, "")
				if got := jsonPath(t, s.body, "Name"); got != name {
					t.Errorf("%s: GetActivitySetting Name %q, want %q", when, got, name)
				}
			}
		}
		look("before the update", "Cached", 4)
		r = e.v2("POST", "ProspectActivity.svc/CustomActivityType/Update",
			`{"ID":"`+typeID+`","ActivityEventName":"Renamed","Fields":[{"SchemaName":"mx_Custom_2","DataType":"String"}]}`)
		if r.status != 200 {
			t.Fatalf("update: %s", r.body)
		}
		look("after the update", "Renamed", 5)
		// A type made on the other instance is found at once.
		r = e2.v2("POST", "ProspectActivity.svc/CreateType", `{"ActivityEventName":"Later"}`)
		code2 := jsonPath(t, r.body, "Message.Id")
		if r := e.v2("POST", "ProspectActivity.svc/Create", `{"RelatedProspectId":"`+lead+`","ActivityEvent":`+code2+`}`); r.status != 200 {
			t.Errorf("post with a type made on the other instance: %s", r.body)
		}
		if got := jsonPath(t, e.v2("GET", "ProspectActivity.svc/CustomActivity/GetActivitySetting?code="+code2, "").body, "Name"); got != "Later" {
			t.Errorf("GetActivitySetting of a type made on the other instance: %q", got)
		}
	})
}
