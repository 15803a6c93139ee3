package lsq_test

import (
	"context"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/localsquared/localsquared/internal/lsqapi"
	"github.com/localsquared/localsquared/lsq"
	"github.com/localsquared/localsquared/lsqtest"
)

// The end-to-end tests drive a real in-process server only through the
// SDK. Each scenario gets a fresh server (so counts and auto ids are
// exact) on SQLite and, when LSQ_TEST_POSTGRES_DSN is set, on PostgreSQL.
// Every SDK client they use records the /v2 operations that answered 2xx;
// the coverage subtest then checks that every operation the server serves
// was called successfully through some SDK method.

// backends runs fn on SQLite and, when LSQ_TEST_POSTGRES_DSN is set, on
// PostgreSQL, each on a fresh in-process server.
func backends(t *testing.T, fn func(t *testing.T, srv *lsqtest.Server)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, lsqtest.Start(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, lsqtest.Start(t, lsqtest.Postgres())) })
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// recorder is an http.RoundTripper that notes, per backend, the /v2
// operations (lower-cased "service.svc/operation") that answered 2xx.
type recorder struct {
	mu  sync.Mutex
	ops map[string]map[string]bool // backend → operation → seen
}

var calls = &recorder{ops: map[string]map[string]bool{}}

// tripper records for one backend.
type tripper struct {
	rec     *recorder
	backend string
}

func (tr tripper) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || res.StatusCode/100 != 2 {
		return res, err
	}
	if op, ok := strings.CutPrefix(strings.ToLower(r.URL.Path), "/v2/"); ok {
		tr.rec.mu.Lock()
		m := tr.rec.ops[tr.backend]
		if m == nil {
			m = map[string]bool{}
			tr.rec.ops[tr.backend] = m
		}
		m[strings.TrimSuffix(op, "/")] = true
		tr.rec.mu.Unlock()
	}
	return res, err
}

// env is one scenario's server and recording clients.
type env struct {
	ctx context.Context
	srv *lsqtest.Server
	c   *lsq.Client // the administrator's keys
	hc  *http.Client
	a   *lsq.AdminClient
}

func newEnv(t *testing.T, srv *lsqtest.Server) *env {
	hc := &http.Client{Transport: tripper{calls, path.Base(t.Name())}}
	e := &env{ctx: context.Background(), srv: srv, hc: hc, a: srv.Admin}
	e.c = e.client()
	return e
}

// client returns a recording SDK client with the administrator's keys
// unless opts set others.
func (e *env) client(opts ...lsq.Option) *lsq.Client {
	return e.srv.NewClient(append([]lsq.Option{lsq.WithHTTPClient(e.hc)}, opts...)...)
}

// userClient makes a user of the role in the scenario's org and returns a
// recording client with that user's keys.
func (e *env) userClient(t *testing.T, email, role string) (*lsq.Client, lsq.AdminUser) {
	t.Helper()
	u := must[lsq.AdminUser](t)(e.a.CreateUser(e.ctx, e.srv.OrgID, lsq.NewAdminUser{FirstName: "U", Email: email, Role: role}))
	k := must[lsq.Key](t)(e.a.CreateKey(e.ctx, e.srv.OrgID, u.ID))
	return e.client(lsq.WithKeys(k.AccessKey, k.SecretKey)), u
}

type scenario struct {
	name string
	fn   func(t *testing.T, e *env)
}

var scenarios = []scenario{
	{"leads", e2eLeads},
	{"upsert", e2eUpsertCapture},
	{"bulk", e2eBulk},
	{"lifecycle", e2eConvertMergeDelete},
	{"fields", e2eFields},
	{"notes", e2eNotes},
	{"lists", e2eLists},
	{"activities", e2eActivities},
	{"tasks", e2eTasks},
	{"users", e2eUsers},
	{"admin", e2eAdmin},
	{"ratelimit", e2eRateLimit},
}

func TestE2E(t *testing.T) {
	ran := map[string]int{}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			backends(t, func(t *testing.T, srv *lsqtest.Server) {
				ran[path.Base(t.Name())]++
				s.fn(t, newEnv(t, srv))
			})
		})
	}
	t.Run("coverage", func(t *testing.T) {
		if len(ran) == 0 {
			t.Fatal("no scenario ran: the coverage check needs the whole of TestE2E")
		}
		for backend, n := range ran {
			if n != len(scenarios) {
				t.Fatalf("%s: %d of %d scenarios ran: the coverage check needs the whole of TestE2E", backend, n, len(scenarios))
			}
			calls.mu.Lock()
			seen := calls.ops[backend]
			calls.mu.Unlock()
			var missing []string
			for _, op := range lsqapi.Operations() {
				if !seen[strings.ToLower(op.Name)] {
					missing = append(missing, op.Name)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("%s: %d of %d operations never answered 2xx to an SDK call:\n  %s",
					backend, len(missing), len(lsqapi.Operations()), strings.Join(missing, "\n  "))
			}
		}
	})
}
