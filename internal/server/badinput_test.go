package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/localsquared/localsquared/internal/lsqapi"
)

// badCase is one malformed or hostile request and the status it must get.
type badCase struct {
	name   string
	method string
	path   string // {lead} is the seeded lead's id
	auth   bool   // send the org's keys
	hdr    map[string]string
	body   string
	status int
	exType string // expected ExceptionType; "" accepts any MX type for the status
	want   string // for 200 answers: the exact body
	// wantPrefix: for 200 answers, the start of the body instead.
	wantPrefix string
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// sch is the schema name a hostileValues key searches on ("" to skip:
// OwnerId values are valid text for a search).
func sch(field string) string {
	if field == "OwnerId" || field == "FirstName" || field == "LastName" || field == "Company" || field == "Notes" ||
		field == "JobTitle" || field == "Website" || field == "SourceIPAddress" {
		return ""
	}
	return field
}

// hostileValues are values no typed field may accept.
var hostileValues = map[string][]string{
	"EmailAddress": {"plain", "a@", "@b.co", "a b@c.co", "a@b", "<a@b.co>", "a@b.co;DROP TABLE leads", "'; DELETE FROM leads; --",
		"a@b.co\x00", strings.Repeat("a", 96) + "@b.co", "Ann <ann@x.co>", "a@@b.co"},
	"Phone":              {"call me", "12", "+91-99887-76655 ext 4", "'; DROP TABLE leads; --", "١٢٣٤٥٦٧", strings.Repeat("9", 21), "9\x00999"},
	"Mobile":             {"abc", "1", "0x1234567", "1; SELECT 1", strings.Repeat("1", 30)},
	"DoNotEmail":         {"maybe", "2", "-1", "yes please", "TRUE!", "0x1"},
	"DoNotCall":          {"nope", "10"},
	"Revenue":            {"lots", "1,000", "NaN", "Inf", "1e400", "0x10", "1 2", "--1"},
	"Latitude":           {"north", "12.3.4"},
	"OptInDate":          {"2018-10-05 14:34:53.000", "2018-02-30 10:00:00", "2018-10-05T14:34:53", "2018-10-05 14:34:53Z", "2018-10-05 14:34:53+05:30", "05/10/2018", "2018-10-05 24:00:00", "2018-10-05 14:34", "yesterday", "2023-02-29 00:00:00", "1900-02-29 00:00:00", "2018-13-01 00:00:00", " 2018-10-05 14:34:53", "2018-10-05  14:34:53"},
	"LeadConversionDate": {"2018-10-05", "0000-01-01 00:00:00", "2018-10-05 14:34:60"},
	"OwnerId":            {"01a21183-0000-7000-8000-000000000000", "'; DROP TABLE users; --", "admin"},
	"FirstName":          {strings.Repeat("x", 101), strings.Repeat("漢", 101), "nul\x00byte"},
	"Company":            {strings.Repeat("c", 201)},
	"Notes":              {strings.Repeat("n", 2001)},
	"LastName":           {strings.Repeat("l", 101), "a\x00b"},
	"JobTitle":           {strings.Repeat("j", 101)},
	"Website":            {strings.Repeat("w", 201)},
	"SourceIPAddress":    {strings.Repeat("1", 51)},
}

// hostileNames are attribute names no org has.
var hostileNames = []string{"firstname", "FIRSTNAME", "FіrstName" /* Cyrillic і */, "First Name", "mx_Nope", "'; DROP TABLE leads; --",
	"EmailAddress\x00", "EmailAddress ", " EmailAddress", "Email\u200bAddress", "mx_" + strings.Repeat("a", 300), "ProspectID'--", "$where", "__proto__", "∅"}

// malformedBodies are not a JSON array of attribute objects.
var malformedBodies = []string{
	`[{"Attribute":"FirstName",`, `{"Attribute":"FirstName","Value":"x"}`, `"FirstName"`, `42`, `null`, `true`, `["FirstName"]`,
	`[[{"Attribute":"FirstName","Value":"x"}]]`, `[{"Attribute":"FirstName","Value":{"a":1}}]`, `[{"Attribute":"FirstName","Value":[1]}]`,
	`[{"Attribute":5,"Value":"x"}]`, `[{"Attribute":null,"Value":"x"}]`, `[{"Value":"x"}]`, `[{"Attribute":"","Value":"x"}]`,
	`[{"Attribute":"FirstName","Value":1e999}]`, "[{\"Attribute\":\"FirstName\",\"Value\":\"\xc3\x28\"}]", "\xef\xbb\xbf[]x",
	`[{"Attribute":"FirstName","Value":"x"}]garbage`, `[{"Attribute":"FirstName","Value":"x"},]`, `[{'Attribute':'FirstName'}]`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001), `[{"Attribute":"FirstName","Value":"x"}` + strings.Repeat(" ", 10),
	`[{"Attribute":"FirstName","Value":NaN}]`, `[{"Attribute":"FirstName","Value":0x10}]`, `[1,2,3]`, `[{"Attribute":"FirstName","Value":"x"},"y"]`,
}

