package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// scenario is one /v2 call and its expected status; the body is checked
// against testdata/v2/{name}.golden.
type scenario struct {
	name   string
	method string
	path   string            // {lead} is replaced by the seeded lead's id
	auth   string            // "headers" (default), "query", "none", or "raw" (use hdr only)
	hdr    map[string]string // extra headers; "" removes
	body   string
	status int
}

func TestV2Scenarios(t *testing.T) {
	big := `[{"Attribute":"Notes","Value":"` + strings.Repeat("x", 70<<10) + `"}]`
	scenarios := []scenario{
		// Success shapes.
		{name: "create_lead", method: "POST", path: "LeadManagement.svc/Lead.Create",
			body: `[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"EmailAddress","Value":"ann@example.com"},{"Attribute":"DoNotEmail","Value":true},{"Attribute":"Latitude","Value":12.5}]`, status: 200},
		{name: "update_lead", method: "POST", path: "LeadManagement.svc/Lead.Update?leadId={lead}",
			body: `[{"Attribute":"Company","Value":"Acme"}]`, status: 200},
		{name: "update_lead_lowercase_param", method: "POST", path: "leadmanagement.svc/lead.update?LEADID={lead}",
			body: `[{"Attribute":"Company","Value":"Acme"}]`, status: 200},
		{name: "get_by_id", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={lead}", status: 200},
		{name: "get_by_id_unknown", method: "GET", path: "LeadManagement.svc/Leads.GetById?id=01a21183-0000-7000-8000-000000000000", status: 200},
		{name: "get_by_id_junk", method: "GET", path: "LeadManagement.svc/Leads.GetById?id='%20OR%201=1", status: 200},
		{name: "user_by_access_key", method: "GET", path: "Authentication.svc/UserByAccessKey.Get", status: 200},
		{name: "auth_query", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={lead}", auth: "query", status: 200},

		// 400: body not JSON, wrong shape, wrong content type.
		{name: "400_malformed_json", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"FirstName",`, status: 400},
		{name: "400_object_not_array", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `{"Attribute":"FirstName","Value":"x"}`, status: 400},
		{name: "400_array_of_strings", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `["FirstName"]`, status: 400},
		{name: "400_value_object", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"FirstName","Value":{"a":1}}]`, status: 400},
		{name: "400_attribute_number", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":5,"Value":"x"}]`, status: 400},
		{name: "400_missing_attribute", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Value":"x"}]`, status: 400},
		{name: "400_empty_body", method: "POST", path: "LeadManagement.svc/Lead.Create", status: 400},
		{name: "400_content_type", method: "POST", path: "LeadManagement.svc/Lead.Create", hdr: map[string]string{"Content-Type": "text/plain"},
			body: `[{"Attribute":"FirstName","Value":"x"}]`, status: 400},
		{name: "400_invalid_utf8", method: "POST", path: "LeadManagement.svc/Lead.Create", body: "[{\"Attribute\":\"FirstName\",\"Value\":\"\xff\xfe\"}]", status: 400},
		{name: "400_deep_nesting", method: "POST", path: "LeadManagement.svc/Lead.Create", body: strings.Repeat("[", 20000) + strings.Repeat("]", 20000), status: 400},

		// 401: bad, missing, mixed keys.
		{name: "401_no_keys", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={lead}", auth: "none", status: 401},
		{name: "401_wrong_secret", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={lead}", auth: "raw",
			hdr: map[string]string{"X-LSQ-AccessKey": "{access}", "X-LSQ-SecretKey": "0000"}, status: 401},
		{name: "401_headers_win_over_query", method: "GET", path: "LeadManagement.svc/Leads.GetById?id={lead}&accessKey={access}&secretKey={secret}", auth: "raw",
			hdr: map[string]string{"X-LSQ-AccessKey": "{access}", "X-LSQ-SecretKey": "bad"}, status: 401},

		// 404, 405, 413.
		{name: "404_typo", method: "POST", path: "LeadManagement.svc/Lead.Creat", body: `[]`, status: 404},
		{name: "404_unknown_service", method: "GET", path: "NoSuch.svc/Thing", status: 404},
		{name: "404_no_svc", method: "GET", path: "whatever", status: 404},
		{name: "405_get_on_post", method: "GET", path: "LeadManagement.svc/Lead.Create", status: 405},
		{name: "405_delete", method: "DELETE", path: "LeadManagement.svc/Leads.GetById?id={lead}", status: 405},
		{name: "413_body_limit", method: "POST", path: "LeadManagement.svc/Lead.Create", body: big, status: 413},

		// 500 business errors.
		{name: "500_update_without_leadid", method: "POST", path: "LeadManagement.svc/Lead.Update", body: `[{"Attribute":"Company","Value":"Acme"}]`, status: 500},
		{name: "500_update_unknown_lead", method: "POST", path: "LeadManagement.svc/Lead.Update?leadId=01a21183-0000-7000-8000-000000000000",
			body: `[{"Attribute":"Company","Value":"Acme"}]`, status: 500},
		{name: "500_duplicate_email", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"EmailAddress","Value":"SEED@example.com"}]`, status: 500},
		{name: "500_duplicate_phone", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"Phone","Value":"91 99887 76655"}]`, status: 500},
		{name: "500_unknown_attribute", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"mx_Nope","Value":"1"}]`, status: 500},
		{name: "500_case_sensitive_attribute", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"firstname","Value":"x"}]`, status: 500},
		{name: "500_no_identity", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"Company","Value":"x"}]`, status: 500},
		{name: "500_bad_email", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"EmailAddress","Value":"not an email"}]`, status: 500},
		{name: "500_bad_phone", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"Phone","Value":"call me"}]`, status: 500},
		{name: "500_bad_number", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"FirstName","Value":"x"},{"Attribute":"Revenue","Value":"lots"}]`, status: 500},
		{name: "500_bad_boolean", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"FirstName","Value":"x"},{"Attribute":"DoNotCall","Value":"maybe"}]`, status: 500},
		{name: "500_bad_date_ms", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"FirstName","Value":"x"},{"Attribute":"OptInDate","Value":"2018-10-05 14:34:53.000"}]`, status: 500},
		{name: "500_bad_date_impossible", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"FirstName","Value":"x"},{"Attribute":"OptInDate","Value":"2018-02-30 10:00:00"}]`, status: 500},
		{name: "500_too_long", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"FirstName","Value":"` + strings.Repeat("é", 101) + `"}]`, status: 500},
		{name: "500_nul_byte", method: "POST", path: "LeadManagement.svc/Lead.Create", body: `[{"Attribute":"FirstName","Value":"a\u0000b"}]`, status: 500},
		{name: "500_unknown_owner", method: "POST", path: "LeadManagement.svc/Lead.Create",
			body: `[{"Attribute":"FirstName","Value":"x"},{"Attribute":"OwnerId","Value":"01a21183-0000-7000-8000-000000000000"}]`, status: 500},
		{name: "500_get_by_id_missing_id", method: "GET", path: "LeadManagement.svc/Leads.GetById", status: 500},
	}
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"FirstName","Value":"Seed"},{"Attribute":"EmailAddress","Value":"seed@example.com"},{"Attribute":"Phone","Value":"+91-9988776655"}]`)
		snapshot := func() string {
			r := e.v2("GET", "LeadManagement.svc/Leads.GetById?id="+lead, "")
			n, err := e.srv.Store.LeadCount(t.Context(), e.creds.OrgID)
			if err != nil {
				t.Fatal(err)
			}
			return string(r.body) + "|" + strings.Repeat("#", int(n))
		}
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				before := snapshot()
				sub := func(s string) string {
					s = strings.ReplaceAll(s, "{lead}", lead)
					s = strings.ReplaceAll(s, "{access}", e.creds.AccessKey)
					return strings.ReplaceAll(s, "{secret}", e.creds.SecretKey)
				}
				path := "/v2/" + sub(sc.path)
				hdr := map[string]string{}
				switch sc.auth {
				case "", "headers":
					hdr = e.keys()
				case "query":
					sep := "?"
					if strings.Contains(path, "?") {
						sep = "&"
					}
					path += sep + "ACCESSKEY=" + strings.ReplaceAll(e.creds.AccessKey, "$", "%24") + "&SecretKey=" + e.creds.SecretKey
				}
				for k, v := range sc.hdr {
					hdr[k] = sub(v)
				}
				r := e.do(sc.method, strings.ReplaceAll(path, "$", "%24"), hdr, sc.body)
				if r.status != sc.status {
					t.Errorf("status = %d, want %d; body %s", r.status, sc.status, truncate(r.body))
				}
				if r.header.Get("X-Request-Id") == "" {
					t.Error("no X-Request-Id")
				}
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q", ct)
				}
				if sc.status == 405 && r.header.Get("Allow") == "" {
					t.Error("405 without Allow")
				}
				if sc.status >= 400 {
					var env map[string]any
					if err := json.Unmarshal(r.body, &env); err != nil || len(env) != 3 || env["Status"] != "Error" {
						t.Errorf("error body is not the envelope: %s", r.body)
					}
					if after := snapshot(); after != before {
						t.Errorf("a failed call changed data")
					}
				}
				golden(t, sc.name, r)
			})
		}
	})
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// TestInternalErrorLeaksNothing: a database failure answers
// MXInternalException with only the request id, and is logged once.
func TestInternalErrorLeaksNothing(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		e.srv.Store.Close()
		r := e.v2("GET", "LeadManagement.svc/Leads.GetById?id=01a21183-0000-7000-8000-000000000000", "")
		if r.status != 500 {
			t.Fatalf("status %d", r.status)
		}
		id := r.header.Get("X-Request-Id")
		want := `{"Status":"Error","ExceptionType":"MXInternalException","ExceptionMessage":"An unexpected error occurred. Reference: ` + id + `"}`
		if string(r.body) != want {
			t.Errorf("body = %s\nwant   %s", r.body, want)
		}
		if n := strings.Count(e.logs.String(), id); n != 1 {
			t.Errorf("request id logged %d times, want once:\n%s", n, e.logs)
		}
		if strings.Contains(e.logs.String(), e.creds.SecretKey) {
			t.Error("secret key in the log")
		}
	})
}

// TestPanicBecomesInternalError: a handler panic is an MXInternalException.
func TestConcurrentCreatesThroughAPI(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		const n = 16
		codes := make(chan resp, n)
		for i := 0; i < n; i++ {
			go func() {
				codes <- e.v2("POST", "LeadManagement.svc/Lead.Create", `[{"Attribute":"EmailAddress","Value":"same@example.com"}]`)
			}()
		}
		okN, dup := 0, 0
		for i := 0; i < n; i++ {
			r := <-codes
			switch {
			case r.status == 200:
				okN++
			case r.status == 500 && bytes.Contains(r.body, []byte("MXDuplicateEntryException")):
				dup++
			default:
				t.Errorf("unexpected %d %s", r.status, r.body)
			}
		}
		if okN != 1 || dup != n-1 {
			t.Errorf("ok=%d dup=%d", okN, dup)
		}
	})
}

// TestTenantIsolation: org B's keys never see org A's lead.
func TestTenantIsolation(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"EmailAddress","Value":"a@example.com"}]`)
		r := e.admin("POST", "/orgs", `{"name":"B"}`)
		var org struct{ ID int64 }
		json.Unmarshal(r.body, &org)
		r = e.admin("POST", "/orgs/"+itoa(org.ID)+"/users", `{"email":"b@example.com","role":"Administrator"}`)
		var user struct{ ID string }
		json.Unmarshal(r.body, &user)
		r = e.admin("POST", "/orgs/"+itoa(org.ID)+"/users/"+user.ID+"/keys", "")
		var key struct{ AccessKey, SecretKey string }
		if err := json.Unmarshal(r.body, &key); err != nil || key.SecretKey == "" {
			t.Fatalf("create key: %d %s", r.status, r.body)
		}
		hb := map[string]string{"X-LSQ-AccessKey": key.AccessKey, "X-LSQ-SecretKey": key.SecretKey}
		if r := e.do("GET", "/v2/LeadManagement.svc/Leads.GetById?id="+lead, hb, ""); r.status != 200 || string(r.body) != "[]" {
			t.Errorf("org B GetById(A's lead) = %d %s", r.status, r.body)
		}
		if r := e.do("POST", "/v2/LeadManagement.svc/Lead.Update?leadId="+lead, hb, `[{"Attribute":"Company","Value":"X"}]`); r.status != 500 || !bytes.Contains(r.body, []byte("MXInvalidEntityException")) {
			t.Errorf("org B Update(A's lead) = %d %s", r.status, r.body)
		}
		// The same email is free in org B.
		if r := e.do("POST", "/v2/LeadManagement.svc/Lead.Create", hb, `[{"Attribute":"EmailAddress","Value":"a@example.com"}]`); r.status != 200 {
			t.Errorf("org B create same email = %d %s", r.status, r.body)
		}
		// A's lead is unchanged.
		r = e.v2("GET", "LeadManagement.svc/Leads.GetById?id="+lead, "")
		if bytes.Contains(r.body, []byte(`"Company":"X"`)) {
			t.Error("org B changed org A's lead")
		}
	})
}

