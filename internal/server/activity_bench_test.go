package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/localsquared/localsquared/internal/server"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

// seedActivities makes leads leads with perLead activities each (posted
// through the bulk API) and a custom type; it returns the lead ids and the
// type's code.
func seedActivities(b *testing.B, srv *server.Server, h http.Header, leads, perLead int) ([]string, string) {
	b.Helper()
	rec := serve(b, srv, h, "POST", "/v2/ProspectActivity.svc/CreateType",
		`{"ActivityEventName":"Bench","Score":1,"Fields":[{"SchemaName":"mx_Custom_1","DataType":"String"}]}`)
	var out struct{ Message struct{ Id string } }
	json.Unmarshal(rec.Body.Bytes(), &out)
	code := out.Message.Id
	ids := make([]string, leads)
	for i := range ids {
		rec := serve(b, srv, h, "POST", "/v2/LeadManagement.svc/Lead.Create",
			fmt.Sprintf(`[{"Attribute":"FirstName","Value":"L"},{"Attribute":"EmailAddress","Value":"s%d@example.com"}]`, i))
		var o struct{ Message struct{ Id string } }
		json.Unmarshal(rec.Body.Bytes(), &o)
		ids[i] = o.Message.Id
	}
	var rows []string
	flush := func() {
		if len(rows) > 0 {
			serve(b, srv, h, "POST", "/v2/ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId", "["+strings.Join(rows, ",")+"]")
			rows = rows[:0]
		}
	}
	for j := 0; j < perLead; j++ {
		for _, id := range ids {
			rows = append(rows, `{"RelatedProspectId":"`+id+`","ActivityEvent":`+code+`,"Fields":[{"SchemaName":"mx_Custom_1","Value":"v"}]}`)
			if len(rows) == 25 {
				flush()
			}
		}
	}
	flush()
	return ids, code
}

// benchSize reads LSQ_BENCH_LEADS (default 2,000 leads; ×10 activities).
func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("LSQ_BENCH_LEADS")); err == nil && n > 0 {
		return n
	}
	return 2000
}

// BenchmarkActivityCreate: ProspectActivity.svc/Create from 32 concurrent
// callers, spread over the seeded leads.
func BenchmarkActivityCreate(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			srv, h := benchServer(b, backend)
			ids, code := seedActivities(b, srv, h, benchSize(), 10)
			var n atomic.Int64
			b.SetParallelism(32 / max(1, runtimeProcs()))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := ids[n.Add(1)%int64(len(ids))]
					serve(b, srv, h, "POST", "/v2/ProspectActivity.svc/Create",
						`{"RelatedProspectId":"`+id+`","ActivityEvent":`+code+`,"ActivityNote":"n","Fields":[{"SchemaName":"mx_Custom_1","Value":"x"}]}`)
				}
			})
		})
	}
}

// BenchmarkActivityRetrieve: Retrieve?leadId= (a page of 25) and
// GetActivityDetails from 32 concurrent callers.
func BenchmarkActivityRetrieve(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			srv, h := benchServer(b, backend)
			ids, _ := seedActivities(b, srv, h, benchSize(), 10)
			var n atomic.Int64
			b.SetParallelism(32 / max(1, runtimeProcs()))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := ids[n.Add(1)%int64(len(ids))]
					rec := serve(b, srv, h, "POST", "/v2/ProspectActivity.svc/Retrieve?leadId="+id, "")
					if !strings.HasPrefix(rec.Body.String(), `{"RecordCount":10,`) {
						b.Fatalf("Retrieve: %.200s", rec.Body)
					}
				}
			})
		})
	}
}

// BenchmarkActivityBulk: Bulk/CustomActivity/Add/ByLeadId with 25 rows
// per call from 8 concurrent callers; activities/s is the figure to read.
func BenchmarkActivityBulk(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			srv, h := benchServer(b, backend)
			ids, code := seedActivities(b, srv, h, benchSize(), 1)
			var n atomic.Int64
			b.SetParallelism(8 / max(1, runtimeProcs()))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rows := make([]string, 25)
				for pb.Next() {
					for i := range rows {
						id := ids[n.Add(1)%int64(len(ids))]
						rows[i] = `{"RelatedProspectId":"` + id + `","ActivityEvent":` + code + `,"Fields":[{"SchemaName":"mx_Custom_1","Value":"b"}]}`
					}
					serve(b, srv, h, "POST", "/v2/ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId", "["+strings.Join(rows, ",")+"]")
				}
			})
			b.ReportMetric(float64(b.N*25)/b.Elapsed().Seconds(), "activities/s")
		})
	}
}
