package lsq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is LeadSquared's default API host. Tenants in other
// regions use their own host (api-in21.leadsquared.com, api-us11…), which
// UserByAccessKey.Get reports; LocalSquared is usually http://127.0.0.1:8080.
const DefaultBaseURL = "https://api.leadsquared.com"

// LogLevel says how much of each call the client logs.
type LogLevel int

const (
	// LogFull logs the operation, the method, the URL parameters (keys
	// removed), the request body, the status, the error body and the latency.
	LogFull LogLevel = iota
	// LogSignature logs only the operation, the status and the error
	// (ExceptionType and message): no parameters, no bodies.
	LogSignature
)

// RetryPolicy says when a failed call is sent again. Retries wait an
// exponentially growing delay (BaseDelay, 2×, 4×, … at most MaxDelay) with
// full jitter, or exactly the server's Retry-After on a 429 when it gives
// one. A Retry-After longer than MaxDelay is not waited for: the call
// fails with the 429 so the caller can decide (a daily cap resets hours
// later).
//
// What is retried: 429 (the server did nothing, so every call, writes
// included), and for idempotent reads — or every call when RetryWrites is
// set — transport errors and 502, 503 and 504. Other 4xx answers and
// business errors (500 with an ExceptionType) are never retried.
type RetryPolicy struct {
	MaxAttempts int           // total attempts including the first; ≤ 1 disables retries
	BaseDelay   time.Duration // first backoff delay; 0 means 200 ms
	MaxDelay    time.Duration // cap on one delay; 0 means 30 s
	RetryWrites bool          // also retry writes on transport errors and 502/503/504
}

// DefaultRetryPolicy is what New uses: 4 attempts, 200 ms base, 30 s cap,
// writes retried on 429 only.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 30 * time.Second}
}

// Client calls the LeadSquared API v2. It is safe for concurrent use.
type Client struct {
	base      string // scheme://host[/prefix], no trailing slash
	accessKey string
	secretKey string
	http      *http.Client
	log       *slog.Logger // nil: no call logging
	level     LogLevel
	retry     RetryPolicy
	ua        string
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL sets the API host, such as https://api-in21.leadsquared.com
// or http://127.0.0.1:8080; "/v2/…" is appended to it. A trailing slash
// or "/v2" suffix is tolerated.
func WithBaseURL(u string) Option {
	return func(c *Client) {
		u = strings.TrimRight(u, "/")
		if strings.HasSuffix(strings.ToLower(u), "/v2") {
			u = u[:len(u)-3]
		}
		c.base = u
	}
}

// WithKeys sets the key pair, sent as x-LSQ-AccessKey and x-LSQ-SecretKey
// headers (never in the URL, so proxies and logs do not see them).
func WithKeys(accessKey, secretKey string) Option {
	return func(c *Client) { c.accessKey, c.secretKey = accessKey, secretKey }
}

// WithHTTPClient sets the *http.Client. Default: one with a 60 s timeout
// and a transport keeping up to 64 idle connections per host.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithLogger turns call logging on: every call is logged through l, at
// Info when it succeeded and Warn when it failed, with the keys removed.
// Without it the client logs nothing.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithLogLevel sets how much a logged call shows; default LogFull.
func WithLogLevel(level LogLevel) Option { return func(c *Client) { c.level = level } }

// WithRetry sets the retry policy; default DefaultRetryPolicy().
func WithRetry(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// WithUserAgent sets the User-Agent header; default "lsq-go/1".
func WithUserAgent(ua string) Option { return func(c *Client) { c.ua = ua } }

var defaultTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	return t
}()

// New returns a client configured by opts. Without WithBaseURL it talks
// to DefaultBaseURL; without WithKeys it sends no keys.
func New(opts ...Option) *Client {
	c := &Client{
		base:  DefaultBaseURL,
		http:  &http.Client{Timeout: 60 * time.Second, Transport: defaultTransport},
		retry: DefaultRetryPolicy(),
		ua:    "lsq-go/1",
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL returns the API host the client talks to.
func (c *Client) BaseURL() string { return c.base }

// op is one operation: its verb, path under /v2/, and whether a repeat
// is harmless.
type op struct {
	method string
	path   string // "Service.svc/Operation"
	read   bool
}

func getOp(path string) op        { return op{http.MethodGet, path, true} }
func postRead(path string) op     { return op{http.MethodPost, path, true} }
func postWrite(path string) op    { return op{http.MethodPost, path, false} }
func getWrite(path string) op     { return op{http.MethodGet, path, false} }
func (o op) name() string         { return o.path }
func (c *Client) url(o op) string { return c.base + "/v2/" + o.path }

// call sends one operation and decodes a 2xx answer into out (when not
// nil). q may be nil; body, when not nil, is sent as JSON. Errors are
// *Error for answers from the server and wrapped transport errors
// otherwise.
func (c *Client) call(ctx context.Context, o op, q url.Values, body any, out any) error {
	raw, err := c.callRaw(ctx, o, q, body)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &Error{Operation: o.name(), Status: http.StatusOK, ExceptionType: "DecodeError",
			ExceptionMessage: "cannot decode the response: " + err.Error()}
	}
	return nil
}

// callRaw is call without decoding: it returns the body of a 2xx answer.
func (c *Client) callRaw(ctx context.Context, o op, q url.Values, body any) ([]byte, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, &Error{Operation: o.name(), ExceptionType: "EncodeError", ExceptionMessage: err.Error()}
		}
	}
	u := c.url(o)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	p := c.retry
	attempts := max(p.MaxAttempts, 1)
	for attempt := 1; ; attempt++ {
		start := time.Now()
		status, respBody, hdr, err := c.send(ctx, o, u, payload)
		var out []byte
		var callErr error
		switch {
		case err != nil:
			callErr = err
		case status/100 == 2:
			out = respBody
		default:
			callErr = decodeError(o.name(), status, hdr, respBody)
		}
		c.logCall(ctx, o, q, payload, status, respBody, callErr, attempt, time.Since(start))
		if callErr == nil {
			return out, nil
		}
		if attempt >= attempts || ctx.Err() != nil {
			return nil, callErr
		}
		wait, retry := c.backoff(o, attempt, status, hdr, err)
		if !retry {
			return nil, callErr
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, callErr
		case <-t.C:
		}
	}
}

