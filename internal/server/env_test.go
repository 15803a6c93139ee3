package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/localsquared/localsquared/internal/server"
	"github.com/localsquared/localsquared/internal/store"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// env is a whole server on one backend, reached over real HTTP.
type env struct {
	t     *testing.T
	srv   *server.Server
	url   string
	creds *store.Credentials
	logs  *bytes.Buffer
	dbURL string // PostgreSQL DSN, "" on SQLite
}

func newEnv(t *testing.T, backend string) *env { t.Helper(); return newEnvWith(t, backend, nil) }

// newEnvWith is newEnv with mod applied to the server's Config.
func newEnvWith(t *testing.T, backend string, mod func(*server.Config)) *env {
	t.Helper()
	opts := storetest.Options(t, backend)
	logs := &bytes.Buffer{}
	cfg := server.Config{
		DataDir: t.TempDir(), DatabaseURL: opts.DatabaseURL, BodyLimit: 64 << 10,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Out: io.Discard,
	}
	if opts.DataDir != "" {
		cfg.DataDir = opts.DataDir
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &env{t: t, srv: srv, url: hs.URL, creds: srv.Credentials(), logs: logs, dbURL: opts.DatabaseURL}
}

// forEach runs fn on a fresh env per backend.
func forEach(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range storetest.Backends() {
		t.Run(b, func(t *testing.T) { fn(t, newEnv(t, b)) })
	}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; hdr holds extra headers (a nil value removes one).
func (e *env) do(method, path string, hdr map[string]string, body string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

// keys are the bootstrap key pair as headers.
func (e *env) keys() map[string]string {
	return map[string]string{"X-LSQ-AccessKey": e.creds.AccessKey, "X-LSQ-SecretKey": e.creds.SecretKey}
}

// v2 sends an authenticated /v2 call.
func (e *env) v2(method, op, body string) resp {
	e.t.Helper()
	return e.do(method, "/v2/"+op, e.keys(), body)
}

// createLead creates a lead and returns its id.
func (e *env) createLead(body string) string {
	e.t.Helper()
	r := e.v2("POST", "LeadManagement.svc/Lead.Create", body)
	var out struct{ Message struct{ Id string } }
	if r.status != 200 || json.Unmarshal(r.body, &out) != nil || out.Message.Id == "" {
		e.t.Fatalf("create lead: %d %s", r.status, r.body)
	}
	return out.Message.Id
}

// admin sends an admin API call with the admin token.
func (e *env) admin(method, path, body string) resp {
	e.t.Helper()
	return e.do(method, "/api/v1"+path, map[string]string{"Authorization": "Bearer " + e.creds.AdminToken}, body)
}

var (
	uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	dateRE = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}`)
	keyRE  = regexp.MustCompile(`u\$r[0-9a-f]{32}`)
	hostRE = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)
	// ProspectAutoId: PostgreSQL sequences skip the numbers of rolled-back
	// creates (SQLite's counter does not), so goldens hold no number.
	digitsRE = regexp.MustCompile(`\d+`)
	autoRE   = regexp.MustCompile(`"ProspectAutoId","Value":"\d+"|"ProspectAutoId":"\d+"`)
)

// normalize replaces the values that differ on every run.
func normalize(b []byte) []byte {
	b = uuidRE.ReplaceAll(b, []byte("<uuid>"))
	b = dateRE.ReplaceAll(b, []byte("<datetime>"))
	b = keyRE.ReplaceAll(b, []byte("<accesskey>"))
	b = hostRE.ReplaceAll(b, []byte("http://<host>"))
	b = autoRE.ReplaceAllFunc(b, func(m []byte) []byte {
		return digitsRE.ReplaceAll(m, []byte("<n>"))
	})
	return b
}

// golden compares status and normalised body with testdata/v2/name.golden,
// rewriting it under -update.
func golden(t *testing.T, name string, r resp) {
	t.Helper()
	got := append([]byte(http.StatusText(r.status)+"\n"), normalize(r.body)...)
	got = append(got, '\n')
	path := filepath.Join("..", "..", "testdata", "v2", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}
