package server_test

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/localsquared/localsquared/internal/store/storetest"
)

// BenchmarkCustomFieldCost: Lead.Create and Leads.GetById from 32
// concurrent callers on an org with no custom fields and on one with 200
// (none unique), in one run, so the cost of a wide schema can be read off
// side by side. Leads on the wide org set 10 of the custom fields.
func BenchmarkCustomFieldCost(b *testing.B) {
	for _, backend := range storetest.Backends() {
		for _, fields := range []int{0, 200} {
			srv, h := benchServer(b, backend)
			extra := ""
			for i := 0; i < fields; i++ {
				serve(b, srv, h, "POST", "/v2/LeadManagement.svc/CreateLeadField",
					fmt.Sprintf(`{"DisplayName":"Field %d","DataType":"Text","RenderTypeTextValue":"Textbox","MaxLength":"100"}`, i))
				if i < 10 {
					extra += fmt.Sprintf(`,{"Attribute":"mx_Field_%d","Value":"value %d"}`, i, i)
				}
			}
			var n atomic.Int64
			b.Run(fmt.Sprintf("%s/fields=%d/Lead.Create", backend, fields), func(b *testing.B) {
				b.SetParallelism(32 / max(1, runtimeProcs()))
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := n.Add(1)
						serve(b, srv, h, "POST", "/v2/LeadManagement.svc/Lead.Create",
							fmt.Sprintf(`[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"EmailAddress","Value":"c%d@example.com"}%s]`, i, extra))
					}
				})
			})
			rec := serve(b, srv, h, "POST", "/v2/LeadManagement.svc/Lead.Create",
				`[{"Attribute":"FirstName","Value":"Ann"},{"Attribute":"EmailAddress","Value":"read@example.com"}`+extra+`]`)
			var out struct{ Message struct{ Id string } }
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Message.Id == "" {
				b.Fatalf("create: %s", rec.Body)
			}
			b.Run(fmt.Sprintf("%s/fields=%d/Leads.GetById", backend, fields), func(b *testing.B) {
				b.SetParallelism(32 / max(1, runtimeProcs()))
				b.ReportAllocs()
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
