package lsq_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/localsquared/localsquared/lsq"
	"github.com/localsquared/localsquared/lsqtest"
)

// BenchmarkGetLead compares a Leads.GetById loop through the SDK with the
// same loop on a bare net/http client decoding into a slice of maps: the
// difference is the SDK's overhead per call.
func BenchmarkGetLead(b *testing.B) {
	srv := lsqtest.Start(b)
	ctx := context.Background()
	id, err := srv.Client.CreateLead(ctx, lsq.Pairs("FirstName", "Ann", "EmailAddress", "ann@example.com"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := srv.Client.GetLead(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		hc := &http.Client{}
		u := srv.URL + "/v2/LeadManagement.svc/Leads.GetById?id=" + id
		for b.Loop() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			req.Header["x-LSQ-AccessKey"] = []string{srv.AccessKey}
			req.Header["x-LSQ-SecretKey"] = []string{srv.SecretKey}
			res, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var out []map[string]any
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if err := json.Unmarshal(body, &out); err != nil || len(out) != 1 {
				b.Fatal(err)
			}
		}
	})
}
