package lsqapi

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

// TestHandlerPanic: a panicking handler answers MXInternalException with the
// request id only, and the panic is logged once with that id.
func TestHandlerPanic(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	c, err := st.Bootstrap(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	routeIndex["test.svc/panic"] = &route{verbs: get, name: "Test.svc/Panic", handler: func(*API, *call) error {
		panic("boom: secret internals")
	}}
	defer delete(routeIndex, "test.svc/panic")

	var logs bytes.Buffer
	api := New(st, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	req := httptest.NewRequest("GET", "/v2/Test.svc/Panic", nil)
	req.Header.Set("x-LSQ-AccessKey", c.AccessKey)
	req.Header.Set("x-LSQ-SecretKey", c.SecretKey)
	req = req.WithContext(crm.WithRequestID(req.Context(), "req-123"))
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, req)

	want := `{"Status":"Error","ExceptionType":"MXInternalException","ExceptionMessage":"An unexpected error occurred. Reference: req-123"}`
	if rec.Code != http.StatusInternalServerError || rec.Body.String() != want {
		t.Errorf("response = %d %s", rec.Code, rec.Body)
	}
	if n := strings.Count(logs.String(), "req-123"); n != 1 || !strings.Contains(logs.String(), "boom") {
		t.Errorf("log should hold the panic once with the request id:\n%s", logs.String())
	}
}
