package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/localsquared/localsquared/internal/server"
	"github.com/localsquared/localsquared/internal/store"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

// serveGC runs the collector as `localsquared serve` does (GOGC=400,
// cmd/localsquared/serve.go) for the rest of the benchmark, unless GOGC is
// set: at the test binary's 100, preempting goroutines for the collector
// took a sixth of BenchmarkJournalCost's CPU, a cost the server does not
// pay. serve's 64 MiB soft limit is left out: a benchmark's own
// bookkeeping (every call's latency, recorded bodies) counts against it.
func serveGC(b *testing.B) {
	if os.Getenv("GOGC") != "" {
		return
	}
	old := debug.SetGCPercent(400)
	b.Cleanup(func() { debug.SetGCPercent(old) })
}

// benchServer is a server on backend whose handler is called directly, so
// the figures are the whole stack (routing, auth, JSON, SQL) without the
// loopback network.
func benchServer(b *testing.B, backend string) (*server.Server, http.Header) {
	b.Helper()
	serveGC(b)
	opts := storetest.Options(b, backend)
	cfg := server.Config{DataDir: b.TempDir(), DatabaseURL: opts.DatabaseURL,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: io.Discard}
	if opts.DataDir != "" {
		cfg.DataDir = opts.DataDir
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	c := srv.Credentials()
	h := http.Header{}
	h.Set("x-LSQ-AccessKey", c.AccessKey)
	h.Set("x-LSQ-SecretKey", c.SecretKey)
	h.Set("Content-Type", "application/json")
	return srv, h
}

func serve(b *testing.B, srv *server.Server, h http.Header, method, target, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	req.Header = h.Clone()
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body)
	}
	return rec
}

// BenchmarkLeadCreate: Lead.Create from 32 concurrent callers.
func BenchmarkLeadCreate(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			srv, h := benchServer(b, backend)
			var n atomic.Int64
			b.SetParallelism(32 / max(1, runtimeProcs()))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					serve(b, srv, h, "POST", "/v2/LeadManagement.svc/Lead.Create",
						fmt.Sprintf(`[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"EmailAddress","Value":"b%d@example.com"},{"Attribute":"Phone","Value":"+1-555-%07d"}]`, i, i))
				}
			})
		})
	}
}

// BenchmarkLeadGetByID: Leads.GetById from 32 concurrent callers over
// 2,000 leads.
func BenchmarkLeadGetByID(b *testing.B) {
	benchLeadLookup(b, func(id string, _ int) string { return "/v2/LeadManagement.svc/Leads.GetById?id=" + id })
}

// BenchmarkLeadByPhone: RetrieveLeadByPhoneNumber (its digits written
// another way) from 32 concurrent callers over 2,000 leads.
func BenchmarkLeadByPhone(b *testing.B) {
	benchLeadLookup(b, func(_ string, i int) string {
		return fmt.Sprintf("/v2/LeadManagement.svc/RetrieveLeadByPhoneNumber?phone=1555%07d", i)
	})
}

// benchLeadLookup creates 2,000 leads (lead i has Phone +1-555-i) and
// reads them from 32 concurrent callers at target(id, i).
func benchLeadLookup(b *testing.B, target func(id string, i int) string) {
	for _, backend := range storetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			srv, h := benchServer(b, backend)
			ids := make([]string, 2000)
			for i := range ids {
				rec := serve(b, srv, h, "POST", "/v2/LeadManagement.svc/Lead.Create",
					fmt.Sprintf(`[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"EmailAddress","Value":"g%d@example.com"},{"Attribute":"Phone","Value":"+1-555-%07d"}]`, i, i))
				var out struct{ Message struct{ Id string } }
				if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Message.Id == "" {
					b.Fatalf("create: %s", rec.Body)
				}
				ids[i] = out.Message.Id
			}
			var n atomic.Int64
			b.SetParallelism(32 / max(1, runtimeProcs()))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(n.Add(1) % int64(len(ids)))
					if rec := serve(b, srv, h, "GET", target(ids[i], i), ""); !strings.Contains(rec.Body.String(), ids[i]) {
						b.Fatalf("lead %d: %s", i, rec.Body)
					}
				}
			})
		})
	}
}

