package server_test

import (
	"strings"
	"testing"
)

// TestUserOperations walks UserManagement.svc against golden files,
// including the admin-only checks.
func TestUserOperations(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		vars := map[string]string{"admin": e.creds.UserID}
		e.run(t, vars, []step{
			{name: "user_create", method: "POST", path: "UserManagement.svc/User/Create", status: 200, save: map[string]string{"chris": "Message.Id"},
				body: `{"FirstName":"Chris","LastName":"Harris","EmailAddress":"c@example.com","Role":"Sales_User","CustomFields":{"Marital_Status":"Single"},
				"AssociatedPhoneNumbers":"+91-8888888888","IsPhoneCallAgent":true,"UserType":0,"ManagerUserId":"{admin}","PhoneMobile":"","TimeZone":"Asia/Kolkata","DateFormat":"","Password":""}`},
			{name: "user_create_duplicate", method: "POST", path: "UserManagement.svc/User/Create", status: 500, body: `{"FirstName":"C","EmailAddress":"C@example.com","Role":"Sales_User"}`},
			{name: "user_create_no_role", method: "POST", path: "UserManagement.svc/User/Create", status: 500, body: `{"FirstName":"C","EmailAddress":"d@example.com"}`},
			{name: "user_create_bad_role", method: "POST", path: "UserManagement.svc/User/Create", status: 500, body: `{"FirstName":"C","EmailAddress":"d@example.com","Role":"King"}`},
			{name: "user_create_bad_email", method: "POST", path: "UserManagement.svc/User/Create", status: 500, body: `{"FirstName":"C","EmailAddress":"nope","Role":"Sales_User"}`},
			{name: "user_create_unknown_key", method: "POST", path: "UserManagement.svc/User/Create", status: 500, body: `{"FirstName":"C","EmailAddress":"d@example.com","Role":"Sales_User","Salary":"1"}`},
			{name: "users_get", method: "GET", path: "UserManagement.svc/Users.Get", status: 200},
			{name: "user_by_id", method: "GET", path: "UserManagement.svc/User/Retrieve/ByUserId?userId={chris}", status: 200},
			{name: "user_by_id_unknown", method: "GET", path: "UserManagement.svc/User/Retrieve/ByUserId?userId=01a21183-0000-7000-8000-000000000000", status: 200},
			{name: "user_by_id_missing", method: "GET", path: "UserManagement.svc/User/Retrieve/ByUserId", status: 500},
			{name: "user_by_email", method: "GET", path: "UserManagement.svc/User/Retrieve/ByEmailAddress?emailAddress=C@EXAMPLE.com", status: 200},
			{name: "user_search", method: "POST", path: "UserManagement.svc/User/AdvancedSearch", status: 200,
				body: `{"Parameter":{"SearchText":"harr","Role":"Sales_User","StatusCode":0},"Paging":{"PageIndex":1,"PageSize":10}}`},
			{name: "user_search_bad_role", method: "POST", path: "UserManagement.svc/User/AdvancedSearch", status: 500, body: `{"Parameter":{"Role":"x"}}`},
			{name: "user_search_page_cap", method: "POST", path: "UserManagement.svc/User/AdvancedSearch", status: 500, body: `{"Paging":{"PageIndex":1,"PageSize":1001}}`},
			{name: "user_update", method: "POST", path: "UserManagement.svc/User/Update?UserId={chris}", status: 200,
				body: `{"user":{"LastName":"Kant","Designation":"AE"},"userSettings":{"IsSoftPhoneEnabled":1}}`},
			{name: "user_mark_obsolete_active", method: "GET", path: "UserManagement.svc/User/MarkObsolete?userid={chris}", status: 500},
			{name: "user_deactivate_self", method: "POST", path: "UserManagement.svc/User/Update?UserId={admin}", status: 500, body: `{"user":{"StatusCode":1}}`},
			{name: "user_deactivate", method: "POST", path: "UserManagement.svc/User/Update?UserId={chris}", status: 200, body: `{"user":{"StatusCode":1}}`},
			{name: "user_by_id_inactive", method: "GET", path: "UserManagement.svc/User/Retrieve/ByUserId?userId={chris}", status: 200},
			{name: "users_get_with_inactive", method: "GET", path: "UserManagement.svc/Users.Get", status: 200},
			{name: "user_mark_obsolete", method: "GET", path: "UserManagement.svc/User/MarkObsolete?userid={chris}", status: 200},
			{name: "user_create_reuse_email", method: "POST", path: "UserManagement.svc/User/Create", status: 200, body: `{"FirstName":"New","EmailAddress":"c@example.com","Role":"Sales_Manager"}`},
			{name: "user_update_unknown", method: "POST", path: "UserManagement.svc/User/Update?UserId={chris}", status: 500, body: `{"user":{"LastName":"X"}}`},
		})
		// A Sales_User's keys may read users but not manage them.
		su := e.userKeys(t, int64(e.creds.OrgID), "su@example.com", "Sales_User")
		for _, c := range []struct{ method, path, body string }{
			{"POST", "UserManagement.svc/User/Create", `{"FirstName":"X","EmailAddress":"x@example.com","Role":"Administrator"}`},
			{"POST", "UserManagement.svc/User/Update?UserId=" + e.creds.UserID, `{"user":{"Role":"Sales_User"}}`},
			{"GET", "UserManagement.svc/User/MarkObsolete?userid=" + e.creds.UserID, ""},
			{"POST", "ProspectActivity.svc/CreateType", `{"ActivityEventName":"X"}`},
			{"POST", "ProspectActivity.svc/DeleteActivities", `{"ProspectId":"x","ActivityEventList":["200"]}`},
		} {
			r := e.do(c.method, "/v2/"+c.path, su, c.body)
			want := `{"Status":"Error","ExceptionType":"MXUnAuthorizedAccessException","ExceptionMessage":"You do not have permission to perform this action"}`
			if r.status != 500 || string(r.body) != want {
				t.Errorf("Sales_User %s: %d %s", c.path, r.status, r.body)
			}
		}
		if r := e.do("GET", "/v2/UserManagement.svc/Users.Get", su, ""); r.status != 200 {
			t.Errorf("Sales_User Users.Get: %d %s", r.status, r.body)
		}
	})
}

