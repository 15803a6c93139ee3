package server_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAdminAPI(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		// Without or with a wrong token: 401 problem+json, nothing listed.
		for _, tok := range []string{"", "Bearer nope", "Bearer " + e.creds.SecretKey, e.creds.AdminToken} {
			r := e.do("GET", "/api/v1/orgs", map[string]string{"Authorization": tok}, "")
			if r.status != 401 || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("token %q: %d %s", tok, r.status, r.body)
			}
		}
		type step struct {
			method, path, body string
			status             int
			contains           string
		}
		org := "1"
		steps := []step{
			{"GET", "/orgs", "", 200, `"name":"Sandbox"`},
			{"POST", "/orgs", `{"name":"Acme"}`, 201, `"name":"Acme","plan":"unlimited","leadDeleteEnabled":false,"journalLevel":"full"`},
			{"POST", "/orgs", `{"name":"Acme"}`, 409, `already exists`},
			{"POST", "/orgs", `{"name":""}`, 400, `org name`},
			{"POST", "/orgs", `{"nam":"x"}`, 400, `unknown field`},
			{"POST", "/orgs", `not json`, 400, `invalid JSON`},
			{"GET", "/orgs/2", "", 200, `"name":"Acme"`},
			{"GET", "/orgs/99", "", 404, `does not exist`},
			{"GET", "/orgs/abc", "", 404, `positive integers`},
			{"PATCH", "/orgs/" + org, `{"leadDeleteEnabled":true,"journalLevel":"errors"}`, 200, `"leadDeleteEnabled":true,"journalLevel":"errors"`},
			{"PATCH", "/orgs/" + org, `{"journalLevel":"verbose"}`, 400, `journal level`},
			{"POST", "/orgs/" + org + "/users", `{"email":"s@example.com","firstName":"Sam","role":"Sales_User"}`, 201, `"role":"Sales_User","active":true`},
			{"POST", "/orgs/" + org + "/users", `{"email":"S@EXAMPLE.com"}`, 409, `same Email`},
			{"POST", "/orgs/" + org + "/users", `{"email":"t@example.com","role":"King"}`, 400, `Role`},
			{"POST", "/orgs/99/users", `{"email":"t@example.com"}`, 404, `does not exist`},
			{"GET", "/orgs/" + org + "/users", "", 200, `"email":"s@example.com"`},
			{"GET", "/orgs/" + org + "/users/" + e.creds.UserID + "/keys", "", 200, `"accessKey":"u$r`},
			{"POST", "/orgs/" + org + "/keys/u$rnope/rotate", "", 404, `does not exist`},
			{"DELETE", "/orgs/2/keys/" + e.creds.AccessKey, "", 404, `does not exist`}, // another org's key
			{"GET", "/nothing", "", 404, `no such admin endpoint`},
		}
		for _, s := range steps {
			r := e.admin(s.method, s.path, s.body)
			if r.status != s.status || !strings.Contains(string(r.body), s.contains) {
				t.Errorf("%s %s: %d %s; want %d containing %q", s.method, s.path, r.status, r.body, s.status, s.contains)
			}
			if r.status >= 400 && r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s: error Content-Type %q", s.method, s.path, r.header.Get("Content-Type"))
			}
		}
		// Listing keys never shows a secret.
		r := e.admin("GET", "/orgs/"+org+"/users/"+e.creds.UserID+"/keys", "")
		if strings.Contains(string(r.body), e.creds.SecretKey) || strings.Contains(string(r.body), "secretKey") {
			t.Errorf("key listing shows a secret: %s", r.body)
		}
		// Rotate: new secret works, old one does not; revoke: key refused.
		r = e.admin("POST", "/orgs/"+org+"/keys/"+e.creds.AccessKey+"/rotate", "")
		var k struct{ AccessKey, SecretKey string }
		if err := json.Unmarshal(r.body, &k); err != nil || r.status != 200 || k.SecretKey == "" || k.SecretKey == e.creds.SecretKey {
			t.Fatalf("rotate: %d %s", r.status, r.body)
		}
		old := e.v2("GET", "Authentication.svc/UserByAccessKey.Get", "")
		if old.status != 401 {
			t.Errorf("old secret after rotate: %d", old.status)
		}
		h := map[string]string{"X-LSQ-AccessKey": k.AccessKey, "X-LSQ-SecretKey": k.SecretKey}
		if r := e.do("GET", "/v2/Authentication.svc/UserByAccessKey.Get", h, ""); r.status != 200 {
			t.Errorf("new secret: %d %s", r.status, r.body)
		}
		if r := e.admin("DELETE", "/orgs/"+org+"/keys/"+k.AccessKey, ""); r.status != 204 {
			t.Errorf("revoke: %d %s", r.status, r.body)
		}
		if r := e.do("GET", "/v2/Authentication.svc/UserByAccessKey.Get", h, ""); r.status != 401 {
			t.Errorf("revoked key: %d", r.status)
		}
	})
}

func TestHealth(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		if r := e.do("GET", "/healthz", nil, ""); r.status != 200 || string(r.body) != `{"status":"ok"}` {
			t.Errorf("healthz: %d %s", r.status, r.body)
		}
		want := `{"status":"ready","database":"` + e.srv.Store.Dialect() + `"}`
		if r := e.do("GET", "/readyz", nil, ""); r.status != 200 || string(r.body) != want {
			t.Errorf("readyz: %d %s", r.status, r.body)
		}
		e.srv.Store.Close()
		if r := e.do("GET", "/readyz", nil, ""); r.status != 503 {
			t.Errorf("readyz with the database closed: %d %s", r.status, r.body)
		}
	})
}

// TestNonAdminRoleRefused: an admin-only operation with a Sales_User key
// answers 500 MXUnAuthorizedAccessException. No admin-only /v2 operation
// exists in the foundation, so this checks the role on the principal.
func TestRoleOnPrincipal(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		r := e.admin("POST", "/orgs/1/users", `{"email":"m@example.com","role":"Marketing_User"}`)
		var u struct{ ID string }
		json.Unmarshal(r.body, &u)
		r = e.admin("POST", "/orgs/1/users/"+u.ID+"/keys", "")
		var k struct{ AccessKey, SecretKey string }
		json.Unmarshal(r.body, &k)
		h := map[string]string{"X-LSQ-AccessKey": k.AccessKey, "X-LSQ-SecretKey": k.SecretKey}
		r = e.do("GET", "/v2/Authentication.svc/UserByAccessKey.Get", h, "")
		if r.status != 200 || !strings.Contains(string(r.body), `"Role":"Marketing_User"`) {
			t.Errorf("UserByAccessKey.Get for a Marketing_User: %d %s", r.status, r.body)
		}
	})
}

func TestMetrics(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		e.v2("GET", "LeadManagement.svc/Leads.GetById?id=x", "")
		e.v2("GET", "LeadManagement.svc/Leads.GetById?id=y", "")
		e.do("GET", "/v2/Nope.svc/Nothing", nil, "")
		r := e.do("GET", "/metrics", nil, "")
		body := string(r.body)
		for _, want := range []string{
			`localsquared_api_requests_total{operation="LeadManagement.svc/Leads.GetById",status="200"} 2`,
			`localsquared_api_requests_total{operation="unknown",status="404"} 1`,
			`localsquared_api_request_duration_seconds_count{operation="LeadManagement.svc/Leads.GetById"} 2`,
			`go_goroutines `, `process_open_fds `,
			// The three /v2 calls before this one.
			"localsquared_journal_entries_total 3\n", "localsquared_journal_queue_depth 0\n",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
}
