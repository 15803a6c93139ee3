package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/localsquared/localsquared/lsq"
	"github.com/localsquared/localsquared/lsqtest"
)

// TestClientCommands drives lead, user and keys through the real binary
// against an in-process server, with the configuration read from the
// data directory's credentials.json, from the environment and from flags.
func TestClientCommands(t *testing.T) {
	srv := lsqtest.Start(t)
	dd := []string{"--url", srv.URL, "--data-dir", srv.DataDir}
	run := func(args ...string) string {
		t.Helper()
		code, out, errOut := cliEnv(t, nil, append(args, dd...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		return out
	}
	id := strings.TrimSpace(run("lead", "create", "FirstName=Ann", "EmailAddress=ann@example.com"))
	run("lead", "update", id, "LastName=Lee")
	if out := run("lead", "get", id); !strings.Contains(out, "LastName: Lee") || !strings.Contains(out, "ProspectStage: Prospect") {
		t.Errorf("lead get:\n%s", out)
	}
	var l lsq.Lead
	if err := json.Unmarshal([]byte(run("lead", "get", id, "--json")), &l); err != nil || l.ID() != id {
		t.Errorf("lead get --json: %v %v", l, err)
	}
	code, _, errOut := cliEnv(t, nil, append([]string{"lead", "create", "EmailAddress=ANN@example.com"}, dd...)...)
	if code != 1 || !strings.Contains(errOut, "MXDuplicateEntryException") {
		t.Errorf("duplicate: exit %d %s", code, errOut)
	}
	// Keys from the environment; a wrong secret is refused.
	code, _, errOut = cliEnv(t, []string{"LOCALSQUARED_URL=" + srv.URL, "LOCALSQUARED_ACCESS_KEY=" + srv.AccessKey, "LOCALSQUARED_SECRET_KEY=nope"}, "lead", "get", id)
	if code != 1 || !strings.Contains(errOut, "401") {
		t.Errorf("wrong secret: exit %d %s", code, errOut)
	}

	var u []lsq.AdminUser
	out := run("user", "create", "--email", "sam@example.com", "--first-name", "Sam", "--role", "Sales_User", "--json")
	if err := json.Unmarshal([]byte(out), &u); err != nil || len(u) != 1 || u[0].Email != "sam@example.com" {
		t.Fatalf("user create: %s %v", out, err)
	}
	var keys []lsq.Key
	if err := json.Unmarshal([]byte(run("keys", "create", u[0].ID, "--json")), &keys); err != nil || keys[0].SecretKey == "" {
		t.Fatalf("keys create: %v %v", keys, err)
	}
	// Keys from flags.
	if out := run("lead", "get", id, "--access-key", keys[0].AccessKey, "--secret-key", keys[0].SecretKey); !strings.Contains(out, "FirstName: Ann") {
		t.Errorf("lead get with Sam's keys:\n%s", out)
	}
	if out := run("keys", "list", u[0].ID); !strings.Contains(out, keys[0].AccessKey) {
		t.Errorf("keys list:\n%s", out)
	}
	if out := run("user", "list"); !strings.Contains(out, "sam@example.com") || !strings.Contains(out, "Administrator") {
		t.Errorf("user list:\n%s", out)
	}
	run("user", "deactivate", u[0].ID)
	code, _, errOut = cliEnv(t, nil, append([]string{"lead", "get", id, "--access-key", keys[0].AccessKey, "--secret-key", keys[0].SecretKey}, dd...)...)
	if code != 1 || !strings.Contains(errOut, "MXUnAuthorizedAccessException") {
		t.Errorf("deactivated user's keys: exit %d %s", code, errOut)
	}
	run("keys", "revoke", keys[0].AccessKey)
	code, _, errOut = cliEnv(t, nil, append([]string{"user", "get", "nope"}, dd...)...)
	if code != 1 || !strings.Contains(errOut, "404") {
		t.Errorf("unknown user: exit %d %s", code, errOut)
	}
}