// send makes one HTTP exchange. A transport error comes back as err; any
// answer comes back as status, body and headers.
func (c *Client) send(ctx context.Context, o op, u string, payload []byte) (int, []byte, http.Header, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, o.method, u, rd)
	if err != nil {
		return 0, nil, nil, &Error{Operation: o.name(), ExceptionType: "RequestError", ExceptionMessage: err.Error()}
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	if c.accessKey != "" || c.secretKey != "" {
		req.Header["x-LSQ-AccessKey"] = []string{c.accessKey}
		req.Header["x-LSQ-SecretKey"] = []string{c.secretKey}
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, &TransportError{Operation: o.name(), Err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, nil, &TransportError{Operation: o.name(), Err: err}
	}
	return res.StatusCode, b, res.Header, nil
}

// backoff says whether attempt (1-based) may be followed by another and
// how long to wait first.
func (c *Client) backoff(o op, attempt, status int, hdr http.Header, err error) (time.Duration, bool) {
	p := c.retry
	base, maxD := p.BaseDelay, p.MaxDelay
	if base <= 0 {
		base = 200 * time.Millisecond
	}
	if maxD <= 0 {
		maxD = 30 * time.Second
	}
	var te *TransportError
	switch {
	case status == http.StatusTooManyRequests:
		if ra, ok := retryAfter(hdr); ok {
			return ra, ra <= maxD
		}
	case errors.As(err, &te), status == http.StatusBadGateway, status == http.StatusServiceUnavailable, status == http.StatusGatewayTimeout:
		if !o.read && !p.RetryWrites {
			return 0, false
		}
	default:
		return 0, false
	}
	d := base << min(attempt-1, 20)
	if d <= 0 || d > maxD {
		d = maxD
	}
	return time.Duration(rand.Int64N(int64(d)) + 1), true
}

// retryAfter reads Retry-After as whole seconds or an HTTP date.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// TransportError is a call that got no HTTP answer: connection refused,
// reset, timeout, or a body cut off.
type TransportError struct {
	Operation string
	Err       error
}

func (e *TransportError) Error() string { return "lsq: " + e.Operation + ": " + e.Err.Error() }

// Unwrap returns the underlying error (a *url.Error, net.Error, …).
func (e *TransportError) Unwrap() error { return e.Err }

// Timeout reports whether the transport error was a timeout.
func (e *TransportError) Timeout() bool {
	var ne net.Error
	return errors.As(e.Err, &ne) && ne.Timeout()
}

// logCall logs one attempt. Nothing is built unless the logger would
// write the record.
func (c *Client) logCall(ctx context.Context, o op, q url.Values, body []byte, status int, respBody []byte, err error, attempt int, d time.Duration) {
	if c.log == nil {
		return
	}
	lvl := slog.LevelInfo
	if err != nil {
		lvl = slog.LevelWarn
	}
	if !c.log.Enabled(ctx, lvl) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs, slog.String("operation", o.name()), slog.Int("status", status))
	var e *Error
	if errors.As(err, &e) {
		attrs = append(attrs, slog.String("exceptionType", e.ExceptionType), slog.String("exceptionMessage", e.ExceptionMessage))
	} else if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	if c.level == LogFull {
		attrs = append(attrs, slog.String("method", o.method), slog.String("params", StripKeys(q).Encode()))
		if body != nil {
			attrs = append(attrs, slog.String("body", string(body)))
		}
		if err != nil && respBody != nil {
			attrs = append(attrs, slog.String("errorBody", string(respBody)))
		}
		attrs = append(attrs, slog.Int("attempt", attempt), slog.Duration("latency", d))
		if e != nil && e.RequestID != "" {
			attrs = append(attrs, slog.String("requestId", e.RequestID))
		}
	}
	c.log.LogAttrs(ctx, lvl, "lsq call", attrs...)
}