// hostileIDs are lead ids that must match nothing.
var hostileIDs = []string{"'", "' OR '1'='1", "1; DROP TABLE leads", "%", "_", "*", "../../etc/passwd", "01a21183-0000-7000-8000-00000000000",
	"01a21183-0000-7000-8000-0000000000000", "01a21183-0000-7000-8000-00000000000g", "０１a21183-0000-7000-8000-000000000000",
	strings.Repeat("a", 5000), "null", "[]", "{}", "%00", "01a21183-0000-7000-8000-000000000000' --"}

func badCatalogue() []badCase {
	var cs []badCase
	add := func(c badCase) { c.name = fmt.Sprintf("%03d_%s", len(cs), c.name); cs = append(cs, c) }
	attr := func(name, value string) string {
		n, _ := json.Marshal(name)
		v, _ := json.Marshal(value)
		return `[{"Attribute":"FirstName","Value":"Valid"},{"Attribute":` + string(n) + `,"Value":` + string(v) + `}]`
	}
	writes := []struct{ op, path string }{
		{"create", "LeadManagement.svc/Lead.Create"},
		{"update", "LeadManagement.svc/Lead.Update?leadId={lead}"},
	}
	for _, w := range writes {
		for field, values := range hostileValues {
			for _, v := range values {
				add(badCase{name: w.op + "_value_" + field, method: "POST", path: w.path, auth: true, body: attr(field, v), status: 500})
			}
		}
		for _, n := range hostileNames {
			add(badCase{name: w.op + "_name", method: "POST", path: w.path, auth: true, body: attr(n, "x"), status: 500, exType: "MXUnknownAttributeException"})
		}
		for _, b := range malformedBodies {
			add(badCase{name: w.op + "_malformed", method: "POST", path: w.path, auth: true, body: b, status: 400, exType: "MXInvalidRequestFormatException"})
		}
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", "json", "application/xml"} {
			add(badCase{name: w.op + "_content_type", method: "POST", path: w.path, auth: true, hdr: map[string]string{"Content-Type": ct},
				body: `[{"Attribute":"FirstName","Value":"x"}]`, status: 400, exType: "MXInvalidRequestFormatException"})
		}
		add(badCase{name: w.op + "_10MB", method: "POST", path: w.path, auth: true,
			body: `[{"Attribute":"Notes","Value":"` + strings.Repeat("x", 10<<20) + `"}]`, status: 413, exType: "MXRequestTooLargeException"})
	}
	for _, id := range hostileIDs {
		add(badCase{name: "update_id", method: "POST", path: "LeadManagement.svc/Lead.Update?leadId=" + escape(id), auth: true,
			body: `[{"Attribute":"Company","Value":"Changed"}]`, status: 500, exType: "MXInvalidEntityException"})
		add(badCase{name: "getbyid_id", method: "GET", path: "LeadManagement.svc/Leads.GetById?id=" + escape(id), auth: true, status: 200, want: "[]"})
	}
	for _, k := range []string{"'", "' OR 1=1 --", "u$r" + strings.Repeat("0", 32), strings.Repeat("k", 10000), "%00", "*", "null"} {
		add(badCase{name: "auth_header", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={lead}",
			hdr: map[string]string{"X-LSQ-AccessKey": k, "X-LSQ-SecretKey": k}, status: 401, exType: "MXUnAuthorizedAccessException"})
		add(badCase{name: "auth_query", method: "POST", path: "LeadManagement.svc/Lead.Create?accessKey=" + escape(k) + "&secretKey=" + escape(k),
			body: `[{"Attribute":"FirstName","Value":"x"}]`, status: 401, exType: "MXUnAuthorizedAccessException"})
	}
	for _, p := range []string{"LeadManagement.svc/Lead.Create'--", "LeadManagement.svc/../Lead.Create", "LeadManagement.svc/%00", "LeadManagement.svc/" + strings.Repeat("x", 3000),
		"LeadManagement.svc", "..%2f..%2fetc%2fpasswd", "LeadManagement.svc/Lead.Create;jsessionid=1", "Lead.Create", "LeadManagement.svc/Lead.Create.json"} {
		add(badCase{name: "path", method: "POST", path: p, auth: true, body: `[{"Attribute":"FirstName","Value":"x"}]`, status: 404, exType: "MXAPINotFoundException"})
	}
	// Every POST operation: a body that is not JSON is 400 before anything runs.
	for _, op := range lsqapi.Operations() {
		if !slices.Contains(op.Verbs, "POST") {
			continue
		}
		for _, b := range []string{`{"a":`, "[\"\xc3\x28\"]", `{"a":1}garbage`, strings.Repeat("[", 10001) + strings.Repeat("]", 10001)} {
			add(badCase{name: "malformed_" + op.Name, method: "POST", path: op.Name + "?leadId={lead}", auth: true, body: b, status: 400, exType: "MXInvalidRequestFormatException"})
		}
	}
	// Searches: names and sort columns come from the schema, values are bound.
	search := func(name, value, op string) string {
		n, _ := json.Marshal(name)
		v, _ := json.Marshal(value)
		o, _ := json.Marshal(op)
		return `{"Parameter":{"LookupName":` + string(n) + `,"LookupValue":` + string(v) + `,"SqlOperator":` + string(o) + `},"Columns":{"Include_CSV":"FirstName"}}`
	}
	for _, n := range hostileNames {
		if strings.TrimSpace(n) != n && strings.TrimSpace(n) == "EmailAddress" {
			continue // column and sort names are trimmed, as Include_CSV's "a, b" needs
		}
		add(badCase{name: "search_lookup_name", method: "POST", path: "LeadManagement.svc/Leads.Get", auth: true, body: search(n, "Seed", "="), status: 200, want: "[]"})
		add(badCase{name: "search_sort_column", method: "POST", path: "LeadManagement.svc/Leads.Get", auth: true,
			body:   `{"Parameter":{"LookupName":"FirstName","LookupValue":"Seed","SqlOperator":"="},"Sorting":{"ColumnName":` + quote(n) + `,"Direction":"1"}}`,
			status: 500, exType: "MXInvalidInputException"})
		add(badCase{name: "search_include_csv", method: "POST", path: "LeadManagement.svc/Leads.Get", auth: true,
			body:   `{"Parameter":{"LookupName":"FirstName","LookupValue":"Seed","SqlOperator":"="},"Columns":{"Include_CSV":` + quote(n+",FirstName") + `}}`,
			status: 200, want: `[{"FirstName":"Seed"}]`})
	}
	for _, v := range []string{"'; DROP TABLE leads; --", "Seed' OR '1'='1", "%", "_", "\\", "Seed\"", "Seed;", "NULL"} {
		add(badCase{name: "search_lookup_value", method: "POST", path: "LeadManagement.svc/Leads.Get", auth: true, body: search("FirstName", v, "="), status: 200, want: "[]"})
	}
	for _, op := range []string{"!=", "==", "; DROP TABLE leads", "LIKE'", "BETWEEN", "IS NULL", "", " OR 1=1"} {
		add(badCase{name: "search_operator", method: "POST", path: "LeadManagement.svc/Leads.Get", auth: true, body: search("FirstName", "Seed", op), status: 500})
	}
	for field, values := range hostileValues {
		f := sch(field)
		if f == "" {
			continue
		}
		for _, v := range values {
			if strings.TrimSpace(v) != v {
				continue // search values are trimmed
			}
			add(badCase{name: "search_value_" + field, method: "POST", path: "LeadManagement.svc/Leads.Get", auth: true, body: search(f, v, "="), status: 500, exType: "MXInvalidInputException"})
		}
	}
	for _, d := range hostileValues["OptInDate"] {
		add(badCase{name: "recent_date", method: "POST", path: "LeadManagement.svc/Leads.RecentlyModified", auth: true,
			body: `{"Parameter":{"FromDate":` + quote(d) + `,"ToDate":"2100-01-01 00:00:00"}}`, status: 500, exType: "MXInvalidInputException"})
	}
	for _, b := range []string{`{"Parameter":"x"}`, `{"Paging":[]}`, `{"Sorting":true}`, `[]`, `"x"`} {
		add(badCase{name: "search_shape", method: "POST", path: "LeadManagement.svc/Leads.Get", auth: true, body: b, status: 400, exType: "MXInvalidRequestFormatException"})
	}
	for _, pg := range []string{`{"PageIndex":0,"PageSize":10}`, `{"PageIndex":1,"PageSize":0}`, `{"PageIndex":"x","PageSize":10}`, `{"PageIndex":1,"PageSize":1e10}`, `{"PageIndex":-1}`} {
		add(badCase{name: "search_paging", method: "POST", path: "LeadManagement.svc/Leads.Get", auth: true,
			body: `{"Parameter":{"LookupName":"FirstName","LookupValue":"Seed","SqlOperator":"="},"Paging":` + pg + `}`, status: 500, exType: "MXInvalidInputException"})
	}
	// Upserts and bulk rows: the same hostile values, refused, nothing written.
	for field, values := range hostileValues {
		for _, v := range values[:1] {
			add(badCase{name: "upsert_value_" + field, method: "POST", path: "LeadManagement.svc/Lead.CreateOrUpdate", auth: true, body: attr(field, v), status: 500})
			add(badCase{name: "capture_value_" + field, method: "POST", path: "LeadManagement.svc/Lead.Capture", auth: true, body: attr(field, v), status: 500})
			row := attr(field, v)
			add(badCase{name: "bulk_value_" + field, method: "POST", path: "LeadManagement.svc/Lead/Bulk/Create", auth: true, body: "[" + row + "]", status: 200, wantPrefix: `[{"RowNumber":1,"LeadId":null,`})
		}
	}
	// SearchBy that is not a unique field: refused whether or not the row
	// gives that field a value, and nothing is written (the rows carry a
	// new email, so a fall-through to create would add a lead).
	for _, by := range []string{"FirstName", "Company", "mx_Nope", "emailaddress", "Email Address", "OwnerId", "ProspectAutoId", "Score", "'; DROP TABLE leads; --", "EmailAddress\x00"} {
		for _, with := range []bool{false, true} {
			pairs := `{"Attribute":"EmailAddress","Value":"fresh@example.com"},{"Attribute":"SearchBy","Value":` + quote(by) + `}`
			if with {
				if by != "FirstName" && by != "Company" {
					continue // not a field a lead write may name
				}
				pairs += `,{"Attribute":` + quote(by) + `,"Value":"Seed"}`
			}
			name := "searchby"
			if with {
				name += "_with_value"
			}
			add(badCase{name: "upsert_" + name, method: "POST", path: "LeadManagement.svc/Lead.CreateOrUpdate", auth: true, body: "[" + pairs + "]", status: 500, exType: "MXInvalidInputException"})
			add(badCase{name: "capture_" + name, method: "POST", path: "LeadManagement.svc/Lead.Capture", auth: true, body: "[" + pairs + "]", status: 500, exType: "MXInvalidInputException"})
			add(badCase{name: "bulk_upsert_" + name, method: "POST", path: "LeadManagement.svc/Lead/Bulk/CreateOrUpdate", auth: true, body: "[[" + pairs + "]]", status: 200,
				wantPrefix: `[{"RowNumber":1,"LeadId":null,"LeadCreated":false,"LeadUpdated":false,"AffectedRows":0,"ExceptionType":"MXInvalidInputException"`})
			add(badCase{name: "create_custom_" + name, method: "POST", path: "ProspectActivity.svc/CreateCustom", auth: true,
				body: `{"LeadDetails":[` + pairs + `],"Activity":{"ActivityEvent":21}}`, status: 500, exType: "MXInvalidInputException"})
		}
		add(badCase{name: "update_v2_searchby", method: "POST", path: "LeadManagement.svc/Lead/Bulk/UpdateV2", auth: true,
			body:   `{"SearchByKey":` + quote(by) + `,"LeadPropertiesList":[{"Fields":[{"Attribute":"EmailAddress","Value":"seed@example.com"},{"Attribute":"FirstName","Value":"Changed"}]}]}`,
			status: 500, exType: "MXInvalidInputException"})
	}
	// Activities on an opportunity: none exists, so every id (the seeded
	// lead's included) is unknown to each well-formed row; the body's shape
	// and cap are checked for the whole call.
	byOpp := "ProspectActivity.svc/Bulk/CustomActivity/Add/ByOpportunityId?opportunityId="
	oppRow := `{"ActivityEvent":12000,"ActivityOwnerEmail":"seed@example.com"}`
	for _, id := range append([]string{"{lead}", "01a21183-0000-7000-8000-000000000000"}, hostileIDs...) {
		add(badCase{name: "by_opportunity_id", method: "POST", path: byOpp + escape(id), auth: true, body: "[" + oppRow + "]", status: 200,
			wantPrefix: `{"Response":[{"RowNumber":1,"ActivityCreated":false,"ProspectActivityId":null,"ExceptionType":"MXInvalidEntityException"`})
	}
	for _, p := range []string{"ProspectActivity.svc/Bulk/CustomActivity/Add/ByOpportunityId", byOpp, byOpp + "%20"} {
		add(badCase{name: "by_opportunity_no_id", method: "POST", path: p, auth: true, body: "[" + oppRow + "]", status: 500, exType: "MXMandatoryAttributeMissingException"})
	}
	add(badCase{name: "by_opportunity_over_cap", method: "POST", path: byOpp + "{lead}", auth: true,
		body: "[" + strings.TrimSuffix(strings.Repeat(oppRow+",", 26), ",") + "]", status: 500, exType: "MXInvalidInputException"})
	for _, b := range []string{oppRow, `[1]`, `["x"]`, `[[` + oppRow + `]]`, `[` + oppRow + `,null]`, `[{"ActivityEvent":12000,"Fields":{"a":1}}]`,
		`[{"ActivityEvent":12000,"ActivityOwnerEmail":5}]`, `[{"ActivityEvent":12000,"Fields":[{"SchemaName":"mx_Custom_1","Value":{"a":1}}]}]`, `[{"ActivityEvent":12000,"Fields":[{"Value":"x"}]}]`} {
		add(badCase{name: "by_opportunity_shape", method: "POST", path: byOpp + "{lead}", auth: true, body: b, status: 400, exType: "MXInvalidRequestFormatException"})
	}
	for _, row := range []string{`{"ActivityOwnerEmail":"seed@example.com"}`, `{"ActivityEvent":"x","ActivityOwnerEmail":"seed@example.com"}`,
		`{"ActivityEvent":12000}`, `{"ActivityEvent":12000,"ActivityOwnerEmail":"  "}`, `{"ActivityEvent":12000,"ActivityOwnerEmail":"seed@example.com","ActivityDateTime":"2018-02-30 10:00:00"}`} {
		add(badCase{name: "by_opportunity_row", method: "POST", path: byOpp + "{lead}", auth: true, body: "[" + row + "]", status: 200,
			wantPrefix: `{"Response":[{"RowNumber":1,"ActivityCreated":false,"ProspectActivityId":null,"ExceptionType":"MX`})
	}
	for _, b := range malformedBodies {
		if strings.HasPrefix(b, "[[") || b == "[]" {
			continue // a valid bulk body
		}
		add(badCase{name: "bulk_malformed", method: "POST", path: "LeadManagement.svc/Lead/Bulk/Create", auth: true, body: b, status: 400, exType: "MXInvalidRequestFormatException"})
	}
	for _, m := range []string{"PUT", "DELETE", "PATCH", "OPTIONS", "GET"} {
		add(badCase{name: "verb_" + m, method: m, path: "LeadManagement.svc/Lead.Create", auth: true, status: 405, exType: "MXMethodNotAllowedException"})
	}
	return cs
}