const high = "custom:per5s=1000000000,bulk=1000000000,daily=1000000000000,perUser=0,ceiling=0"

// BenchmarkRateLimitCost: Leads.GetById at 32 callers on an unlimited org
// and on a plan whose limits are never reached, in the same run.
func BenchmarkRateLimitCost(b *testing.B) {
	for _, backend := range storetest.Backends() {
		srv, h := benchServer(b, backend)
		rec := serve(b, srv, h, "POST", "/v2/LeadManagement.svc/Lead.Create", `[{"Attribute":"FirstName","Value":"Ann"}]`)
		var out struct{ Message struct{ Id string } }
		json.Unmarshal(rec.Body.Bytes(), &out)
		// Two rounds, interleaved, so growth of the journal between runs
		// does not favour whichever plan runs first.
		for round, plan := range []string{"unlimited", high, high, "unlimited"} {
			name := "unlimited"
			if plan != "unlimited" {
				name = "high-limit"
			}
			b.Run(fmt.Sprintf("%s/%s/round%d", backend, name, 1+round/2), func(b *testing.B) {
				if _, err := srv.Store.UpdateOrg(context.Background(), 1, store.OrgSettings{Plan: &plan}); err != nil {
					b.Fatal(err)
				}
				b.SetParallelism(32 / max(1, runtimeProcs()))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						serve(b, srv, h, "GET", "/v2/LeadManagement.svc/Leads.GetById?id="+out.Message.Id, "")
					}
				})
			})
		}
	}
}

// BenchmarkLeadBulkCreate: Lead/Bulk/Create of 50 rows from 4 concurrent
// callers; rows/s is the figure to compare with BenchmarkLeadCreate's
// calls/s in the same run.
func BenchmarkLeadBulkCreate(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			srv, h := benchServer(b, backend)
			var n atomic.Int64
			b.SetParallelism(4 / max(1, runtimeProcs()))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var body strings.Builder
				for pb.Next() {
					body.Reset()
					body.WriteByte('[')
					for r := 0; r < 50; r++ {
						i := n.Add(1)
						if r > 0 {
							body.WriteByte(',')
						}
						fmt.Fprintf(&body, `[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"EmailAddress","Value":"k%d@example.com"},{"Attribute":"Phone","Value":"+1-555-%07d"}]`, i, i)
					}
					body.WriteByte(']')
					if rec := serve(b, srv, h, "POST", "/v2/LeadManagement.svc/Lead/Bulk/Create", body.String()); strings.Contains(rec.Body.String(), "Exception") {
						b.Fatalf("bulk create: %s", rec.Body)
					}
				}
			})
			b.ReportMetric(float64(b.N*50)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkLeadsRecentlyModified: pages of 1,000 leads (three columns)
// over 20,000 leads from 4 concurrent callers.
func BenchmarkLeadsRecentlyModified(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			srv, h := benchServer(b, backend)
			for i := 0; i < 400; i++ {
				var body strings.Builder
				body.WriteByte('[')
				for r := 0; r < 50; r++ {
					if r > 0 {
						body.WriteByte(',')
					}
					fmt.Fprintf(&body, `[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"EmailAddress","Value":"r%d@example.com"},{"Attribute":"Company","Value":"Acme"}]`, i*50+r)
				}
				body.WriteByte(']')
				serve(b, srv, h, "POST", "/v2/LeadManagement.svc/Lead/Bulk/Create", body.String())
			}
			q := `{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2999-12-31 23:59:59"},"Columns":{"Include_CSV":"ProspectID,FirstName,EmailAddress"},"Paging":{"PageIndex":1,"PageSize":1000}}`
			b.SetParallelism(4 / max(1, runtimeProcs()))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if rec := serve(b, srv, h, "POST", "/v2/LeadManagement.svc/Leads.RecentlyModified", q); !strings.HasPrefix(rec.Body.String(), `{"RecordCount":20000,`) {
						b.Fatalf("recent: %.200s", rec.Body)
					}
				}
			})
		})
	}
}