// TestDeactivatedUserKeys: deactivating a user refuses its keys at once.
func TestDeactivatedUserKeys(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		org := itoa(int64(e.creds.OrgID))
		r := e.admin("POST", "/orgs/"+org+"/users", `{"email":"s@example.com","role":"Sales_User"}`)
		var user struct{ ID string }
		json.Unmarshal(r.body, &user)
		r = e.admin("POST", "/orgs/"+org+"/users/"+user.ID+"/keys", "")
		var key struct{ AccessKey, SecretKey string }
		json.Unmarshal(r.body, &key)
		h := map[string]string{"X-LSQ-AccessKey": key.AccessKey, "X-LSQ-SecretKey": key.SecretKey}
		if r := e.do("GET", "/v2/Authentication.svc/UserByAccessKey.Get", h, ""); r.status != 200 {
			t.Fatalf("active user: %d %s", r.status, r.body)
		}
		if r := e.admin("POST", "/orgs/"+org+"/users/"+user.ID+"/deactivate", ""); r.status != 200 {
			t.Fatalf("deactivate: %d %s", r.status, r.body)
		}
		r = e.do("GET", "/v2/Authentication.svc/UserByAccessKey.Get", h, "")
		want := `{"Status":"Error","ExceptionType":"MXUnAuthorizedAccessException","ExceptionMessage":"User is deactivated"}`
		if r.status != http.StatusUnauthorized || string(r.body) != want {
			t.Errorf("deactivated: %d %s", r.status, r.body)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