func escape(s string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", " ", "%20", "+", "%2B", "'", "%27", "\x00", "%00", "$", "%24", "?", "%3F")
	return r.Replace(s)
}

// TestBadInputCatalogue: every malformed or hostile request gets the
// contract's status and envelope, and the org's data is exactly as before.
func TestBadInputCatalogue(t *testing.T) {
	cases := badCatalogue()
	if len(cases) < 300 {
		t.Fatalf("catalogue has %d cases, want at least 300", len(cases))
	}
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"FirstName","Value":"Seed"},{"Attribute":"EmailAddress","Value":"seed@example.com"},{"Attribute":"Phone","Value":"+91-9988776655"}]`)
		snapshot := func() string {
			r := e.v2("GET", "LeadManagement.svc/Leads.GetById?id="+lead, "")
			n, err := e.srv.Store.LeadCount(t.Context(), e.creds.OrgID)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%d|%s", n, r.body)
		}
		before := snapshot()
		for _, c := range cases {
			hdr := map[string]string{}
			if c.auth {
				hdr = e.keys()
			}
			for k, v := range c.hdr {
				hdr[k] = v
			}
			r := e.do(c.method, "/v2/"+strings.ReplaceAll(c.path, "{lead}", lead), hdr, c.body)
			if r.status != c.status {
				t.Errorf("%s: status %d, want %d; body %s", c.name, r.status, c.status, truncate(r.body))
				continue
			}
			if c.status == 200 && c.wantPrefix != "" {
				if !strings.HasPrefix(string(r.body), c.wantPrefix) {
					t.Errorf("%s: body %s, want it to start %s", c.name, truncate(r.body), c.wantPrefix)
				}
				continue
			}
			if c.status == 200 {
				if string(r.body) != c.want {
					t.Errorf("%s: body %s, want %s", c.name, truncate(r.body), c.want)
				}
				continue
			}
			var env map[string]string
			if err := json.Unmarshal(r.body, &env); err != nil || len(env) != 3 || env["Status"] != "Error" ||
				!strings.HasPrefix(env["ExceptionType"], "MX") || env["ExceptionMessage"] == "" {
				t.Errorf("%s: not the error envelope: %s", c.name, truncate(r.body))
			}
			if c.exType != "" && env["ExceptionType"] != c.exType {
				t.Errorf("%s: ExceptionType %s, want %s (%s)", c.name, env["ExceptionType"], c.exType, env["ExceptionMessage"])
			}
			if env["ExceptionType"] == "MXInternalException" {
				t.Errorf("%s: internal error for bad input", c.name)
			}
			if len(env["ExceptionMessage"]) > 600 {
				t.Errorf("%s: message of %d bytes echoes too much input", c.name, len(env["ExceptionMessage"]))
			}
		}
		if after := snapshot(); after != before {
			t.Errorf("the org changed:\nbefore %s\nafter  %s", truncate([]byte(before)), truncate([]byte(after)))
		}
		if strings.Contains(e.logs.String(), "level=ERROR") {
			t.Errorf("bad input logged errors:\n%.2000s", e.logs.String())
		}
	})
}
