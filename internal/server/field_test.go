package server_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
)

var (
	wcfRE   = regexp.MustCompile(`/Date\(\d+\+0000\)/`)
	timesRE = regexp.MustCompile(`(,"createdOn":"[^"]*")?,"modifiedOn":"[^"]*"`)
)

// metaGolden compares a LeadsMetaData.Get answer with its golden file,
// WCF dates replaced.
func (e *env) metaGolden(t *testing.T, name, query string, status int) resp {
	t.Helper()
	r := e.v2("GET", "LeadManagement.svc/LeadsMetaData.Get"+query, "")
	if r.status != status {
		t.Errorf("%s: status %d, want %d: %s", name, r.status, status, truncate(r.body))
	}
	r.body = wcfRE.ReplaceAll(r.body, []byte("/Date(<ms>+0000)/"))
	golden(t, name, r)
	return r
}

func createFieldStep(name, body string, status int) step {
	return step{name: name, method: "POST", path: "LeadManagement.svc/CreateLeadField", body: body, status: status}
}

// TestLeadFieldOperations creates a custom field of every data type, walks
// CreateLeadField's errors, Options/Push, and checks LeadsMetaData.Get in
// its three forms against golden files.
func TestLeadFieldOperations(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		e.metaGolden(t, "field_meta_system", "?schemaName=Phone", 200)
		e.run(t, map[string]string{}, []step{
			createFieldStep("field_create_text", `{"DisplayName":"Account Code","DataType":"Text","IsMandatory":false,"RenderTypeTextValue":"Textbox","MaxLength":"60",
				"ShowInImport":true,"ShowInMailMerge":false,"LockAfterCreate":2,"UseInLeadClone":false,"ShowInQuickSearch":true}`, 200),
			createFieldStep("field_create_textarea", `{"DisplayName":"Long  Notes","DataType":"Text","RenderTypeTextValue":"TextArea"}`, 200),
			createFieldStep("field_create_number", `{"DisplayName":"Seats","DataType":"Number","RenderTypeTextValue":"Textbox"}`, 200),
			createFieldStep("field_create_email", `{"DisplayName":"Billing Email","DataType":"Email","RenderTypeTextValue":"Email"}`, 200),
			createFieldStep("field_create_phone", `{"DisplayName":"Office Phone","DataType":"Phone","RenderTypeTextValue":"Phone"}`, 200),
			createFieldStep("field_create_website", `{"DisplayName":"Blog","DataType":"Website","RenderTypeTextValue":"URL"}`, 200),
			createFieldStep("field_create_date", `{"DisplayName":"Renewal","DataType":"Date","RenderTypeTextValue":"Date"}`, 200),
			createFieldStep("field_create_datetime", `{"DisplayName":"Demo At","DataType":"Date","RenderTypeTextValue":"DateTime"}`, 200),
			createFieldStep("field_create_time", `{"DisplayName":"Best Time","DataType":"Time","RenderTypeTextValue":"Time"}`, 200),
			createFieldStep("field_create_select", `{"DisplayName":"Plan","DataType":"Select","RenderTypeTextValue":"Dropdown",
				"OptionsJson":"[{\"Value\":\"Silver\",\"Text\":\"Silver\",\"Order\":2},{\"Value\":\"Gold\",\"Text\":\"Gold\",\"Order\":1}]"}`, 200),
			createFieldStep("field_create_radio", `{"DisplayName":"Tier","DataType":"Select","RenderTypeTextValue":"RadioButton","OptionsJson":[{"Value":"A","Order":1}]}`, 200),
			createFieldStep("field_create_boolean", `{"DisplayName":"Partner","DataType":"Boolean","RenderTypeTextValue":"CheckBox","IsMandatory":"false"}`, 200),

			createFieldStep("field_create_bad_type", `{"DisplayName":"X","DataType":"text","RenderTypeTextValue":"Textbox"}`, 500),
			createFieldStep("field_create_bad_render", `{"DisplayName":"X","DataType":"Text","RenderTypeTextValue":"Dropdown"}`, 500),
			createFieldStep("field_create_skipped_order", `{"DisplayName":"X","DataType":"Select","RenderTypeTextValue":"Dropdown",
				"OptionsJson":"[{\"Value\":\"a\",\"Order\":1},{\"Value\":\"b\",\"Order\":3}]"}`, 500),
			createFieldStep("field_create_no_order", `{"DisplayName":"X","DataType":"Select","OptionsJson":"[{\"Value\":\"a\"}]"}`, 500),
			createFieldStep("field_create_repeated_option", `{"DisplayName":"X","DataType":"Select","OptionsJson":"[{\"Value\":\"a\",\"Order\":1},{\"Value\":\"A\",\"Order\":2}]"}`, 500),
			createFieldStep("field_create_options_not_select", `{"DisplayName":"X","DataType":"Text","OptionsJson":"[{\"Value\":\"a\",\"Order\":1}]"}`, 500),
			createFieldStep("field_create_bad_options_json", `{"DisplayName":"X","DataType":"Select","OptionsJson":"[{"}`, 500),
			createFieldStep("field_create_duplicate", `{"DisplayName":"account code","DataType":"Text"}`, 500),
			createFieldStep("field_create_bad_name", `{"DisplayName":"Code-2","DataType":"Text"}`, 500),
			createFieldStep("field_create_long_name", `{"DisplayName":"`+strings.Repeat("a", 51)+`","DataType":"Text"}`, 500),
			createFieldStep("field_create_no_name", `{"DataType":"Text"}`, 500),
			createFieldStep("field_create_bad_maxlength", `{"DisplayName":"X","DataType":"Text","MaxLength":"sixty"}`, 500),
			createFieldStep("field_create_bad_lock", `{"DisplayName":"X","DataType":"Text","LockAfterCreate":5}`, 500),
			createFieldStep("field_create_array_body", `[{"DisplayName":"X"}]`, 400),

			{name: "field_push", method: "POST", path: "LeadManagement.svc/LeadField/Dropdown/Options/Push", status: 200,
				body: `{"SchemaName":"mx_Plan","Options":["Platinum","gold","Bronze","platinum"]}`},
			{name: "field_push_nothing_new", method: "POST", path: "LeadManagement.svc/LeadField/Dropdown/Options/Push", status: 200,
				body: `{"SchemaName":"mx_Plan","Options":["SILVER"]}`},
			{name: "field_push_not_select", method: "POST", path: "LeadManagement.svc/LeadField/Dropdown/Options/Push", status: 500,
				body: `{"SchemaName":"mx_Seats","Options":["1"]}`},
			{name: "field_push_unknown", method: "POST", path: "LeadManagement.svc/LeadField/Dropdown/Options/Push", status: 500,
				body: `{"SchemaName":"mx_Nope","Options":["1"]}`},
			{name: "field_push_system", method: "POST", path: "LeadManagement.svc/LeadField/Dropdown/Options/Push", status: 500,
				body: `{"SchemaName":"Source","Options":["1"]}`},
			{name: "field_push_no_options", method: "POST", path: "LeadManagement.svc/LeadField/Dropdown/Options/Push", status: 500,
				body: `{"SchemaName":"mx_Plan","Options":[]}`},
			{name: "field_push_empty_option", method: "POST", path: "LeadManagement.svc/LeadField/Dropdown/Options/Push", status: 500,
				body: `{"SchemaName":"mx_Plan","Options":[" "]}`},
		})
		e.metaGolden(t, "field_meta_all", "", 200)
		e.metaGolden(t, "field_meta_one", "?schemaName=mx_Plan", 200)
		e.metaGolden(t, "field_meta_one_excluded", "?SCHEMANAME=mx_Plan&excludeOptionSets=1", 200)
		e.metaGolden(t, "field_meta_unknown", "?schemaName=mx_plan", 500)
		all := e.v2("GET", "LeadManagement.svc/LeadsMetaData.Get?excludeOptionSets=1", "")
		if strings.Contains(string(all.body), `"Options":[`) || !strings.Contains(string(all.body), `"SchemaName":"mx_Partner"`) {
			t.Errorf("excludeOptionSets=1 still lists options: %s", truncate(all.body))
		}

		// EntityAttributeId is stable across calls.
		one := e.v2("GET", "LeadManagement.svc/LeadsMetaData.Get?schemaName=mx_Plan", "")
		if id := jsonPath(t, one.body, "0.EntityAttributeId"); id != jsonPath(t, e.v2("GET", "LeadManagement.svc/LeadsMetaData.Get?schemaName=mx_Plan", "").body, "0.EntityAttributeId") {
			t.Errorf("EntityAttributeId changes between calls")
		}

		// A field is usable at once, and new options are accepted.
		id := e.createLead(`[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"mx_Plan","Value":"platinum"},{"Attribute":"mx_Account_Code","Value":"A-1"}]`)
		r := e.v2("GET", "LeadManagement.svc/Leads.GetById?id="+id, "")
		if !strings.Contains(string(r.body), `"mx_Plan":"Platinum"`) || !strings.Contains(string(r.body), `"mx_Long_Notes":null`) {
			t.Errorf("lead with custom fields: %s", truncate(r.body))
		}

		// Only administrators manage fields.
		su := e.userKeys(t, int64(e.creds.OrgID), "su@example.com", "Sales_User")
		want := `{"Status":"Error","ExceptionType":"MXUnAuthorizedAccessException","ExceptionMessage":"You do not have permission to perform this action"}`
		for _, c := range []struct{ path, body string }{
			{"LeadManagement.svc/CreateLeadField", `{"DisplayName":"Y","DataType":"Text"}`},
			{"LeadManagement.svc/LeadField/Dropdown/Options/Push", `{"SchemaName":"mx_Plan","Options":["Z"]}`},
		} {
			if r := e.do("POST", "/v2/"+c.path, su, c.body); r.status != 500 || string(r.body) != want {
				t.Errorf("Sales_User %s: %d %s", c.path, r.status, r.body)
			}
		}
		if r := e.do("GET", "/v2/LeadManagement.svc/LeadsMetaData.Get?schemaName=mx_Plan", su, ""); r.status != 200 {
			t.Errorf("Sales_User LeadsMetaData.Get: %d %s", r.status, r.body)
		}
	})
}

