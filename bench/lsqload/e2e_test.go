package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/localsquared/localsquared/internal/server"
)

func TestDrivesARealServer(t *testing.T) {
	srv, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), Out: io.Discard,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	c := srv.Credentials()
	// Every run here ends on its request budget (-n); -d is only a
	// bound, generous so that a slow machine (or -race) cannot cut a run
	// short of its count.
	for _, op := range []string{"create", "get", "get-email", "get-phone", "search-eq"} {
		var out bytes.Buffer
		err := run([]string{"-url", hs.URL, "-access", c.AccessKey, "-secret", c.SecretKey, "-op", op,
			"-c", "4", "-d", "2m", "-n", "200", "-seed", "20", "-label", "t"}, &out)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		var r Result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("%s: output %q: %v", op, out.String(), err)
		}
		// search-eq's names recur across runs (and the create run), so a
		// call may find more than one lead.
		rowsOK := r.Rows == 200 || op == "search-eq" && r.Rows > 200
		if r.Requests != 200 || r.Errors != 0 || !rowsOK || r.P99ms <= 0 || r.Label != "t" || r.Op != op {
			t.Errorf("%s: result %+v", op, r)
		}
	}
	// -eq-names seed asks for lsqseed's SeedK names, which this server
	// has none of: every call is reported as finding no lead.
	var out bytes.Buffer
	if err := run([]string{"-url", hs.URL, "-access", c.AccessKey, "-secret", c.SecretKey, "-op", "search-eq", "-eq-names", "seed",
		"-c", "2", "-n", "10", "-d", "2m", "-seed", "2"}, &out); err != nil {
		t.Fatal(err)
	}
	var seeded Result
	json.Unmarshal(out.Bytes(), &seeded)
	if seeded.Errors != 10 || !strings.HasPrefix(seeded.FirstError, `search-eq "Seed`) {
		t.Errorf("-eq-names seed result %+v", seeded)
	}
	if err := run([]string{"-url", hs.URL, "-op", "search-eq", "-eq-names", "other"}, io.Discard); err == nil {
		t.Error("-eq-names other: no error")
	}
	// Wrong keys: every request is an error, reported, not fatal.
	out.Reset()
	if err := run([]string{"-url", hs.URL, "-access", c.AccessKey, "-secret", "wrong", "-op", "create", "-c", "2", "-n", "10", "-d", "2m"}, &out); err != nil {
		t.Fatal(err)
	}
	var r Result
	json.Unmarshal(out.Bytes(), &r)
	if r.Errors != 10 || r.FirstError == "" {
		t.Errorf("bad keys result %+v", r)
	}
}

func TestActivityOperations(t *testing.T) {
	srv, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), Out: io.Discard,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	c := srv.Credentials()
	// Rows per call: a lead's 3 activities, one activity, 25 posted.
	for op, perCall := range map[string]int64{"activity-get": 3, "activity-details": 1, "activity-bulk": 25} {
		var out bytes.Buffer
		err := run([]string{"-url", hs.URL, "-access", c.AccessKey, "-secret", c.SecretKey, "-op", op,
			"-c", "4", "-d", "2m", "-n", "100", "-seed", "20", "-acts", "3"}, &out)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		var r Result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("%s: output %q: %v", op, out.String(), err)
		}
		if r.Requests != 100 || r.Errors != 0 || r.Rows != 100*perCall {
			t.Errorf("%s: result %+v", op, r)
		}
	}
	// activity-get checks each page against what it seeded: a lead with
	// more activities than the page holds fails the check.
	var out bytes.Buffer
	if err := run([]string{"-url", hs.URL, "-access", c.AccessKey, "-secret", c.SecretKey, "-op", "activity-get",
		"-c", "2", "-d", "2m", "-n", "20", "-seed", "2", "-acts", "30"}, &out); err != nil {
		t.Fatal(err)
	}
	var r Result
	json.Unmarshal(out.Bytes(), &r)
	if r.Errors != 0 || r.Rows != 20*25 {
		t.Errorf("a page of 25 of 30: %+v", r)
	}
}
