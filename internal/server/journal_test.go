package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/journal"
	"github.com/localsquared/localsquared/internal/server"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

// journalList queries the org's journal through the admin API.
func (e *env) journalList(org int64, query string) journal.ListJSON {
	e.t.Helper()
	r := e.admin("GET", "/orgs/"+itoa(org)+"/journal?"+query, "")
	var out journal.ListJSON
	if r.status != 200 || json.Unmarshal(r.body, &out) != nil {
		e.t.Fatalf("journal list %q: %d %s", query, r.status, r.body)
	}
	return out
}

// journalEntry returns the one entry of the call with request id rid.
func (e *env) journalEntry(org int64, rid string) journal.EntryJSON {
	e.t.Helper()
	l := e.journalList(org, "requestId="+rid)
	if len(l.Entries) != 1 {
		e.t.Fatalf("request %s: %d journal entries in org %d, want 1", rid, len(l.Entries), org)
	}
	return l.Entries[0]
}

func (e *env) org() int64 { return int64(e.creds.OrgID) }

// TestJournalRecordsEveryCall: one call of each outcome class, and every
// field of its entry.
func TestJournalRecordsEveryCall(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"EmailAddress","Value":"seed@example.com"}]`)
		org, user, ak := e.org(), e.creds.UserID, e.creds.AccessKey
		keysQ := "accessKey=" + url.QueryEscape(ak) + "&secretKey=" + e.creds.SecretKey
		big := `[{"Attribute":"Notes","Value":"` + strings.Repeat("x", 70<<10) + `"}]`
		type tc struct {
			name           string
			method, path   string
			hdr            map[string]string
			body           string
			org            int64
			want           journal.EntryJSON // fields compared; ids, time, latency checked apart
			wantReqBody    string
			wantReqTrunc   bool
			recordResponse bool
		}
		create := `[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"EmailAddress","Value":"ann@example.com"}]`
		cases := []tc{
			{name: "success", method: "POST", path: "/v2/LeadManagement.svc/Lead.Create", hdr: e.keys(), body: create, org: org,
				want: journal.EntryJSON{Operation: "LeadManagement.svc/Lead.Create", Status: 200}, wantReqBody: create},
			{name: "query keys", method: "GET", path: "/v2/LeadManagement.svc/Leads.GetById?" + keysQ + "&id=" + lead, org: org,
				want: journal.EntryJSON{Operation: "LeadManagement.svc/Leads.GetById", Query: "id=" + lead, Status: 200}},
			{name: "400", method: "POST", path: "/v2/LeadManagement.svc/Lead.Create", hdr: e.keys(), body: `[{"Attribute":`, org: org,
				want:        journal.EntryJSON{Operation: "LeadManagement.svc/Lead.Create", Status: 400, ExceptionType: "MXInvalidRequestFormatException"},
				wantReqBody: `[{"Attribute":`},
			{name: "401", method: "POST", path: "/v2/LeadManagement.svc/Lead.Create?x=1", hdr: map[string]string{"X-LSQ-AccessKey": ak, "X-LSQ-SecretKey": "wrong"},
				body: create, org: 0,
				want: journal.EntryJSON{Operation: "LeadManagement.svc/Lead.Create", Query: "x=1", Status: 401, ExceptionType: "MXUnAuthorizedAccessException",
					ExceptionMessage: "Invalid access key or secret key"}, wantReqBody: create},
			{name: "404", method: "POST", path: "/v2/LeadManagement.svc/Lead.Creat", hdr: e.keys(), body: `[]`, org: org,
				want: journal.EntryJSON{Status: 404, ExceptionType: "MXAPINotFoundException"}, wantReqBody: `[]`},
			{name: "405", method: "GET", path: "/v2/LeadManagement.svc/Lead.Create", hdr: e.keys(), org: org,
				want: journal.EntryJSON{Operation: "LeadManagement.svc/Lead.Create", Status: 405, ExceptionType: "MXMethodNotAllowedException"}},
			{name: "413", method: "POST", path: "/v2/LeadManagement.svc/Lead.Create", hdr: e.keys(), body: big, org: org,
				want:        journal.EntryJSON{Operation: "LeadManagement.svc/Lead.Create", Status: 413, ExceptionType: "MXRequestTooLargeException"},
				wantReqBody: big[:64<<10], wantReqTrunc: true},
			{name: "500 business", method: "POST", path: "/v2/LeadManagement.svc/Lead.Update", hdr: e.keys(), body: `[{"Attribute":"Company","Value":"A"}]`, org: org,
				want: journal.EntryJSON{Operation: "LeadManagement.svc/Lead.Update", Status: 500, ExceptionType: "MXMandatoryAttributeMissingException",
					ExceptionMessage: "'leadId' is mandatory for updating lead"}, wantReqBody: `[{"Attribute":"Company","Value":"A"}]`},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := time.Now().Add(-time.Millisecond)
				hdr := map[string]string{"User-Agent": "journal-test/1"}
				for k, v := range c.hdr {
					hdr[k] = v
				}
				r := e.do(c.method, c.path, hdr, c.body)
				if r.status != c.want.Status {
					t.Fatalf("status %d, want %d: %s", r.status, c.want.Status, r.body)
				}
				rid := r.header.Get("X-Request-Id")
				got := e.journalEntry(c.org, rid)
				want := c.want
				want.ID, want.Time, want.LatencyUs = got.ID, got.Time, got.LatencyUs
				want.OrgID, want.Method, want.Path = c.org, c.method, strings.SplitN(c.path, "?", 2)[0]
				if c.org != 0 {
					want.UserID, want.AccessKey = user, ak
				}
				want.RequestBody, want.RequestTruncated = c.wantReqBody, c.wantReqTrunc
				want.ResponseBody = string(r.body)
				if want.ExceptionType != "" && want.ExceptionMessage == "" {
					var env struct{ ExceptionMessage string }
					json.Unmarshal(r.body, &env)
					want.ExceptionMessage = env.ExceptionMessage
				}
				want.RequestID, want.ClientAddr, want.UserAgent, want.Level = rid, "127.0.0.1", "journal-test/1", "full"
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("entry (-want +got):\n%s", diff)
				}
				if got.ID <= 0 || got.Time.Before(before.Truncate(time.Millisecond)) || got.Time.After(time.Now()) || got.LatencyUs <= 0 {
					t.Errorf("id %d, time %v (call at %v), latency %dµs", got.ID, got.Time, before, got.LatencyUs)
				}
				one := e.admin("GET", fmt.Sprintf("/orgs/%d/journal/%d", c.org, got.ID), "")
				var byID journal.EntryJSON
				if json.Unmarshal(one.body, &byID) != nil || !cmp.Equal(byID, got) {
					t.Errorf("GET journal/%d = %d %s", got.ID, one.status, one.body)
				}
			})
		}

		// An internal fault (the main database is gone) is recorded too:
		// the journal is separate storage.
		t.Run("500 internal", func(t *testing.T) {
			e.srv.Store.Close()
			r := e.v2("POST", "LeadManagement.svc/Lead.Create", create)
			rid := r.header.Get("X-Request-Id")
			wantBody := `{"Status":"Error","ExceptionType":"MXInternalException","ExceptionMessage":"An unexpected error occurred. Reference: ` + rid + `"}`
			if r.status != 500 || string(r.body) != wantBody {
				t.Fatalf("%d %s", r.status, r.body)
			}
			p, err := e.srv.Journal.Query(context.Background(), journal.Filter{Org: 0, RequestID: rid})
			if err != nil || len(p.Entries) != 1 {
				t.Fatalf("entries %v, %v", p.Entries, err)
			}
			got := p.Entries[0]
			if got.Status != 500 || got.ExceptionType != "MXInternalException" || got.ResponseBody != wantBody || got.RequestBody != create ||
				got.Operation != "LeadManagement.svc/Lead.Create" {
				t.Errorf("internal error entry: %+v", got)
			}
		})
	})
}

// TestJournalLevels: full keeps every body, errors only error bodies,
// signature no query and no bodies.
func TestJournalLevels(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		org := e.org()
		lead := e.createLead(`[{"Attribute":"EmailAddress","Value":"l@example.com"}]`)
		for _, level := range []string{"full", "errors", "signature"} {
			t.Run(level, func(t *testing.T) {
				if r := e.admin("PATCH", "/orgs/"+itoa(org), `{"journalLevel":"`+level+`"}`); r.status != 200 {
					t.Fatalf("set level: %d %s", r.status, r.body)
				}
				ok := e.v2("POST", "LeadManagement.svc/Lead.Update?leadId="+lead, `[{"Attribute":"Company","Value":"A"}]`)
				bad := e.v2("POST", "LeadManagement.svc/Lead.Update?leadId=nope", `[{"Attribute":"Company","Value":"A"}]`)
				okE, badE := e.journalEntry(org, ok.header.Get("X-Request-Id")), e.journalEntry(org, bad.header.Get("X-Request-Id"))
				type bodies struct {
					Level, Query, Req, Resp, Exc, Msg string
				}
				gotOK := bodies{okE.Level, okE.Query, okE.RequestBody, okE.ResponseBody, okE.ExceptionType, okE.ExceptionMessage}
				gotBad := bodies{badE.Level, badE.Query, badE.RequestBody, badE.ResponseBody, badE.ExceptionType, badE.ExceptionMessage}
				wantOK := bodies{level, "leadId=" + lead, `[{"Attribute":"Company","Value":"A"}]`, string(ok.body), "", ""}
				wantBad := bodies{level, "leadId=nope", `[{"Attribute":"Company","Value":"A"}]`, string(bad.body), "MXInvalidEntityException", "Lead does not exist in the system"}
				switch level {
				case "errors":
					wantOK.Req, wantOK.Resp = "", ""
				case "signature":
					wantOK.Req, wantOK.Resp, wantOK.Query = "", "", ""
					wantBad.Req, wantBad.Resp, wantBad.Query = "", "", ""
				}
				if diff := cmp.Diff(wantOK, gotOK); diff != "" {
					t.Errorf("success (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(wantBad, gotBad); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
				if okE.Status != 200 || badE.Status != 500 || okE.Operation != "LeadManagement.svc/Lead.Update" {
					t.Errorf("status/operation: %+v %+v", okE, badE)
				}
			})
		}
	})
}

// TestJournalTruncation: bodies beyond the cap are cut at the cap and
// flagged, request and response alike.
func TestJournalTruncation(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b, func(t *testing.T) {
			e := newEnvWith(t, b, func(c *server.Config) { c.JournalBodyCap = 40 })
			body := `[{"Attribute":"FirstName","Value":"` + strings.Repeat("é", 30) + `"}]`
			r := e.v2("POST", "LeadManagement.svc/Lead.Create", body)
			got := e.journalEntry(e.org(), r.header.Get("X-Request-Id"))
			if !got.RequestTruncated || got.RequestBody != body[:39]+"\uFFFD" && got.RequestBody != body[:40] {
				t.Errorf("request body %q truncated=%v", got.RequestBody, got.RequestTruncated)
			}
			if !got.ResponseTruncated || got.ResponseBody != string(r.body[:40]) {
				t.Errorf("response body %q truncated=%v (full %s)", got.ResponseBody, got.ResponseTruncated, r.body)
			}
			r = e.v2("POST", "LeadManagement.svc/Lead.Create", `[]`)
			got = e.journalEntry(e.org(), r.header.Get("X-Request-Id"))
			if got.RequestTruncated || got.RequestBody != `[]` {
				t.Errorf("short body: %q truncated=%v", got.RequestBody, got.RequestTruncated)
			}
		})
	}
}

// TestJournalFailureAnswers500: a call whose entry cannot be committed
// answers MXInternalException, never its real response.
func TestJournalFailureAnswers500(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		e.srv.Journal.FailWrites(errors.New("disk full"))
		r := e.v2("GET", "Authentication.svc/UserByAccessKey.Get", "")
		rid := r.header.Get("X-Request-Id")
		want := `{"Status":"Error","ExceptionType":"MXInternalException","ExceptionMessage":"An unexpected error occurred. Reference: ` + rid + `"}`
		if r.status != 500 || string(r.body) != want || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("%d %s %v", r.status, r.body, r.header)
		}
		if !strings.Contains(e.logs.String(), "disk full") || strings.Count(e.logs.String(), rid) != 1 {
			t.Errorf("log should name the fault once with the request id:\n%s", e.logs)
		}
		e.srv.Journal.FailWrites(nil)
		if r := e.v2("GET", "Authentication.svc/UserByAccessKey.Get", ""); r.status != 200 {
			t.Errorf("after recovery: %d %s", r.status, r.body)
		}
		if l := e.journalList(e.org(), ""); len(l.Entries) != 1 {
			t.Errorf("%d entries, want only the recorded call", len(l.Entries))
		}
	})
}

// TestJournalQuery: filters, order, cursor paging and bad parameters.
func TestJournalQuery(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		org := e.org()
		lead := e.createLead(`[{"Attribute":"EmailAddress","Value":"q@example.com"}]`)
		start := time.Now()
		var rids []string
		for i := range 5 {
			r := e.v2("POST", "LeadManagement.svc/Lead.Update?leadId="+lead, fmt.Sprintf(`[{"Attribute":"Company","Value":"Co%d"}]`, i))
			rids = append(rids, r.header.Get("X-Request-Id"))
		}
		bad := e.v2("POST", "LeadManagement.svc/Lead.Update", `[{"Attribute":"Company","Value":"X"}]`)
		e.v2("GET", "LeadManagement.svc/Lead.Create", "")
		e.v2("GET", "LeadManagement.svc/Leads.GetById?id="+lead, "")
		ids := func(l journal.ListJSON) []string {
			var out []string
			for _, en := range l.Entries {
				out = append(out, en.RequestID)
			}
			return out
		}
		all := e.journalList(org, "")
		if len(all.Entries) != 9 || all.NextCursor != "" {
			t.Fatalf("all: %d entries, next %q", len(all.Entries), all.NextCursor)
		}
		for i := 1; i < len(all.Entries); i++ {
			if all.Entries[i].ID >= all.Entries[i-1].ID {
				t.Errorf("not newest first: %d then %d", all.Entries[i-1].ID, all.Entries[i].ID)
			}
		}
		check := func(q string, want int) journal.ListJSON {
			t.Helper()
			l := e.journalList(org, q)
			if len(l.Entries) != want {
				t.Errorf("%s: %d entries, want %d", q, len(l.Entries), want)
			}
			return l
		}
		check("operation=leadmanagement.svc/lead.update", 6)
		check("operation=LeadManagement.svc/Lead.Update&status=200", 5)
		check("status=500", 1)
		check("status=5xx", 1)
		check("status=4xx", 1)
		check("exceptionType=MXMandatoryAttributeMissingException", 1)
		check("requestId="+bad.header.Get("X-Request-Id"), 1)
		check("leadId="+lead, 7) // create's response, 5 updates' query, the read
		check("leadId="+strings.ToUpper(lead), 7)
		check("text=co3", 1)
		check("text=%25", 0) // % is literal
		check("from="+url.QueryEscape(start.UTC().Format(time.RFC3339Nano))+"&operation=LeadManagement.svc/Lead.Create", 1)
		check("to="+itoa(start.Add(-time.Second).UnixMilli()), 0)
		check("from=2000-01-01%2000:00:00&to="+itoa(time.Now().Add(time.Second).UnixMilli()), 9)
		asc := check("order=asc&operation=LeadManagement.svc/Lead.Update&status=200", 5)
		if diff := cmp.Diff(rids, ids(asc)); diff != "" {
			t.Errorf("ascending (-want +got):\n%s", diff)
		}
		// Paging: two at a time, newest first, the same entries as one page.
		var paged []string
		q := "limit=2"
		for pages := 0; ; pages++ {
			l := e.journalList(org, q)
			paged = append(paged, ids(l)...)
			if l.NextCursor == "" {
				if pages != 4 {
					t.Errorf("%d pages, want 5", pages+1)
				}
				break
			}
			q = "limit=2&cursor=" + l.NextCursor
		}
		if diff := cmp.Diff(ids(all), paged); diff != "" {
			t.Errorf("paged (-want +got):\n%s", diff)
		}
		for _, c := range []struct{ path, detail string }{
			{"/journal?status=abc", "status must be an HTTP status or a class such as 5xx"},
			{"/journal?from=yesterday", "from must be RFC 3339, yyyy-MM-dd HH:mm:ss (UTC) or Unix milliseconds"},
			{"/journal?cursor=zzz", "cursor is not one this API returned"},
			{"/journal?limit=0", "limit must be 1 to 1000"},
			{"/journal?sort=x", `unknown parameter "sort"`},
			{"/journal/export?format=xml", "format must be jsonl or csv"},
		} {
			r := e.admin("GET", "/orgs/"+itoa(org)+c.path, "")
			var p struct {
				Status int
				Detail string
			}
			if json.Unmarshal(r.body, &p) != nil || r.status != 400 || p.Detail != c.detail {
				t.Errorf("%s: %d %s", c.path, r.status, r.body)
			}
		}
		if r := e.admin("GET", "/orgs/999/journal", ""); r.status != 404 {
			t.Errorf("unknown org: %d %s", r.status, r.body)
		}
		if r := e.admin("GET", fmt.Sprintf("/orgs/0/journal/%d", all.Entries[0].ID), ""); r.status != 404 {
			t.Errorf("another org's entry: %d %s", r.status, r.body)
		}
		if r := e.do("GET", "/api/v1/orgs/"+itoa(org)+"/journal", nil, ""); r.status != 401 {
			t.Errorf("no admin token: %d %s", r.status, r.body)
		}
	})
}

// bulkEntries makes n synthetic entries for org, one per millisecond
// ending at end.
func bulkEntries(org crm.OrgID, n int, end time.Time, body string) []*journal.Entry {
	out := make([]*journal.Entry, n)
	for i := range out {
		out[i] = &journal.Entry{Time: end.Add(time.Duration(i-n+1) * time.Millisecond), OrgID: org, Method: "POST",
			Path: "/v2/LeadManagement.svc/Lead.Create", Operation: "LeadManagement.svc/Lead.Create", Status: 200,
			RequestBody: body, ResponseBody: `{"Status":"Success"}`, RequestID: fmt.Sprintf("bulk-%d", i), Level: "full"}
	}
	return out
}

// TestJournalRetention: pruning by age and by size, per org, in batches.
func TestJournalRetention(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		j := e.srv.Journal
		org := e.creds.OrgID
		now := time.Now()
		old := bulkEntries(org, 1200, now.Add(-3*time.Hour), "old")
		recent := bulkEntries(org, 300, now, strings.Repeat("r", 1000))
		other := bulkEntries(0, 100, now.Add(-3*time.Hour), "other org")
		if err := j.InsertBulk(ctx, append(append(old, recent...), other...)); err != nil {
			t.Fatal(err)
		}
		settings := func() journal.SettingsJSON {
			r := e.admin("GET", "/orgs/"+itoa(int64(org))+"/journal/settings", "")
			var s journal.SettingsJSON
			if r.status != 200 || json.Unmarshal(r.body, &s) != nil {
				t.Fatalf("settings: %d %s", r.status, r.body)
			}
			return s
		}
		s := settings()
		if s.MaxAgeHours != 720 || s.MaxBytes != 0 || !s.Default || s.Entries != 1500 {
			t.Errorf("default settings %+v", s)
		}
		if r := e.admin("PATCH", "/orgs/"+itoa(int64(org))+"/journal/settings", `{"maxAgeHours":2}`); r.status != 200 {
			t.Fatalf("patch: %d %s", r.status, r.body)
		}
		if r := e.admin("PATCH", "/orgs/"+itoa(int64(org))+"/journal/settings", `{"maxAgeHours":-1}`); r.status != 400 {
			t.Errorf("negative age: %d %s", r.status, r.body)
		}
		n, err := j.Prune(ctx)
		if err != nil || n != 1200 {
			t.Fatalf("prune by age: %d, %v", n, err)
		}
		if s := settings(); s.Entries != 300 || s.Default || s.MaxAgeHours != 2 {
			t.Errorf("after age pruning %+v", s)
		}
		// Org 0 keeps its default 30 days.
		if u, _ := j.Usage(ctx, 0); u.Entries != 100 {
			t.Errorf("org 0 has %d entries, want 100", u.Entries)
		}
		// By size: keep at most ~100 of the 300 recent entries.
		per := settings().Bytes / 300
		if r := e.admin("PATCH", "/orgs/"+itoa(int64(org))+"/journal/settings", fmt.Sprintf(`{"maxBytes":%d}`, per*100+300)); r.status != 200 {
			t.Fatalf("patch: %d %s", r.status, r.body)
		}
		if n, err := j.Prune(ctx); err != nil || n != 200 {
			t.Fatalf("prune by size: %d, %v", n, err)
		}
		s = settings()
		if s.Entries != 100 || s.Bytes > per*100+300 {
			t.Errorf("after size pruning %+v", s)
		}
		// The newest survive.
		l := e.journalList(int64(org), "limit=1000&order=asc")
		if len(l.Entries) != 100 || l.Entries[0].RequestID != "bulk-200" || l.Entries[99].RequestID != "bulk-299" {
			t.Errorf("kept %d entries, first %s", len(l.Entries), l.Entries[0].RequestID)
		}
	})
}

// TestJournalExportStreams: an export of more data than is ever held in
// memory comes out whole, in order, while the server's live heap stays
// small; CSV has a header and one parseable row per entry.
func TestJournalExportStreams(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		const n = 12000
		body := strings.Repeat("b", 6000)
		org := e.creds.OrgID
		if err := e.srv.Journal.InsertBulk(context.Background(), bulkEntries(org, n, time.Now(), body)); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", e.url+"/api/v1/orgs/"+itoa(int64(org))+"/journal/export?format=jsonl&order=asc", nil)
		req.Header.Set("Authorization", "Bearer "+e.creds.AdminToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("%d %v", res.StatusCode, res.Header)
		}
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		base, peak := ms.HeapAlloc, uint64(0)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		lines, total := 0, 0
		for sc.Scan() {
			var en journal.EntryJSON
			if err := json.Unmarshal(sc.Bytes(), &en); err != nil || en.RequestID != fmt.Sprintf("bulk-%d", lines) || en.RequestBody != body {
				t.Fatalf("line %d: %v %.100s", lines, err, sc.Bytes())
			}
			lines++
			total += len(sc.Bytes())
			if lines%1000 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		if lines != n {
			t.Fatalf("%d lines, want %d", lines, n)
		}
		if peak > base && peak-base > 24<<20 {
			t.Errorf("live heap grew by %d MiB while exporting %d MiB", (peak-base)>>20, total>>20)
		}

		r := e.admin("GET", "/orgs/"+itoa(int64(org))+"/journal/export?format=csv&limit=2500", "")
		rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
		if err != nil || len(rows) != 2501 || rows[0][0] != "id" || rows[1][17] != fmt.Sprintf("bulk-%d", n-1) || rows[1][9] != body {
			t.Errorf("csv: %v, %d rows", err, len(rows))
		}
	})
}

// TestJournalKeepsNoSecrets: keys sent in the query (any casing) and in
// headers appear in no journal row, export, log or response; neither does
// the admin token.
func TestJournalKeepsNoSecrets(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		ak, sk := url.QueryEscape(e.creds.AccessKey), e.creds.SecretKey
		var bodies []string
		for _, q := range []string{
			"accessKey=" + ak + "&secretKey=" + sk,
			"ACCESSKEY=" + ak + "&SECRETKEY=" + sk,
			"AccessKey=" + ak + "&secretkey=" + sk,
			"accesskey=" + ak + "&SecretKey=" + sk + "&secretKey=" + sk,
			"access%4Bey=" + ak + "&secret%4bey=" + sk,
			"x-lsq-secretKey=" + sk + "&accessKey=" + ak + "&secretKey=" + sk,
		} {
			for _, p := range []string{"LeadManagement.svc/Leads.GetById?id=x&", "LeadManagement.svc/Lead.Creat?", "LeadManagement.svc/Lead.Create?"} {
				r := e.do("GET", "/v2/"+p+q, nil, "")
				bodies = append(bodies, string(r.body))
			}
		}
		r := e.v2("POST", "LeadManagement.svc/Lead.Create", `[{"Attribute":"FirstName","Value":"x"}]`)
		bodies = append(bodies, string(r.body))
		r = e.do("GET", "/v2/LeadManagement.svc/Leads.GetById?id=x", map[string]string{"X-LSQ-AccessKey": e.creds.AccessKey, "X-LSQ-SecretKey": sk + "0"}, "")
		bodies = append(bodies, string(r.body))
		var dump strings.Builder
		for _, org := range []int64{0, e.org()} {
			for _, f := range []string{"jsonl", "csv"} {
				r := e.admin("GET", fmt.Sprintf("/orgs/%d/journal/export?format=%s", org, f), "")
				dump.Write(r.body)
			}
			r := e.admin("GET", fmt.Sprintf("/orgs/%d/journal?limit=1000", org), "")
			dump.Write(r.body)
		}
		if !strings.Contains(dump.String(), "id=x") || strings.Count(dump.String(), `"requestId"`) < 20 {
			t.Fatalf("the journal should hold the calls:\n%.2000s", dump.String())
		}
		for what, s := range map[string]string{"journal": dump.String(), "logs": e.logs.String(), "responses": strings.Join(bodies, "\n")} {
			for _, secret := range []string{sk, e.creds.AdminToken} {
				if strings.Contains(s, secret) {
					t.Errorf("%s contain a secret", what)
				}
			}
		}
		// The raw rows, beyond the API's view of them.
		if err := e.srv.Journal.Each(context.Background(), journal.Filter{Org: e.creds.OrgID}, func(en *journal.Entry) error {
			if strings.Contains(fmt.Sprintf("%#v", en), sk) {
				return fmt.Errorf("entry %d holds the secret", en.ID)
			}
			return nil
		}); err != nil {
			t.Error(err)
		}
		if got := journal.ScrubQuery("a=1&SecretKey=s&b=%20&aCCesskey=k&secret%4Bey=s&%zz=1"); got != "a=1&b=%20" {
			t.Errorf("ScrubQuery = %q", got)
		}
	})
}

// TestJournalClientClosed: a call whose client has gone (its context is
// cancelled) before the answer is ready is no internal error: the log
// says so at INFO, and the journal records it as 499. The admin API
// answers 499 too.
func TestJournalClientClosed(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequest("POST", "/v2/LeadManagement.svc/Lead.Create",
			strings.NewReader(`[{"Attribute":"EmailAddress","Value":"gone@example.com"}]`)).WithContext(ctx)
		for k, v := range e.keys() {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(rec, req)
		rid := rec.Header().Get("X-Request-Id")
		wantBody := `{"Status":"Error","ExceptionType":"MXClientClosedRequestException","ExceptionMessage":"The client closed the connection before the response was ready."}`
		if rec.Code != 499 || rec.Body.String() != wantBody {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		p, err := e.srv.Journal.Query(context.Background(), journal.Filter{Org: 0, RequestID: rid})
		if err != nil || len(p.Entries) != 1 {
			t.Fatalf("entries %v, %v", p.Entries, err)
		}
		if got := p.Entries[0]; got.Status != 499 || got.ExceptionType != "MXClientClosedRequestException" || got.ResponseBody != wantBody {
			t.Errorf("entry: %+v", got)
		}
		logs := e.logs.String()
		if strings.Contains(logs, "internal error") || !strings.Contains(logs, `msg="call abandoned by its client" request_id=`+rid) {
			t.Errorf("logs:\n%s", logs)
		}
		if r := e.v2("GET", "LeadManagement.svc/Leads.GetByEmailaddress?emailaddress=gone@example.com", ""); r.status != 200 || string(r.body) != "[]" {
			t.Errorf("the abandoned create wrote a lead: %d %s", r.status, r.body)
		}

		// The admin API answers such a call alike, as a problem.
		req = httptest.NewRequest("GET", "/api/v1/orgs/"+itoa(e.org())+"/journal", nil).WithContext(ctx)
		req.Header.Set("Authorization", "Bearer "+e.creds.AdminToken)
		rec = httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(rec, req)
		want := `{"type":"about:blank","title":"Client Closed Request","status":499,"detail":"the client closed the connection before the response was ready"}`
		if rec.Code != 499 || rec.Body.String() != want {
			t.Errorf("admin: %d %s", rec.Code, rec.Body)
		}
		if logs := e.logs.String(); strings.Contains(logs, "internal error") || strings.Count(logs, "call abandoned by its client") != 2 {
			t.Errorf("logs:\n%s", logs)
		}
	})
}
