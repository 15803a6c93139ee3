package lsq_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/localsquared/localsquared/lsq"
)

// fast is a retry policy with tiny delays so tests do not sleep.
var fast = lsq.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Second}

// scripted answers each request with the next (status, headers, body) of
// script, repeating the last, and counts requests.
func scripted(t *testing.T, script ...func(w http.ResponseWriter)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		script[min(i, len(script)-1)](w)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func answer(status int, body string, hdr ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

const okLead = `[{"ProspectID":"abc","FirstName":"Ann","Score":7,"IsLead":true,"Phone":null,"CreatedOn":"2024-01-02 03:04:05.678"}]`

func TestRetryOn429HonoursRetryAfter(t *testing.T) {
	srv, n := scripted(t,
		answer(429, `{"Status":"Error","ExceptionType":"MXAPIRateLimitExceededException","ExceptionMessage":"API calls exceeded the limit of 10 in 5 second(s)"}`, "Retry-After", "1"),
		answer(200, okLead))
	c := lsq.New(lsq.WithBaseURL(srv.URL), lsq.WithRetry(fast))
	start := time.Now()
	l, err := c.GetLead(context.Background(), "abc")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v, want ≥ 1s (Retry-After)", d)
	}
	if n.Load() != 2 || l.ID() != "abc" {
		t.Errorf("calls %d, lead %v", n.Load(), l)
	}
}

func TestRetryAfterLongerThanMaxDelayFails(t *testing.T) {
	srv, n := scripted(t, answer(429, `{"Status":"Error","ExceptionType":"MXAPIRateLimitExceededException","ExceptionMessage":"API calls exceeded the limit of 10 in 1 day(s)"}`, "Retry-After", "3600"))
	c := lsq.New(lsq.WithBaseURL(srv.URL), lsq.WithRetry(fast))
	_, err := c.GetLead(context.Background(), "abc")
	var e *lsq.Error
	if !errors.As(err, &e) || !lsq.IsRateLimited(err) || e.RetryAfter != time.Hour || n.Load() != 1 {
		t.Fatalf("err %v (%#v), calls %d", err, e, n.Load())
	}
}

func TestRetryOn503ForReadsOnly(t *testing.T) {
	srv, n := scripted(t, answer(503, `upstream down`), answer(200, okLead))
	c := lsq.New(lsq.WithBaseURL(srv.URL), lsq.WithRetry(fast))
	if _, err := c.GetLead(context.Background(), "abc"); err != nil || n.Load() != 2 {
		t.Fatalf("read: err %v calls %d", err, n.Load())
	}
	srv2, n2 := scripted(t, answer(503, `upstream down`), answer(200, `{"Status":"Success","Message":{"Id":"x"}}`))
	c2 := lsq.New(lsq.WithBaseURL(srv2.URL), lsq.WithRetry(fast))
	_, err := c2.CreateLead(context.Background(), lsq.Pairs("FirstName", "A"))
	var e *lsq.Error
	if !errors.As(err, &e) || e.Status != 503 || e.ExceptionMessage != "upstream down" || n2.Load() != 1 {
		t.Fatalf("write without RetryWrites: err %v calls %d", err, n2.Load())
	}
	p := fast
	p.RetryWrites = true
	srv3, n3 := scripted(t, answer(502, ``), answer(200, `{"Status":"Success","Message":{"Id":"x"}}`))
	c3 := lsq.New(lsq.WithBaseURL(srv3.URL), lsq.WithRetry(p))
	if id, err := c3.CreateLead(context.Background(), lsq.Pairs("FirstName", "A")); err != nil || id != "x" || n3.Load() != 2 {
		t.Fatalf("write with RetryWrites: id %q err %v calls %d", id, err, n3.Load())
	}
}

func TestWritesRetriedOn429(t *testing.T) {
	srv, n := scripted(t, answer(429, `{"Status":"Error","ExceptionType":"MXAPIRateLimitExceededException","ExceptionMessage":"x"}`, "Retry-After", "0"),
		answer(200, `{"Status":"Success","Message":{"Id":"x"}}`))
	c := lsq.New(lsq.WithBaseURL(srv.URL), lsq.WithRetry(fast))
	if _, err := c.CreateLead(context.Background(), lsq.Pairs("FirstName", "A")); err != nil || n.Load() != 2 {
		t.Fatalf("err %v calls %d", err, n.Load())
	}
}

func TestNoRetryOnBusinessErrors(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		is     func(error) bool
	}{
		{500, `{"Status":"Error","ExceptionType":"MXDuplicateEntryException","ExceptionMessage":"A Lead with same Email already exists."}`, lsq.IsDuplicate},
		{500, `{"Status":"Error","ExceptionType":"MXInvalidEntityException","ExceptionMessage":"Lead does not exist in the system"}`, lsq.IsNotFound},
		{500, `{"Status":"Error","ExceptionType":"MXUnknownAttributeException","ExceptionMessage":"x"}`, lsq.IsInvalid},
		{400, `{"Status":"Error","ExceptionType":"MXInvalidRequestFormatException","ExceptionMessage":"x"}`, lsq.IsInvalid},
		{401, `{"Status":"Error","ExceptionType":"MXUnAuthorizedAccessException","ExceptionMessage":"x"}`, lsq.IsUnauthorized},
		{404, `{"Status":"Error","ExceptionType":"MXAPINotFoundException","ExceptionMessage":"x"}`, lsq.IsNotFound},
	} {
		srv, n := scripted(t, answer(tc.status, tc.body, "X-Request-Id", "req-1"))
		c := lsq.New(lsq.WithBaseURL(srv.URL), lsq.WithRetry(fast))
		_, err := c.GetLead(context.Background(), "abc")
		var e *lsq.Error
		if !errors.As(err, &e) || e.Status != tc.status || e.RequestID != "req-1" || e.ExceptionType == "" || !tc.is(err) || n.Load() != 1 {
			t.Errorf("%d %s: err %v calls %d", tc.status, tc.body, err, n.Load())
		}
		if lsq.IsRateLimited(err) {
			t.Errorf("%s: IsRateLimited", tc.body)
		}
	}
}

