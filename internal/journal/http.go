package journal

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

// Route is one admin endpoint of the journal. Handlers return crm error
// kinds (KindInvalid, KindBadRequest, KindNotFound) for the admin API to
// turn into problem responses; they do no authentication themselves.
type Route struct {
	Pattern string
	Handler func(w http.ResponseWriter, r *http.Request) error
}

// AdminRoutes returns the journal's admin endpoints, for the admin API to
// mount behind its token check.
func (j *Journal) AdminRoutes() []Route {
	return []Route{
		{"GET /api/v1/orgs/{org}/journal", j.list},
		{"GET /api/v1/orgs/{org}/journal/export", j.export},
		{"GET /api/v1/orgs/{org}/journal/settings", j.getSettings},
		{"PATCH /api/v1/orgs/{org}/journal/settings", j.patchSettings},
		{"GET /api/v1/orgs/{org}/journal/{id}", j.get},
	}
}

// EntryJSON is an entry on the admin API and in JSON-lines exports.
type EntryJSON struct {
	ID                int64     `json:"id"`
	Time              time.Time `json:"time"`
	OrgID             int64     `json:"orgId"`
	UserID            string    `json:"userId"`
	AccessKey         string    `json:"accessKey"`
	Method            string    `json:"method"`
	Path              string    `json:"path"`
	Operation         string    `json:"operation"`
	Query             string    `json:"query"`
	RequestBody       string    `json:"requestBody"`
	RequestTruncated  bool      `json:"requestTruncated"`
	Status            int       `json:"status"`
	ExceptionType     string    `json:"exceptionType"`
	ExceptionMessage  string    `json:"exceptionMessage"`
	ResponseBody      string    `json:"responseBody"`
	ResponseTruncated bool      `json:"responseTruncated"`
	LatencyUs         int64     `json:"latencyUs"`
	RequestID         string    `json:"requestId"`
	ClientAddr        string    `json:"clientAddr"`
	UserAgent         string    `json:"userAgent"`
	Level             string    `json:"level"`
}

func entryOut(e *Entry) EntryJSON {
	return EntryJSON{e.ID, e.Time, int64(e.OrgID), e.UserID, e.AccessKey, e.Method, e.Path, e.Operation, e.Query,
		e.RequestBody, e.RequestTruncated, e.Status, e.ExceptionType, e.ExceptionMessage, e.ResponseBody,
		e.ResponseTruncated, e.Latency.Microseconds(), e.RequestID, e.ClientAddr, e.UserAgent, e.Level}
}

// csvHeader names the CSV export's columns, in EntryJSON's order.
var csvHeader = []string{"id", "time", "orgId", "userId", "accessKey", "method", "path", "operation", "query",
	"requestBody", "requestTruncated", "status", "exceptionType", "exceptionMessage", "responseBody",
	"responseTruncated", "latencyUs", "requestId", "clientAddr", "userAgent", "level"}

func csvRow(e *Entry) []string {
	return []string{strconv.FormatInt(e.ID, 10), e.Time.Format(time.RFC3339Nano), strconv.FormatInt(int64(e.OrgID), 10),
		e.UserID, e.AccessKey, e.Method, e.Path, e.Operation, e.Query, e.RequestBody, strconv.FormatBool(e.RequestTruncated),
		strconv.Itoa(e.Status), e.ExceptionType, e.ExceptionMessage, e.ResponseBody, strconv.FormatBool(e.ResponseTruncated),
		strconv.FormatInt(e.Latency.Microseconds(), 10), e.RequestID, e.ClientAddr, e.UserAgent, e.Level}
}

// orgOf parses {org}; 0 is the org of calls no valid key pair identified.
func (j *Journal) orgOf(r *http.Request) (crm.OrgID, error) {
	n, err := strconv.ParseInt(r.PathValue("org"), 10, 64)
	if err != nil || n < 0 {
		return 0, crm.Errorf(crm.KindNotFound, "org ids are positive integers (0 holds calls without valid keys)")
	}
	if n > 0 && j.cfg.OrgExists != nil {
		if err := j.cfg.OrgExists(r.Context(), crm.OrgID(n)); err != nil {
			return 0, err
		}
	}
	return crm.OrgID(n), nil
}

