package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/localsquared/localsquared/internal/journal"
	"github.com/localsquared/localsquared/internal/server"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

// BenchmarkJournalCost measures Lead.Create and Leads.GetById through the
// whole handler at 32 concurrent clients, with the journal at level full
// and with it switched off, on each backend in the same run. Compare
// calls/s and p99 of the full and off variants; entries/commit is the
// writer's mean group-commit batch, µs/commit the mean time a commit
// took.
//
//	go test ./internal/server -run '^$' -bench JournalCost -benchtime 2s
func BenchmarkJournalCost(b *testing.B) {
	serveGC(b)
	clients := 32
	par := max(1, clients/runtime.GOMAXPROCS(0))
	for _, backend := range storetest.Backends() {
		for _, mode := range []string{"full", "off"} {
			opts := storetest.Options(b, backend)
			cfg := server.Config{DataDir: b.TempDir(), DatabaseURL: opts.DatabaseURL, Out: io.Discard,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), JournalDisabled: mode == "off"}
			srv, err := server.New(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			h, creds := srv.Handler(), srv.Credentials()
			call := func(method, target, body string) *httptest.ResponseRecorder {
				var rd io.Reader
				if body != "" {
					rd = strings.NewReader(body)
				}
				req := httptest.NewRequest(method, target, rd)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-LSQ-AccessKey", creds.AccessKey)
				req.Header.Set("X-LSQ-SecretKey", creds.SecretKey)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec
			}
			seed := call("POST", "/v2/LeadManagement.svc/Lead.Create", `[{"Attribute":"EmailAddress","Value":"seed@example.com"},{"Attribute":"FirstName","Value":"Seed"}]`)
			lead := seed.Body.String()[strings.Index(seed.Body.String(), `"Id":"`)+6:][:36]
			var seq atomic.Int64
			ops := []struct {
				name string
				do   func() int
			}{
				{"Lead.Create", func() int {
					n := seq.Add(1)
					return call("POST", "/v2/LeadManagement.svc/Lead.Create",
						fmt.Sprintf(`[{"Attribute":"EmailAddress","Value":"b%d-%s@example.com"},{"Attribute":"FirstName","Value":"Bench"}]`, n, mode)).Code
				}},
				{"Leads.GetById", func() int {
					return call("GET", "/v2/LeadManagement.svc/Leads.GetById?id="+lead, "").Code
				}},
			}
			for _, op := range ops {
				b.Run(backend+"/"+op.name+"/journal="+mode, func(b *testing.B) {
					var before journal.Stats
					if srv.Journal != nil {
						before = srv.Journal.Stats()
					}
					var mu sync.Mutex
					var lat []time.Duration
					b.SetParallelism(par)
					b.ResetTimer()
					start := time.Now()
					b.RunParallel(func(pb *testing.PB) {
						local := make([]time.Duration, 0, 1024)
						for pb.Next() {
							t0 := time.Now()
							if code := op.do(); code != http.StatusOK {
								b.Errorf("status %d", code)
								return
							}
							local = append(local, time.Since(t0))
						}
						mu.Lock()
						lat = append(lat, local...)
						mu.Unlock()
					})
					elapsed := time.Since(start)
					b.StopTimer()
					slices.Sort(lat)
					if len(lat) > 0 {
						b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
						b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
					}
					b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
					if srv.Journal != nil {
						s := srv.Journal.Stats()
						if nb := s.Batches - before.Batches; nb > 0 {
							b.ReportMetric(float64(s.Entries-before.Entries)/float64(nb), "entries/commit")
							b.ReportMetric(float64((s.Commit-before.Commit).Microseconds())/float64(nb), "µs/commit")
						}
					}
				})
			}
			srv.Close()
		}
	}
}