// TestCustomFieldCap: an org has at most 500 custom fields.
func TestCustomFieldCap(t *testing.T) {
	e := newEnv(t, "sqlite")
	for i := 0; i < 500; i++ {
		r := e.v2("POST", "LeadManagement.svc/CreateLeadField", fmt.Sprintf(`{"DisplayName":"F%d","DataType":"Text"}`, i))
		if r.status != 200 {
			t.Fatalf("field %d: %d %s", i, r.status, r.body)
		}
	}
	r := e.v2("POST", "LeadManagement.svc/CreateLeadField", `{"DisplayName":"One Too Many","DataType":"Text"}`)
	want := `{"Status":"Error","ExceptionType":"MXInvalidInputException","ExceptionMessage":"Invalid Input! Parameter Name: DisplayName (the org already has 500 custom fields, the most allowed)"}`
	if r.status != 500 || string(r.body) != want {
		t.Errorf("501st field: %d %s", r.status, r.body)
	}
}

// TestCustomFieldValues: Lead.Create and Lead.Update check custom values
// by their field's type, length and options.
func TestCustomFieldValues(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		for _, body := range []string{
			`{"DisplayName":"Code","DataType":"Text","MaxLength":"5"}`,
			`{"DisplayName":"Seats","DataType":"Number"}`,
			`{"DisplayName":"Billing Email","DataType":"Email"}`,
			`{"DisplayName":"Office Phone","DataType":"Phone"}`,
			`{"DisplayName":"Blog","DataType":"Website","MaxLength":20}`,
			`{"DisplayName":"Renewal","DataType":"Date"}`,
			`{"DisplayName":"Demo At","DataType":"DateTime"}`,
			`{"DisplayName":"Best Time","DataType":"Time"}`,
			`{"DisplayName":"Plan","DataType":"Select","OptionsJson":"[{\"Value\":\"Gold\",\"Order\":1},{\"Value\":\"Silver\",\"Order\":2}]"}`,
			`{"DisplayName":"Partner","DataType":"Boolean"}`,
		} {
			if r := e.v2("POST", "LeadManagement.svc/CreateLeadField", body); r.status != 200 {
				t.Fatalf("create field %s: %d %s", body, r.status, r.body)
			}
		}
		id := e.createLead(`[{"Attribute":"FirstName","Value":"Ann"}]`)
		cases := []struct {
			field, value string
			stored       string // "" when the value is refused
			exception    string
		}{
			{"mx_Code", "abcde", "abcde", ""},
			{"mx_Code", "abcdef", "", `"MXInvalidInputException","ExceptionMessage":"Invalid Input! Parameter Name: mx_Code (longer than 5 characters)"`},
			{"mx_Seats", "12.5", "12.5", ""},
			{"mx_Seats", "twelve", "", `"MXInvalidDataTypeException","ExceptionMessage":"Invalid value for mx_Seats: expected a number"`},
			{"mx_Billing_Email", "pay@example.com", "pay@example.com", ""},
			{"mx_Billing_Email", "pay@", "", `"MXInvalidInputException","ExceptionMessage":"Invalid Input! Parameter Name: mx_Billing_Email (not a valid email address)"`},
			{"mx_Office_Phone", "+91-9988776655", "+91-9988776655", ""},
			{"mx_Office_Phone", "call me", "", `"MXInvalidInputException","ExceptionMessage":"Invalid Input! Parameter Name: mx_Office_Phone (not a valid phone number)"`},
			{"mx_Blog", "https://a.example", "https://a.example", ""},
			{"mx_Blog", "https://a.example/very/long", "", `"MXInvalidInputException","ExceptionMessage":"Invalid Input! Parameter Name: mx_Blog (longer than 20 characters)"`},
			{"mx_Renewal", "2026-03-01", "2026-03-01 00:00:00.000", ""},
			{"mx_Renewal", "01/03/2026", "", `"MXInvalidInputException","ExceptionMessage":"Invalid Input! Parameter Name: mx_Renewal (expected yyyy-MM-dd or yyyy-MM-dd HH:mm:ss)"`},
			{"mx_Demo_At", "2026-03-01 14:15:00", "2026-03-01 14:15:00.000", ""},
			{"mx_Demo_At", "2026-03-01", "", `"MXInvalidInputException","ExceptionMessage":"Invalid Input! Parameter Name: mx_Demo_At (expected yyyy-MM-dd HH:mm:ss)"`},
			{"mx_Best_Time", "09:30", "09:30", ""},
			{"mx_Best_Time", "9.30", "", `"MXInvalidInputException","ExceptionMessage":"Invalid Input! Parameter Name: mx_Best_Time (expected HH:mm or HH:mm:ss)"`},
			{"mx_Plan", "sILVER", "Silver", ""},
			{"mx_Plan", "Bronze", "", `"MXInvalidInputException","ExceptionMessage":"Invalid Input! Parameter Name: mx_Plan (value is not one of the field's options)"`},
			{"mx_Partner", "true", "1", ""},
			{"mx_Partner", "maybe", "", `"MXInvalidDataTypeException","ExceptionMessage":"Invalid value for mx_Partner: expected 0, 1, true or false"`},
		}
		for i, c := range cases {
			attr := fmt.Sprintf(`[{"Attribute":"FirstName","Value":"V%d"},{"Attribute":%q,"Value":%q}]`, i, c.field, c.value)
			create := e.v2("POST", "LeadManagement.svc/Lead.Create", attr)
			update := e.v2("POST", "LeadManagement.svc/Lead.Update?leadId="+id, attr)
			if c.stored == "" {
				want := `{"Status":"Error","ExceptionType":` + c.exception + `}`
				for op, r := range map[string]resp{"create": create, "update": update} {
					if r.status != 500 || string(r.body) != want {
						t.Errorf("%s %s=%q: %d %s; want %s", op, c.field, c.value, r.status, r.body, want)
					}
				}
				continue
			}
			if create.status != 200 || update.status != 200 {
				t.Errorf("%s=%q: create %d %s, update %d %s", c.field, c.value, create.status, create.body, update.status, update.body)
				continue
			}
			got := e.v2("GET", "LeadManagement.svc/Leads.GetById?id="+id, "")
			if want := fmt.Sprintf(`%q:%q`, c.field, c.stored); !strings.Contains(string(got.body), want) {
				t.Errorf("%s=%q: lead lacks %s", c.field, c.value, want)
			}
		}
	})
}