func TestTransportErrorRetriedForReads(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // connection refused from now on
	c := lsq.New(lsq.WithBaseURL(url), lsq.WithRetry(lsq.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond}))
	var buf bytes.Buffer
	c2 := lsq.New(lsq.WithBaseURL(url), lsq.WithRetry(lsq.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond}),
		lsq.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	_, err := c.GetLead(context.Background(), "abc")
	var te *lsq.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err %T %v", err, err)
	}
	c2.GetLead(context.Background(), "abc")
	if got := strings.Count(buf.String(), "attempt="); got != 3 {
		t.Errorf("logged %d attempts, want 3:\n%s", got, buf.String())
	}
}

func TestLeadGetters(t *testing.T) {
	srv, _ := scripted(t, answer(200, okLead))
	l, err := lsq.New(lsq.WithBaseURL(srv.URL)).GetLead(context.Background(), "abc")
	if err != nil {
		t.Fatal(err)
	}
	score, _ := l.Int("Score")
	isLead, _ := l.Bool("IsLead")
	created, _ := l.Time("CreatedOn")
	if score != 7 || !isLead || !l.Has("Phone") || l.Get("Phone") != "" || created != time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC) {
		t.Errorf("getters: %v %v %v %v", score, isLead, l, created)
	}
	if _, err := l.Int("FirstName"); err == nil {
		t.Error("Int of text: no error")
	}
}

func TestEmptyReadIsNotFound(t *testing.T) {
	srv, _ := scripted(t, answer(200, `[]`))
	_, err := lsq.New(lsq.WithBaseURL(srv.URL)).GetLead(context.Background(), "abc")
	if !lsq.IsNotFound(err) || !errors.Is(err, lsq.ErrNotFound) {
		t.Fatalf("err %v", err)
	}
}

func TestNonEnvelopeError(t *testing.T) {
	srv, _ := scripted(t, answer(418, `<html>teapot</html>`))
	_, err := lsq.New(lsq.WithBaseURL(srv.URL)).GetLead(context.Background(), "abc")
	var e *lsq.Error
	if !errors.As(err, &e) || e.Status != 418 || e.ExceptionType != "" || e.ExceptionMessage != "<html>teapot</html>" {
		t.Fatalf("err %#v", err)
	}
}