// TestUserTenantIsolation: org B's keys cannot read, update or retire org
// A's users by id, email or search.
func TestUserTenantIsolation(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		b := e.newOrgKeys(t, "B")
		a := e.creds.UserID
		for _, c := range []struct{ method, path, body, want string }{
			{"GET", "UserManagement.svc/User/Retrieve/ByUserId?userId=" + a, "", `[]`},
			{"GET", "UserManagement.svc/User/Retrieve/ByEmailAddress?emailAddress=admin@sandbox.localsquared.dev", "", `[]`},
			{"POST", "UserManagement.svc/User/AdvancedSearch", `{"Parameter":{"SearchText":"sandbox"}}`, `{"RecordCount":0,"List":[]}`},
			{"POST", "UserManagement.svc/User/Update?UserId=" + a, `{"user":{"LastName":"X"}}`, "MXInvalidEntityException"},
			{"GET", "UserManagement.svc/User/MarkObsolete?userid=" + a, "", "MXInvalidEntityException"},
			{"POST", "UserManagement.svc/User/Update?UserId=" + b["X-User-Id"], `{"user":{"ManagerUserId":"` + a + `"}}`, "ManagerUserId (no user with this id)"},
		} {
			r := e.do(c.method, "/v2/"+c.path, b, c.body)
			if !strings.Contains(string(r.body), c.want) {
				t.Errorf("org B %s: %d %s, want %s", c.path, r.status, r.body, c.want)
			}
		}
		r := e.do("GET", "/v2/UserManagement.svc/Users.Get", b, "")
		if strings.Contains(string(r.body), "sandbox") {
			t.Errorf("org B Users.Get lists org A's users: %s", r.body)
		}
		// The same email is free in org B.
		if r := e.do("POST", "/v2/UserManagement.svc/User/Create", b, `{"FirstName":"A","EmailAddress":"admin@sandbox.localsquared.dev","Role":"Sales_User"}`); r.status != 200 {
			t.Errorf("org B create same email: %d %s", r.status, r.body)
		}
		r = e.v2("GET", "UserManagement.svc/User/Retrieve/ByUserId?userId="+a, "")
		if !strings.Contains(string(r.body), `"LastName":"Admin"`) {
			t.Errorf("org A's user changed: %s", r.body)
		}
	})
}