// TestMandatoryCustomField: a mandatory custom field must be given on
// create and cannot be cleared on update; the flag can be set later
// through the admin API.
func TestMandatoryCustomField(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		e.v2("POST", "LeadManagement.svc/CreateLeadField", `{"DisplayName":"Region Code","DataType":"Text","IsMandatory":true}`)
		e.v2("POST", "LeadManagement.svc/CreateLeadField", `{"DisplayName":"Segment","DataType":"Text"}`)
		want := func(name string) string {
			return `{"Status":"Error","ExceptionType":"MXMandatoryAttributeMissingException","ExceptionMessage":"'` + name + `' is mandatory"}`
		}
		r := e.v2("POST", "LeadManagement.svc/Lead.Create", `[{"Attribute":"FirstName","Value":"Ann"}]`)
		if r.status != 500 || string(r.body) != want("mx_Region_Code") {
			t.Errorf("create without a mandatory field: %d %s", r.status, r.body)
		}
		id := e.createLead(`[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"mx_Region_Code","Value":"EU"}]`)
		r = e.v2("POST", "LeadManagement.svc/Lead.Update?leadId="+id, `[{"Attribute":"mx_Region_Code","Value":""}]`)
		if r.status != 500 || string(r.body) != want("mx_Region_Code") {
			t.Errorf("clearing a mandatory field: %d %s", r.status, r.body)
		}
		if r := e.admin("PATCH", "/orgs/1/fields/mx_Segment", `{"mandatory":true}`); r.status != 200 || !strings.Contains(string(r.body), `"mandatory":true`) {
			t.Fatalf("PATCH mandatory: %d %s", r.status, r.body)
		}
		r = e.v2("POST", "LeadManagement.svc/Lead.Create", `[{"Attribute":"FirstName","Value":"Bo"},{"Attribute":"mx_Region_Code","Value":"EU"}]`)
		if r.status != 500 || string(r.body) != want("mx_Segment") {
			t.Errorf("create without a field made mandatory: %d %s", r.status, r.body)
		}
		r = e.v2("GET", "LeadManagement.svc/LeadsMetaData.Get?schemaName=mx_Segment", "")
		if !strings.Contains(string(r.body), `"IsMandatory":true`) {
			t.Errorf("metadata after PATCH: %s", r.body)
		}
	})
}

