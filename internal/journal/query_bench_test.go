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
// 50" and reports its p99.
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
				batch = append(batch, &journal.Entry{
					Time: end.Add(-span + time.Duration(int64(span)/int64(rows)*int64(i))), OrgID: crm.OrgID(1 + i%10),
					Method: "POST", Path: "/v2/" + op, Operation: op, Status: 200, Query: "leadId=x",
					RequestBody: `[{"Attribute":"EmailAddress","Value":"someone@example.com"}]`, ResponseBody: `{"Status":"Success","Message":{"Id":"x"}}`,
					RequestID: strconv.Itoa(i), ClientAddr: "127.0.0.1", UserAgent: "bench", Level: "full"})
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
		})
	}
}
