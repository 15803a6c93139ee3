package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/server"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

// testClock is a movable clock for the whole server.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.ns.Store(t.UnixNano())
	return c
}
func (c *testClock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) Add(d time.Duration) { c.ns.Add(int64(d)) }
func (c *testClock) clock() crm.Clock    { return crm.ClockFunc(c.Now) }
func withClock(c *testClock) func(*server.Config) {
	return func(cfg *server.Config) { cfg.Clock = c.clock() }
}

const rateLimitBody = `{"Status":"Error","ExceptionType":"MXAPIRateLimitExceededException","ExceptionMessage":"API calls exceeded the limit of %d in %s"}`

func (e *env) setPlan(body string) {
	e.t.Helper()
	if r := e.admin("PUT", "/orgs/1/plan", body); r.status != 200 {
		e.t.Fatalf("set plan %s: %d %s", body, r.status, r.body)
	}
}

func TestRateLimitWindows(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			clk := newTestClock(time.Date(2026, 3, 1, 10, 0, 1, 0, time.UTC)) // 1 s into a window
			e := newEnvWith(t, backend, withClock(clk))
			get := func() resp { return e.v2("GET", "LeadManagement.svc/Leads.GetById?id=x", "") }
			// Unlimited by default.
			for i := 0; i < 30; i++ {
				if r := get(); r.status != 200 {
					t.Fatalf("unlimited call %d: %d", i, r.status)
				}
			}
			e.setPlan(`{"custom":{"per5s":3,"bulkPer5s":1}}`)
			// 401 and 404 calls never reach the limiter.
			e.do("GET", "/v2/LeadManagement.svc/Leads.GetById?id=x", nil, "")
			e.v2("GET", "Nope.svc/Nothing", "")
			for i := 1; i <= 3; i++ {
				if r := get(); r.status != 200 {
					t.Fatalf("call %d of 3: %d %s", i, r.status, r.body)
				}
			}
			r := get()
			if r.status != 429 || string(r.body) != fmt.Sprintf(rateLimitBody, 3, "5 second(s)") || r.header.Get("Retry-After") != "4" {
				t.Errorf("4th call: %d %s Retry-After=%q", r.status, r.body, r.header.Get("Retry-After"))
			}
			// A refused write does nothing, and refused calls are not counted.
			n0, _ := e.srv.Store.LeadCount(t.Context(), 1)
			if r := e.v2("POST", "LeadManagement.svc/Lead.Create", `[{"Attribute":"FirstName","Value":"x"}]`); r.status != 429 {
				t.Errorf("create over the limit: %d", r.status)
			}
			if n1, _ := e.srv.Store.LeadCount(t.Context(), 1); n1 != n0 {
				t.Error("a refused create wrote a lead")
			}
			u := e.admin("GET", "/orgs/1/usage", "")
			if !strings.Contains(string(u.body), `"standard":3,"bulk":0`) {
				t.Errorf("usage: %s", u.body)
			}
			// The next window passes again.
			clk.Add(4 * time.Second)
			for i := 1; i <= 3; i++ {
				if r := get(); r.status != 200 {
					t.Fatalf("next window call %d: %d %s", i, r.status, r.body)
				}
			}
			if r := get(); r.status != 429 {
				t.Errorf("4th call of the next window: %d", r.status)
			}
			// A named plan.
			e.setPlan(`{"name":"pro"}`)
			clk.Add(5 * time.Second)
			for i := 1; i <= 10; i++ {
				if r := get(); r.status != 200 {
					t.Fatalf("pro call %d: %d", i, r.status)
				}
			}
			if r := get(); r.status != 429 || string(r.body) != fmt.Sprintf(rateLimitBody, 10, "5 second(s)") {
				t.Errorf("11th pro call: %d %s", r.status, r.body)
			}
			for _, bad := range []string{`{"name":"gold"}`, `{"custom":{"per5s":0,"bulkPer5s":1}}`, `{"custom":{"per5s":-1}}`, `{"nam":"pro"}`} {
				if r := e.admin("PUT", "/orgs/1/plan", bad); r.status != 400 {
					t.Errorf("plan %s: %d %s", bad, r.status, r.body)
				}
			}
		})
	}
}