// TestUniqueCustomField: the admin API marks a custom field unique (409
// while leads share a value), after which lead writes enforce it
// case-insensitively, and system fields take only showInQuickSearch.
func TestUniqueCustomField(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		if r := e.v2("POST", "LeadManagement.svc/CreateLeadField", `{"DisplayName":"Customer Code","DataType":"Text"}`); r.status != 200 {
			t.Fatalf("create field: %d %s", r.status, r.body)
		}
		ids := map[string]string{}
		for name, code := range map[string]string{"A": "ABC", "B": " abc", "C": "xyz", "D": "XYZ", "E": "XYZ", "F": ""} {
			ids[name] = e.createLead(`[{"Attribute":"FirstName","Value":"` + name + `"},{"Attribute":"mx_Customer_Code","Value":"` + code + `"}]`)
		}
		a := ids["A"]

		type call struct {
			method, path, body string
			status             int
			want               string
		}
		run := func(calls []call) {
			t.Helper()
			for _, c := range calls {
				r := e.admin(c.method, c.path, c.body)
				r.body = timesRE.ReplaceAll(r.body, nil)
				if r.status != c.status || string(r.body) != c.want {
					t.Errorf("%s %s %s: %d %s\nwant %d %s", c.method, c.path, c.body, r.status, r.body, c.status, c.want)
				}
			}
		}
		run([]call{
			{"PATCH", "/orgs/1/fields/mx_Customer_Code", `{"unique":true}`, 409,
				`{"type":"about:blank","title":"Conflict","status":409,"detail":"mx_Customer_Code cannot be made unique: 2 value(s) are shared by more than one lead (5 leads in all)"}`},
			{"PATCH", "/orgs/1/fields/EmailAddress", `{"unique":false}`, 400,
				`{"type":"about:blank","title":"Bad Request","status":400,"detail":"Invalid Input! Parameter Name: unique (EmailAddress is always unique)"}`},
			{"PATCH", "/orgs/1/fields/FirstName", `{"mandatory":true}`, 400,
				`{"type":"about:blank","title":"Bad Request","status":400,"detail":"Invalid Input! Parameter Name: mandatory (system field FirstName takes only showInQuickSearch)"}`},
			{"PATCH", "/orgs/1/fields/Company", `{"unique":true}`, 400,
				`{"type":"about:blank","title":"Bad Request","status":400,"detail":"Invalid Input! Parameter Name: unique (system field Company takes only showInQuickSearch)"}`},
			{"PATCH", "/orgs/1/fields/mx_Nope", `{"unique":true}`, 404,
				`{"type":"about:blank","title":"Not Found","status":404,"detail":"field 'mx_Nope' does not exist"}`},
			{"PATCH", "/orgs/9/fields/mx_Nope", `{"unique":true}`, 404,
				`{"type":"about:blank","title":"Not Found","status":404,"detail":"org 9 does not exist"}`},
			{"PATCH", "/orgs/1/fields/Company", `{"showInQuickSearch":true}`, 200,
				`{"schemaName":"Company","displayName":"Company","dataType":"Text","renderType":"Textbox","system":true,"managed":false,"unique":false,"mandatory":false,"showInQuickSearch":true,"maxLength":200}`},
			{"PATCH", "/orgs/1/fields/Phone", `{"unique":true,"showInQuickSearch":false}`, 200,
				`{"schemaName":"Phone","displayName":"Phone Number","dataType":"Phone","renderType":"Phone","system":true,"managed":false,"unique":true,"mandatory":false,"showInQuickSearch":false,"maxLength":50}`},
		})
		// Company's setting sticks and shows in the metadata; the
		// settings row is not a custom field.
		r := e.v2("GET", "LeadManagement.svc/LeadsMetaData.Get?schemaName=Company", "")
		if !strings.Contains(string(r.body), `"ShowInQuickSearch":true`) || !strings.Contains(string(r.body), `"EntityAttributeType":0`) {
			t.Errorf("Company metadata: %s", r.body)
		}
		if r := e.admin("GET", "/orgs/1/fields", ""); strings.Count(string(r.body), `"schemaName":"Company"`) != 1 || strings.Count(string(r.body), `"system":false`) != 1 {
			t.Errorf("fields listing: %s", truncate(r.body))
		}

		// Resolve the shared values, then the field can be made unique.
		e.v2("POST", "LeadManagement.svc/Lead.Update?leadId="+ids["B"], `[{"Attribute":"mx_Customer_Code","Value":"b"}]`)
		e.v2("POST", "LeadManagement.svc/Lead.Update?leadId="+ids["D"], `[{"Attribute":"mx_Customer_Code","Value":""}]`)
		e.v2("POST", "LeadManagement.svc/Lead.Update?leadId="+ids["E"], `[{"Attribute":"mx_Customer_Code","Value":"e"}]`)
		run([]call{{"PATCH", "/orgs/1/fields/mx_Customer_Code", `{"unique":true}`, 200,
			`{"schemaName":"mx_Customer_Code","displayName":"Customer Code","dataType":"Text","renderType":"Textbox","system":false,"managed":false,"unique":true,"mandatory":false,"showInQuickSearch":false,"maxLength":200}`}})

		dup := `{"Status":"Error","ExceptionType":"MXDuplicateEntryException","ExceptionMessage":"A Lead with same Customer Code already exists."}`
		checks := []struct {
			name, method, op, body string
			status                 int
			want                   string
		}{
			{"create with a taken value", "POST", "Lead.Create", `[{"Attribute":"FirstName","Value":"G"},{"Attribute":"mx_Customer_Code","Value":" Abc "}]`, 500, dup},
			{"create with a backfilled value", "POST", "Lead.Create", `[{"Attribute":"FirstName","Value":"G"},{"Attribute":"mx_Customer_Code","Value":"XYZ"}]`, 500, dup},
			{"update to a taken value", "POST", "Lead.Update?leadId=" + ids["F"], `[{"Attribute":"mx_Customer_Code","Value":"e"}]`, 500, dup},
			{"update keeping its own value", "POST", "Lead.Update?leadId=" + a, `[{"Attribute":"mx_Customer_Code","Value":"abc"},{"Attribute":"LastName","Value":"Z"}]`, 200, `{"Status":"Success","Message":{"AffectedRows":1}}`},
			{"free a value", "POST", "Lead.Update?leadId=" + ids["E"], `[{"Attribute":"mx_Customer_Code","Value":"e2"}]`, 200, `{"Status":"Success","Message":{"AffectedRows":1}}`},
			{"take the freed value", "POST", "Lead.Update?leadId=" + ids["F"], `[{"Attribute":"mx_Customer_Code","Value":"E"}]`, 200, `{"Status":"Success","Message":{"AffectedRows":1}}`},
		}
		for _, c := range checks {
			r := e.v2(c.method, "LeadManagement.svc/"+c.op, c.body)
			if r.status != c.status || string(r.body) != c.want {
				t.Errorf("%s: %d %s", c.name, r.status, r.body)
			}
		}
		// A unique custom field finds leads for searchBy as uniqueness
		// compares values: trimmed, any case.
		r = e.v2("POST", "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadField?searchBy=mx_Customer_Code",
			`[{"SearchByValue":" aBc ","ActivityEvent":21},{"SearchByValue":"nobody","ActivityEvent":21}]`)
		if r.status != 200 || !strings.Contains(string(r.body), `{"RowNumber":1,"ActivityCreated":true`) ||
			!strings.Contains(string(r.body), `{"RowNumber":2,"ActivityCreated":false,"ProspectActivityId":null,"ExceptionType":"MXInvalidEntityException"`) {
			t.Errorf("searchBy a unique custom field: %d %s", r.status, r.body)
		}
		r = e.v2("GET", "LeadManagement.svc/LeadsMetaData.Get?schemaName=mx_Customer_Code", "")
		if !strings.Contains(string(r.body), `"IsLeadIdentifier":true`) {
			t.Errorf("metadata of a unique field: %s", r.body)
		}
		// No longer unique: duplicates are allowed again.
		run([]call{{"PATCH", "/orgs/1/fields/mx_Customer_Code", `{"unique":false}`, 200,
			`{"schemaName":"mx_Customer_Code","displayName":"Customer Code","dataType":"Text","renderType":"Textbox","system":false,"managed":false,"unique":false,"mandatory":false,"showInQuickSearch":false,"maxLength":200}`}})
		e.createLead(`[{"Attribute":"FirstName","Value":"H"},{"Attribute":"mx_Customer_Code","Value":"ABC"}]`)
	})
}