// StripKeys returns a copy of q without the parameters that carry keys:
// every name that, lower-cased with punctuation removed, contains
// "accesskey" or "secretkey".
func StripKeys(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		if isKeyParam(k) {
			continue
		}
		out[k] = v
	}
	return out
}

func isKeyParam(name string) bool {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	s := b.String()
	return strings.Contains(s, "accesskey") || strings.Contains(s, "secretkey")
}

// Message is the "Message" object of LeadSquared's success envelope; which
// fields are set depends on the operation.
type Message struct {
	Id                string `json:",omitempty"`
	RelatedId         string `json:",omitempty"`
	RelatedProspectId string `json:",omitempty"`
	AffectedRows      int    `json:",omitempty"`
	IsCreated         bool   `json:",omitempty"`
	IsSuccessful      bool   `json:",omitempty"`
	Message           string `json:",omitempty"`
	LeadScore         *int   `json:",omitempty"`
}

// UnmarshalJSON reads LeadScore as a number or as the string the server
// sends ("14").
func (m *Message) UnmarshalJSON(b []byte) error {
	type plain Message
	var raw struct {
		plain
		LeadScore json.RawMessage
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*m = Message(raw.plain)
	if s := scalarText(raw.LeadScore); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("lsq: LeadScore %q is not a whole number", s)
		}
		m.LeadScore = &n
	}
	return nil
}

type envelope struct {
	Status  string
	Message Message
}

// message calls o and returns the envelope's Message.
func (c *Client) message(ctx context.Context, o op, q url.Values, body any) (Message, error) {
	var env envelope
	err := c.call(ctx, o, q, body, &env)
	return env.Message, err
}

// Do calls any /v2 operation the typed methods do not cover, with the
// client's keys, retries and logging: method is GET or POST, operation is
// "Service.svc/Operation", params may be nil, body (when not nil) is sent
// as JSON and a 2xx answer is decoded into out (when not nil). GET calls
// count as idempotent reads for retries; POST calls as writes.
func (c *Client) Do(ctx context.Context, method, operation string, params url.Values, body, out any) error {
	o := op{method: strings.ToUpper(method), path: strings.TrimPrefix(operation, "/"), read: strings.EqualFold(method, http.MethodGet)}
	if p, ok := strings.CutPrefix(strings.ToLower(o.path), "v2/"); ok {
		o.path = o.path[len(o.path)-len(p):]
	}
	return c.call(ctx, o, params, body, out)
}

func query(kv ...string) url.Values {
	q := make(url.Values, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}
