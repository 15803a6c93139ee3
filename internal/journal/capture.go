package journal

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/localsquared/localsquared/internal/crm"
)

// Middleware records every call that passes through it. It puts an empty
// *crm.CallInfo in the request context for the API layer to fill, tees the
// request body as the handler reads it, buffers the whole response, and
// writes the response to the client only once the call's entry is
// committed. If the entry cannot be committed the client gets cfg.Fail's
// response (500 MXInternalException) instead.
func (j *Journal) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := j.cfg.Clock.Now()
		start := time.Now()
		j.handling.Add(1) // the writer waits for handled calls to join its batch
		handled := false
		defer func() {
			if !handled { // the handler panicked
				j.handling.Add(-1)
			}
		}()
		ci := crm.CallInfoFrom(r.Context()) // an outer middleware may have made it
		if ci == nil {
			ci = &crm.CallInfo{}
			r = r.WithContext(crm.WithCallInfo(r.Context(), ci))
		}
		var tee *teeBody
		if r.Body != nil && r.Body != http.NoBody {
			tee = &teeBody{rc: r.Body, limit: j.cfg.BodyCap}
			r.Body = tee
		}
		bw := &bufferedWriter{header: w.Header().Clone()}
		next.ServeHTTP(bw, r)
		if tee != nil {
			tee.finish()
		}
		e := j.entry(r, ci, bw, tee, arrived)
		e.Latency = time.Since(start)
		handled = true
		j.handling.Add(-1)
		if err := j.Record(e); err != nil {
			j.cfg.Fail(w, r, err)
			return
		}
		bw.flush(w)
	})
}

// entry builds the call's journal entry at its org's level.
func (j *Journal) entry(r *http.Request, ci *crm.CallInfo, bw *bufferedWriter, tee *teeBody, arrived time.Time) *Entry {
	if ci.OrgID == 0 && j.cfg.Authenticate != nil && bw.status != http.StatusUnauthorized {
		// The API layer answered before checking keys (404, 405): attribute
		// the call when the keys it carries are valid.
		access, secret := keysOf(r)
		if access != "" || secret != "" {
			if p, err := j.cfg.Authenticate(r.Context(), access, secret); err == nil {
				ci.OrgID, ci.UserID, ci.AccessKey, ci.JournalLevel = p.Org.ID, p.User.ID, p.AccessKey, p.Org.JournalLevel
			}
		}
	}
	e := &Entry{
		Time:             arrived.Truncate(time.Millisecond).UTC(),
		OrgID:            ci.OrgID,
		UserID:           text(ci.UserID, 64),
		AccessKey:        text(ci.AccessKey, 128),
		Method:           text(r.Method, 16),
		Path:             text(r.URL.EscapedPath(), 2048),
		Operation:        text(ci.Operation, 256),
		Query:            text(ScrubQuery(r.URL.RawQuery), 8192),
		Status:           bw.code(),
		ExceptionType:    text(ci.ExceptionType, 128),
		ExceptionMessage: text(ci.ExceptionMessage, 8192), // may echo request text
		RequestID:        text(crm.RequestID(r.Context()), 64),
		ClientAddr:       clientAddr(r.RemoteAddr),
		UserAgent:        text(r.UserAgent(), 512),
		Level:            ci.JournalLevel,
	}
	if e.Level == "" {
		e.Level = crm.JournalFull
	}
	// The bodies are read as strings in place, not copied: neither buffer
	// is written again once the handler has returned and tee is finished.
	if tee != nil {
		e.RequestBody, e.RequestTruncated = text(bytesString(tee.buf), len(tee.buf)), tee.truncated()
	}
	body := bw.body.Bytes()
	if len(body) > j.cfg.BodyCap {
		body, e.ResponseTruncated = body[:j.cfg.BodyCap], true
	}
	e.ResponseBody = text(bytesString(body), len(body))
	isError := e.Status >= 400 || e.ExceptionType != ""
	switch {
	case e.Level == crm.JournalSignature:
		e.Query, e.RequestBody, e.ResponseBody = "", "", ""
		e.RequestTruncated, e.ResponseTruncated = false, false
	case e.Level == crm.JournalErrors && !isError:
		e.RequestBody, e.ResponseBody = "", ""
		e.RequestTruncated, e.ResponseTruncated = false, false
	}
	return e
}

// keysOf returns the key pair a request carries, by the API's rule:
// headers when either is present, else query parameters (any case).
func keysOf(r *http.Request) (access, secret string) {
	access, secret = r.Header.Get("X-LSQ-AccessKey"), r.Header.Get("X-LSQ-SecretKey")
	if access != "" || secret != "" {
		return access, secret
	}
	for raw := r.URL.RawQuery; raw != ""; {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		switch strings.ToLower(k) {
		case "accesskey":
			if access == "" {
				access = v
			}
		case "secretkey":
			if secret == "" {
				secret = v
			}
		}
	}
	return access, secret
}

// ScrubQuery returns the raw query string without its key parameters: any
// parameter whose name, in any case and with punctuation ignored, contains
// "accesskey" or "secretkey" is removed, as is any parameter whose name
// cannot be decoded. The other parameters keep their original encoding
// and order.
func ScrubQuery(raw string) string {
	if raw == "" {
		return ""
	}
	var b strings.Builder
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, _, _ := strings.Cut(kv, "=")
		name, err := url.QueryUnescape(k)
		if err != nil || isKeyParam(name) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv)
	}
	return b.String()
}

func isKeyParam(name string) bool {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' {
			b.WriteRune(c)
		}
	}
	n := b.String()
	return strings.Contains(n, "accesskey") || strings.Contains(n, "secretkey")
}

// text makes s storable and bounded: at most max bytes, valid UTF-8, no
// NUL characters (PostgreSQL text refuses both); a sequence that is not
// UTF-8 becomes U+FFFD.
func text(s string, max int) string {
	if len(s) > max {
		s = s[:max]
	}
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// bytesString is b as a string without a copy; b must never change again.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func clientAddr(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return text(remote, 64)
}

// teeBody keeps the first limit bytes of a request body as it is read.
type teeBody struct {
	rc    io.ReadCloser
	buf   []byte
	limit int
	n     int64 // bytes read in all
	eof   bool
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	if n > 0 {
		t.n += int64(n)
		if room := t.limit - len(t.buf); room > 0 {
			t.buf = append(t.buf, p[:min(n, room)]...)
		}
	}
	if err == io.EOF {
		t.eof = true
	}
	return n, err
}

func (t *teeBody) Close() error { return t.rc.Close() }

// finish reads what the handler left unread, up to the cap and one byte
// more, so a body the handler never looked at (a 401, a 404) is still
// recorded and a longer one is flagged truncated.
func (t *teeBody) finish() {
	if t.eof || t.n > int64(t.limit) {
		return
	}
	_, _ = io.CopyN(io.Discard, t, int64(t.limit)-t.n+1)
}

func (t *teeBody) truncated() bool { return t.n > int64(len(t.buf)) }

// bufferedWriter holds a response until its entry is committed.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) code() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

func (b *bufferedWriter) flush(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range b.header {
		h[k] = v
	}
	w.WriteHeader(b.code())
	_, _ = w.Write(b.body.Bytes())
}

// failEnvelope is LeadSquared's error envelope for a fault, with the same
// keys in the same order as the API's own.
func failEnvelope(w http.ResponseWriter, r *http.Request, _ error) {
	b, _ := json.Marshal(struct {
		Status           string
		ExceptionType    string
		ExceptionMessage string
	}{"Error", "MXInternalException", "An unexpected error occurred. Reference: " + crm.RequestID(r.Context())})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write(b)
}