// filterParams are the query parameters a journal query takes.
var filterParams = map[string]bool{"operation": true, "status": true, "exceptionType": true, "from": true, "to": true,
	"requestId": true, "leadId": true, "text": true, "order": true, "cursor": true, "limit": true, "format": true}

// ParseFilter reads a Filter for org from admin query parameters:
// operation, status (a code or a class such as 4xx), exceptionType, from
// and to (RFC 3339, "yyyy-MM-dd HH:mm:ss" UTC, or Unix milliseconds),
// requestId, leadId, text, order (desc or asc), cursor, limit. KindInvalid
// names the first bad parameter.
func ParseFilter(org crm.OrgID, q map[string][]string) (Filter, error) {
	f := Filter{Org: org}
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	for k := range q {
		if !filterParams[k] {
			return f, crm.Errorf(crm.KindInvalid, "unknown parameter %q", k)
		}
	}
	f.Operation, f.ExceptionType, f.RequestID, f.Cursor = get("operation"), get("exceptionType"), get("requestId"), get("cursor")
	f.LeadID, f.Text = get("leadId"), get("text")
	if s := get("status"); s != "" {
		if len(s) == 3 && strings.HasSuffix(strings.ToLower(s), "xx") && s[0] >= '1' && s[0] <= '5' {
			f.Status = int(s[0] - '0')
		} else if n, err := strconv.Atoi(s); err == nil && n >= 100 && n <= 599 {
			f.Status = n
		} else {
			return f, crm.Errorf(crm.KindInvalid, "status must be an HTTP status or a class such as 5xx")
		}
	}
	var err error
	if f.From, err = parseTime("from", get("from")); err != nil {
		return f, err
	}
	if f.To, err = parseTime("to", get("to")); err != nil {
		return f, err
	}
	switch get("order") {
	case "", "desc":
	case "asc":
		f.Ascending = true
	default:
		return f, crm.Errorf(crm.KindInvalid, "order must be asc or desc")
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return f, crm.Errorf(crm.KindInvalid, "limit must be 1 to 1000")
		}
		f.Limit = n
	}
	if f.Cursor != "" {
		if _, err := parseCursor(f.Cursor); err != nil {
			return f, err
		}
	}
	return f, nil
}

func parseTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02 15:04:05", s); err == nil {
		return t, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return time.UnixMilli(n).UTC(), nil
	}
	return time.Time{}, crm.Errorf(crm.KindInvalid, "%s must be RFC 3339, yyyy-MM-dd HH:mm:ss (UTC) or Unix milliseconds", name)
}

// ListJSON is a page of entries on the admin API.
type ListJSON struct {
	Entries    []EntryJSON `json:"entries"`
	NextCursor string      `json:"nextCursor,omitempty"`
}

func (j *Journal) list(w http.ResponseWriter, r *http.Request) error {
	org, err := j.orgOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Has("format") {
		return crm.Errorf(crm.KindInvalid, "unknown parameter %q", "format")
	}
	f, err := ParseFilter(org, q)
	if err != nil {
		return err
	}
	p, err := j.Query(r.Context(), f)
	if err != nil {
		return err
	}
	out := ListJSON{Entries: make([]EntryJSON, 0, len(p.Entries)), NextCursor: p.Next}
	for i := range p.Entries {
		out.Entries = append(out.Entries, entryOut(&p.Entries[i]))
	}
	return writeJSON(w, out)
}

func (j *Journal) get(w http.ResponseWriter, r *http.Request) error {
	org, err := j.orgOf(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return crm.Errorf(crm.KindNotFound, "journal entry ids are positive integers")
	}
	e, err := j.Get(r.Context(), org, id)
	if err != nil {
		return err
	}
	return writeJSON(w, entryOut(e))
}

