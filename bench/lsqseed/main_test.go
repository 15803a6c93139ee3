package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localsquared/localsquared/internal/server"
)

func TestCountsSumExactly(t *testing.T) {
	for _, tc := range []struct{ n, total int }{{1000, 10000}, {7, 3}, {10, 0}, {3, 100}} {
		c := counts(rand.New(rand.NewPCG(1, 2)), tc.n, tc.total)
		sum, busy := 0, 0
		for _, v := range c {
			if v < 0 {
				t.Fatalf("%v: negative count", tc)
			}
			sum += int(v)
			if tc.total >= tc.n && float64(v) > 2*float64(tc.total)/float64(tc.n) {
				busy++
			}
		}
		if sum != tc.total || len(c) != tc.n {
			t.Errorf("%v: %d leads, %d activities", tc, len(c), sum)
		}
		if tc.n == 1000 && (busy < 20 || busy > 150) {
			t.Errorf("%d of 1000 leads have over twice the mean; want about a tenth of them, over 25 each", busy)
		}
	}
}

// TestSeedsWhatTheAPIReads seeds a small org, then reads it back through
// the API: every sampled lead has its count, every sampled activity is
// found, and the totals are exact.
func TestSeedsWhatTheAPIReads(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"-data-dir", dir, "-leads", "300", "-activities", "3000", "-lead-batch", "128", "-window", "50", "-sample", "40"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "lsqseed-sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s Sample
	if err := json.Unmarshal(b, &s); err != nil || len(s.Leads) != 40 || len(s.Activities) != 40 || len(s.WriteLeads) != 40 || s.ActivityCode < 200 {
		t.Fatalf("sample %v: %.300s", err, b)
	}
	read := map[string]bool{}
	for _, l := range s.Leads {
		read[l.ID] = true
	}
	for _, id := range s.WriteLeads {
		if read[id] {
			t.Errorf("lead %s is sampled for reads and for writes", id)
		}
	}
	// A second run adds to the same org and finds the type it made.
	if err := run([]string{"-data-dir", dir, "-leads", "10", "-activities", "20", "-rand-seed", "2"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(context.Background(), server.Config{DataDir: dir, Out: io.Discard, JournalDisabled: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var creds struct{ AccessKey, SecretKey string }
	b, _ = os.ReadFile(filepath.Join(dir, "credentials.json"))
	json.Unmarshal(b, &creds)
	call := func(method, path, body string, v any) {
		t.Helper()
		req := httptest.NewRequest(method, "/v2/"+path, strings.NewReader(body))
		req.Header.Set("x-LSQ-AccessKey", creds.AccessKey)
		req.Header.Set("x-LSQ-SecretKey", creds.SecretKey)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), v) != nil {
			t.Fatalf("%s: %d %.300s", path, rec.Code, rec.Body)
		}
	}
	for _, l := range s.Leads {
		var page struct {
			RecordCount        int
			ProspectActivities []struct{ RelatedProspectId, CreatedOn string }
		}
		call("POST", "ProspectActivity.svc/Retrieve?leadId="+l.ID, "", &page)
		if l.Activities < 1 || page.RecordCount != l.Activities || len(page.ProspectActivities) != min(25, l.Activities) {
			t.Errorf("lead %s: sample says %d, Retrieve %d (%d on the page)", l.ID, l.Activities, page.RecordCount, len(page.ProspectActivities))
		}
		for i, a := range page.ProspectActivities {
			if a.RelatedProspectId != l.ID || i > 0 && a.CreatedOn > page.ProspectActivities[i-1].CreatedOn {
				t.Errorf("lead %s: record %d %+v out of place", l.ID, i, a)
			}
		}
	}
	for _, a := range s.Activities {
		var d struct {
			ID     string
			Name   string
			Fields []struct{ SchemaName string }
		}
		call("GET", "ProspectActivity.svc/GetActivityDetails?activityId="+a.ID, "", &d)
		if d.ID != a.ID || d.Name != TypeName || len(d.Fields) != 4 {
			t.Errorf("activity %s: %+v", a.ID, d)
		}
	}
	window := `{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2999-12-31 23:59:59"},"Paging":{"PageIndex":1,"PageSize":1}}`
	var leads struct{ RecordCount int }
	call("POST", "LeadManagement.svc/Leads.RecentlyModified", window, &leads)
	var acts struct{ RecordCount int }
	call("POST", "ProspectActivity.svc/RetrieveRecentlyModified", `{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2999-12-31 23:59:59"}}`, &acts)
	if leads.RecordCount != 310 || acts.RecordCount != 3020 {
		t.Errorf("%d leads, %d activities; want 310 and 3020", leads.RecordCount, acts.RecordCount)
	}
}

// TestLeadsOnlySample: with -activities 0 the read sample holds leads
// (none with activities), so lsqload's lead reads can run on a leads-only
// data set, and it stays disjoint from the write sample.
func TestLeadsOnlySample(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"-data-dir", dir, "-leads", "200", "-activities", "0", "-sample", "30"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "lsqseed-sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s Sample
	if err := json.Unmarshal(b, &s); err != nil || len(s.Leads) != 30 || len(s.Activities) != 0 || len(s.WriteLeads) != 30 {
		t.Fatalf("sample %v: %.300s", err, b)
	}
	read := map[string]bool{}
	for _, l := range s.Leads {
		read[l.ID] = l.Activities == 0
	}
	for _, id := range s.WriteLeads {
		if _, ok := read[id]; ok {
			t.Errorf("lead %s is sampled for reads and for writes", id)
		}
	}
	for id, none := range read {
		if !none {
			t.Errorf("lead %s is sampled with activities", id)
		}
	}
}
