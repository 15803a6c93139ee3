package journal_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/journal"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

// BenchmarkJournalQuery loads a journal of LSQ_BENCH_JOURNAL_ROWS entries
// (default 200,000) spread over 10 orgs, 20 operations and 30 days, then
// times the admin query "one org, one operation, a one-day window, newest
// 50" and reports its p99, then the p99 of 1,000 lookups by request id and
// by id.
//
//	LSQ_BENCH_JOURNAL_ROWS=2000000 go test ./internal/journal -run '^$' -bench JournalQuery -benchtime 2000x
func BenchmarkJournalQuery(b *testing.B) {
	rows := 200_000
	if s := os.Getenv("LSQ_BENCH_JOURNAL_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
	}
	for _, backend := range storetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			opts := storetest.Options(b, backend)
			j, err := journal.Open(context.Background(), journal.Config{DataDir: b.TempDir(), DatabaseURL: opts.DatabaseURL, PruneInterval: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer j.Close()
			end := time.Now().UTC()
			span := 30 * 24 * time.Hour
			load := time.Now()
			batch := make([]*journal.Entry, 0, 5000)
			for i := range rows {
				op := fmt.Sprintf("LeadManagement.svc/Op%02d", i%20)
				at := end.Add(-span + time.Duration(int64(span)/int64(rows)*int64(i)))
				batch = append(batch, &journal.Entry{
					Time: at, OrgID: crm.OrgID(1 + i%10),
					Method: "POST", Path: "/v2/" + op, Operation: op, Status: 200, Query: "leadId=x",
					RequestBody: `[{"Attribute":"EmailAddress","Value":"someone@example.com"}]`, ResponseBody: `{"Status":"Success","Message":{"Id":"x"}}`,
					RequestID: benchRequestID(at, i), ClientAddr: "127.0.0.1", UserAgent: "bench", Level: "full"})
				if len(batch) == cap(batch) || i == rows-1 {
					if err := j.InsertBulk(context.Background(), batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			b.Logf("%s: loaded %d entries in %v", backend, rows, time.Since(load).Round(time.Millisecond))
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				from := end.Add(-span + time.Duration(i%29)*24*time.Hour)
				t0 := time.Now()
				p, err := j.Query(context.Background(), journal.Filter{Org: crm.OrgID(1 + i%10), Operation: fmt.Sprintf("leadmanagement.svc/op%02d", (i%10)+(i%2)*10),
					From: from, To: from.Add(24 * time.Hour), Limit: 50})
				lat = append(lat, time.Since(t0))
				if err != nil || len(p.Entries) == 0 {
					b.Fatalf("query: %v, %d entries", err, len(p.Entries))
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(rows), "entries")
			// One entry by id, and one by request id, untimed by b.N: their p99.
			get, rid := make([]time.Duration, 0, 1000), make([]time.Duration, 0, 1000)
			for k := range 1000 {
				i := k * (rows / 1000)
				org := crm.OrgID(1 + i%10)
				p, err := j.Query(context.Background(), journal.Filter{Org: org, Limit: 1,
					RequestID: benchRequestID(end.Add(-span+time.Duration(int64(span)/int64(rows)*int64(i))), i)})
				if err != nil || len(p.Entries) != 1 {
					b.Fatalf("request id %d: %v, %d entries", i, err, len(p.Entries))
				}
				rid = append(rid, time.Duration(0))
				t0 := time.Now()
				p, err = j.Query(context.Background(), journal.Filter{Org: org, Limit: 1, RequestID: p.Entries[0].RequestID})
				rid[len(rid)-1] = time.Since(t0)
				if err != nil || len(p.Entries) != 1 {
					b.Fatalf("request id %d: %v", i, err)
				}
				t0 = time.Now()
				e, err := j.Get(context.Background(), org, p.Entries[0].ID)
				get = append(get, time.Since(t0))
				if err != nil || e.RequestID != p.Entries[0].RequestID {
					b.Fatalf("get %d: %v", p.Entries[0].ID, err)
				}
			}
			slices.Sort(get)
			slices.Sort(rid)
			b.ReportMetric(float64(get[len(get)*99/100].Microseconds()), "get-p99-µs")
			b.ReportMetric(float64(rid[len(rid)*99/100].Microseconds()), "requestid-p99-µs")
		})
	}
}

// benchRequestID is a v7 request id made at the millisecond at, as the
// server's are, distinct for each i.
func benchRequestID(at time.Time, i int) string {
	ms := at.UnixMilli()
	return fmt.Sprintf("%08x-%04x-7%03x-8%03x-%012x", ms>>16, ms&0xffff, i&0xfff, (i>>12)&0xfff, i)
}