// TestUniqueCustomFieldConcurrent: of 16 concurrent creates with one value
// of a unique custom field, exactly one succeeds.
func TestUniqueCustomFieldConcurrent(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		e.v2("POST", "LeadManagement.svc/CreateLeadField", `{"DisplayName":"Tax Id","DataType":"Text"}`)
		if r := e.admin("PATCH", "/orgs/1/fields/mx_Tax_Id", `{"unique":true}`); r.status != 200 {
			t.Fatalf("PATCH: %d %s", r.status, r.body)
		}
		var wg sync.WaitGroup
		results := make([]resp, 16)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.v2("POST", "LeadManagement.svc/Lead.Create",
					fmt.Sprintf(`[{"Attribute":"FirstName","Value":"N%d"},{"Attribute":"mx_Tax_Id","Value":"t-1"}]`, i))
			}()
		}
		wg.Wait()
		okN := 0
		for _, r := range results {
			switch {
			case r.status == 200:
				okN++
			case r.status != 500 || !strings.Contains(string(r.body), "A Lead with same Tax Id already exists."):
				t.Errorf("unexpected answer: %d %s", r.status, r.body)
			}
		}
		n, err := e.srv.Store.LeadCount(context.Background(), 1)
		if okN != 1 || err != nil || n != 1 {
			t.Errorf("%d creates succeeded, %d leads (%v); want exactly one", okN, n, err)
		}
	})
}