func TestRateLimitDailyAndMidnight(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			clk := newTestClock(time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC))
			e := newEnvWith(t, backend, withClock(clk))
			// 5 a day plus 2 per active user: one active user → 7.
			e.setPlan(`{"custom":{"per5s":100,"bulkPer5s":10,"daily":5,"perUserDaily":2,"dailyCeiling":9}}`)
			get := func() resp { return e.v2("GET", "LeadManagement.svc/Leads.GetById?id=x", "") }
			for i := 1; i <= 7; i++ {
				if r := get(); r.status != 200 {
					t.Fatalf("daily call %d: %d %s", i, r.status, r.body)
				}
			}
			r := get()
			if r.status != 429 || string(r.body) != fmt.Sprintf(rateLimitBody, 7, "1 day(s)") || r.header.Get("Retry-After") != "60" {
				t.Errorf("8th call of the day: %d %s Retry-After=%q", r.status, r.body, r.header.Get("Retry-After"))
			}
			// Two more active users raise the cap to the ceiling (9), once the
			// cached count expires on the org's clock.
			for _, em := range []string{"u1@example.com", "u2@example.com"} {
				e.admin("POST", "/orgs/1/users", `{"email":"`+em+`"}`)
			}
			clk.Add(11 * time.Second)
			for i := 8; i <= 9; i++ {
				if r := get(); r.status != 200 {
					t.Fatalf("call %d with more users: %d %s", i, r.status, r.body)
				}
			}
			if r := get(); r.status != 429 || !strings.Contains(string(r.body), "limit of 9 in 1 day(s)") {
				t.Errorf("over the ceiling: %d %s", r.status, r.body)
			}
			// Midnight UTC of the org's clock resets the day.
			clk.Add(time.Minute)
			if r := get(); r.status != 200 {
				t.Errorf("after midnight: %d %s", r.status, r.body)
			}
			// Moving only this org's clock works the same way.
			if r := e.admin("PATCH", "/orgs/1", `{"clockOffsetMs":86400000}`); r.status != 200 || !strings.Contains(string(r.body), `"clockOffsetMs":86400000`) {
				t.Fatalf("set clock: %d %s", r.status, r.body)
			}
			if u := e.admin("GET", "/orgs/1/usage", ""); !strings.Contains(string(u.body), `"date":"2026-03-03","calls":0`) {
				t.Errorf("usage after moving the org clock: %s", u.body)
			}
		})
	}
}

// TestRateLimitRace: 64 callers race for the last slots of a window;
// exactly the limit passes.
func TestRateLimitRace(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			clk := newTestClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
			e := newEnvWith(t, backend, withClock(clk))
			e.setPlan(`{"custom":{"per5s":10,"bulkPer5s":1}}`)
			var wg sync.WaitGroup
			var ok, limited atomic.Int64
			for i := 0; i < 64; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					switch r := e.v2("GET", "LeadManagement.svc/Leads.GetById?id=x", ""); r.status {
					case 200:
						ok.Add(1)
					case 429:
						limited.Add(1)
					default:
						t.Errorf("status %d", r.status)
					}
				}()
			}
			wg.Wait()
			if ok.Load() != 10 || limited.Load() != 54 {
				t.Errorf("passed %d, limited %d; want 10 and 54", ok.Load(), limited.Load())
			}
		})
	}
}

// TestRateLimitTwoInstances: two servers on one PostgreSQL database share
// one limit.
func TestRateLimitTwoInstances(t *testing.T) {
	if !strings.Contains(strings.Join(storetest.Backends(), ","), "postgres") {
		t.Skipf("%s not set", storetest.EnvPostgres)
	}
	clk := newTestClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	e := newEnvWith(t, "postgres", withClock(clk))
	e.setPlan(`{"custom":{"per5s":6,"bulkPer5s":1}}`)
	srv2, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), DatabaseURL: e.dbURL, Clock: clk.clock(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	hs2 := httptest.NewServer(srv2.Handler())
	t.Cleanup(func() { hs2.Close(); srv2.Close() })
	e2 := &env{t: t, srv: srv2, url: hs2.URL, creds: e.creds}
	passed := 0
	for i := 0; i < 10; i++ {
		target := e
		if i%2 == 1 {
			target = e2
		}
		if r := target.v2("GET", "LeadManagement.svc/Leads.GetById?id=x", ""); r.status == 200 {
			passed++
		} else if r.status != 429 {
			t.Fatalf("status %d %s", r.status, r.body)
		}
	}
	if passed != 6 {
		t.Errorf("%d calls passed across two instances, want 6", passed)
	}
	var u struct{ Window struct{ Standard int } }
	json.Unmarshal(e2.admin("GET", "/orgs/1/usage", "").body, &u)
	if u.Window.Standard != 6 {
		t.Errorf("usage seen by the second instance: %d", u.Window.Standard)
	}
}