// export streams every matching entry (or the first limit) as JSON lines
// or CSV, one page from the database at a time.
func (j *Journal) export(w http.ResponseWriter, r *http.Request) error {
	org, err := j.orgOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "jsonl"
	}
	if format != "jsonl" && format != "csv" {
		return crm.Errorf(crm.KindInvalid, "format must be jsonl or csv")
	}
	max := 0
	if s := q.Get("limit"); s != "" {
		if max, err = strconv.Atoi(s); err != nil || max < 1 {
			return crm.Errorf(crm.KindInvalid, "limit must be a positive integer")
		}
		q.Del("limit")
	}
	f, err := ParseFilter(org, q)
	if err != nil {
		return err
	}
	f.Limit = 500
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/x-ndjson")
	}
	w.Header().Set("Content-Disposition", `attachment; filename="journal-`+strconv.FormatInt(int64(org), 10)+"."+format+`"`)
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	rc := http.NewResponseController(w)
	var cw *csv.Writer
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if format == "csv" {
		cw = csv.NewWriter(bw)
		_ = cw.Write(csvHeader)
	}
	n := 0
	err = j.Each(r.Context(), f, func(e *Entry) error {
		var err error
		if cw != nil {
			err = cw.Write(csvRow(e))
		} else {
			err = enc.Encode(entryOut(e))
		}
		if err != nil {
			return err
		}
		n++
		if n%f.Limit == 0 {
			if cw != nil {
				cw.Flush()
			}
			if err := bw.Flush(); err != nil {
				return err
			}
			_ = rc.Flush()
		}
		if max > 0 && n >= max {
			return errStop
		}
		return nil
	})
	if cw != nil {
		cw.Flush()
	}
	_ = bw.Flush()
	if err != nil && err != errStop && r.Context().Err() == nil {
		// The status line is gone; all that can be done is to cut the
		// stream short and say why in the log.
		j.cfg.Logger.WarnContext(r.Context(), "journal export cut short", "request_id", crm.RequestID(r.Context()), "err", err)
	}
	return nil
}

type stopError struct{}

func (stopError) Error() string { return "stop" }

var errStop error = stopError{}

// SettingsJSON is an org's journal retention and usage.
type SettingsJSON struct {
	MaxAgeHours int64 `json:"maxAgeHours"` // 0: keep forever
	MaxBytes    int64 `json:"maxBytes"`    // 0: no size limit
	Default     bool  `json:"default"`     // true until the org has its own setting
	Entries     int64 `json:"entries"`
	Bytes       int64 `json:"bytes"`
}

func (j *Journal) settings(ctx context.Context, org crm.OrgID) (SettingsJSON, error) {
	ret, err := j.Retention(ctx, org)
	if err != nil {
		return SettingsJSON{}, err
	}
	u, err := j.Usage(ctx, org)
	if err != nil {
		return SettingsJSON{}, err
	}
	return SettingsJSON{int64(ret.MaxAge / time.Hour), ret.MaxBytes, ret.Default, u.Entries, u.Bytes}, nil
}

func (j *Journal) getSettings(w http.ResponseWriter, r *http.Request) error {
	org, err := j.orgOf(r)
	if err != nil {
		return err
	}
	s, err := j.settings(r.Context(), org)
	if err != nil {
		return err
	}
	return writeJSON(w, s)
}

func (j *Journal) patchSettings(w http.ResponseWriter, r *http.Request) error {
	org, err := j.orgOf(r)
	if err != nil {
		return err
	}
	var in struct {
		MaxAgeHours *int64 `json:"maxAgeHours"`
		MaxBytes    *int64 `json:"maxBytes"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return crm.Errorf(crm.KindBadRequest, "invalid JSON body: %s", err.Error())
	}
	ret, err := j.Retention(r.Context(), org)
	if err != nil {
		return err
	}
	if in.MaxAgeHours != nil {
		if *in.MaxAgeHours < 0 || *in.MaxAgeHours > 24*365*100 {
			return crm.Errorf(crm.KindInvalid, "maxAgeHours must be 0 (forever) to 876000")
		}
		ret.MaxAge = time.Duration(*in.MaxAgeHours) * time.Hour
	}
	if in.MaxBytes != nil {
		if *in.MaxBytes < 0 {
			return crm.Errorf(crm.KindInvalid, "maxBytes must be 0 (no limit) or more")
		}
		ret.MaxBytes = *in.MaxBytes
	}
	if err := j.SetRetention(r.Context(), org, ret); err != nil {
		return err
	}
	s, err := j.settings(r.Context(), org)
	if err != nil {
		return err
	}
	return writeJSON(w, s)
}

func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return crm.Internal(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b)
	return err
}