func TestKeysSentAsHeaders(t *testing.T) {
	var got http.Header
	var rawQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, rawQuery = r.Header.Clone(), r.URL.RawQuery
		io.WriteString(w, okLead)
	}))
	defer srv.Close()
	c := lsq.New(lsq.WithBaseURL(srv.URL+"/v2/"), lsq.WithKeys("u$rAK", "SECRET"), lsq.WithUserAgent("test/1"))
	if _, err := c.GetLead(context.Background(), "abc"); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Lsq-Accesskey") != "u$rAK" || got.Get("X-Lsq-Secretkey") != "SECRET" || got.Get("User-Agent") != "test/1" || rawQuery != "id=abc" {
		t.Errorf("headers %v query %q", got, rawQuery)
	}
}

func TestLoggingStripsKeys(t *testing.T) {
	srv, _ := scripted(t, answer(500, `{"Status":"Error","ExceptionType":"MXDuplicateEntryException","ExceptionMessage":"dup"}`))
	var buf bytes.Buffer
	c := lsq.New(lsq.WithBaseURL(srv.URL), lsq.WithKeys("u$rACCESSVALUE", "SECRETVALUE"),
		lsq.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	// Keys passed as parameters by mistake, in any case, are removed too.
	c.GetLead(context.Background(), "abc")
	_, err := c.CreateLead(context.Background(), lsq.Pairs("FirstName", "Ann"))
	if !lsq.IsDuplicate(err) {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`"operation":"LeadManagement.svc/Lead.Create"`, `"status":500`, `"exceptionType":"MXDuplicateEntryException"`,
		`"body":"[{\"Attribute\":\"FirstName\",\"Value\":\"Ann\"}]"`, `"params":"id=abc"`, `"errorBody"`, `"level":"WARN"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "SECRETVALUE") || strings.Contains(out, "ACCESSVALUE") {
		t.Errorf("log holds a key:\n%s", out)
	}
}

func TestStripKeys(t *testing.T) {
	q := map[string][]string{"accessKey": {"a"}, "SECRETKEY": {"s"}, "x-LSQ-Access_Key": {"a"}, "leadId": {"1"}}
	got := lsq.StripKeys(q).Encode()
	if got != "leadId=1" {
		t.Errorf("StripKeys = %q", got)
	}
}

func TestSignatureLogging(t *testing.T) {
	srv, _ := scripted(t, answer(500, `{"Status":"Error","ExceptionType":"MXDuplicateEntryException","ExceptionMessage":"dup"}`))
	var buf bytes.Buffer
	c := lsq.New(lsq.WithBaseURL(srv.URL), lsq.WithLogLevel(lsq.LogSignature),
		lsq.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	c.CreateLead(context.Background(), lsq.Pairs("FirstName", "Ann"))
	out := buf.String()
	if !strings.Contains(out, "operation=LeadManagement.svc/Lead.Create") || !strings.Contains(out, "status=500") ||
		!strings.Contains(out, "exceptionType=MXDuplicateEntryException") || strings.Contains(out, "Ann") || strings.Contains(out, "body") {
		t.Errorf("signature log:\n%s", out)
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	srv, n := scripted(t, answer(503, ``))
	c := lsq.New(lsq.WithBaseURL(srv.URL), lsq.WithRetry(lsq.RetryPolicy{MaxAttempts: 10, BaseDelay: time.Second, MaxDelay: time.Second}))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetLead(ctx, "abc")
	if err == nil || time.Since(start) > 900*time.Millisecond || n.Load() > 2 {
		t.Fatalf("err %v after %v, %d calls", err, time.Since(start), n.Load())
	}
}

func TestBulkResultNulls(t *testing.T) {
	srv, _ := scripted(t, answer(200, `[{"RowNumber":1,"LeadId":"a","LeadCreated":true,"LeadUpdated":false,"AffectedRows":1},{"RowNumber":2,"LeadId":null,"LeadCreated":false,"LeadUpdated":false,"AffectedRows":0,"ExceptionType":"MXDuplicateEntryException","ExceptionMessage":"dup"}]`))
	res, err := lsq.New(lsq.WithBaseURL(srv.URL)).BulkCreateLeads(context.Background(), []lsq.Attrs{lsq.Pairs("FirstName", "A"), lsq.Pairs("FirstName", "B")})
	if err != nil || len(res) != 2 || res[0].Failed() || !res[1].Failed() || res[1].ExceptionType != "MXDuplicateEntryException" {
		t.Fatalf("%v %+v", err, res)
	}
}
