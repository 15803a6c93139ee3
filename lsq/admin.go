package lsq

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// AdminClient calls LocalSquared's own admin API under /api/v1 (orgs,
// users, key pairs, rate-limit plans, the call journal). It does not exist
// on LeadSquared. Errors are *Error with Status and, in
// ExceptionMessage, the problem's detail; ExceptionType is empty.
type AdminClient struct {
	base  string
	token string
	http  *http.Client
}

// NewAdmin returns an admin client for the server at baseURL with the
// admin token; h nil means a client with a 60 s timeout.
func NewAdmin(baseURL, token string, h *http.Client) *AdminClient {
	if h == nil {
		h = &http.Client{Timeout: 60 * time.Second, Transport: defaultTransport}
	}
	return &AdminClient{base: strings.TrimRight(baseURL, "/"), token: token, http: h}
}

// Org is an org on the admin API.
type Org struct {
	ID                int64     `json:"id"`
	Name              string    `json:"name"`
	Plan              string    `json:"plan"`
	LeadDeleteEnabled bool      `json:"leadDeleteEnabled"`
	JournalLevel      string    `json:"journalLevel"`
	ClockOffsetMs     int64     `json:"clockOffsetMs"`
	CreatedOn         time.Time `json:"createdOn"`
}

// OrgSettings is the body of PATCH …/orgs/{org}; nil fields stay.
type OrgSettings struct {
	LeadDeleteEnabled *bool   `json:"leadDeleteEnabled,omitempty"`
	JournalLevel      *string `json:"journalLevel,omitempty"` // full, errors, signature
	ClockOffsetMs     *int64  `json:"clockOffsetMs,omitempty"`
}

// AdminUser is a user on the admin API.
type AdminUser struct {
	ID        string    `json:"id"`
	OrgID     int64     `json:"orgId"`
	FirstName string    `json:"firstName"`
	LastName  string    `json:"lastName"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	Active    bool      `json:"active"`
	TimeZone  string    `json:"timeZone"`
	CreatedOn time.Time `json:"createdOn"`
}

// Key is a key pair; SecretKey is set only in the answer that made it.
type Key struct {
	AccessKey string     `json:"accessKey"`
	SecretKey string     `json:"secretKey,omitempty"`
	UserID    string     `json:"userId"`
	CreatedOn time.Time  `json:"createdOn"`
	RevokedOn *time.Time `json:"revokedOn,omitempty"`
}

// Plan is a rate-limit plan.
type Plan struct {
	Name         string `json:"name"`
	Per5s        int    `json:"per5s"`
	BulkPer5s    int    `json:"bulkPer5s"`
	DailyBase    int64  `json:"dailyBase"`
	PerUserDaily int64  `json:"perUserDaily"`
	DailyCeiling int64  `json:"dailyCeiling"`
}

// Usage is an org's plan and current counts.
type Usage struct {
	OrgID  int64     `json:"orgId"`
	Plan   Plan      `json:"plan"`
	Now    time.Time `json:"now"`
	Window struct {
		Start    time.Time `json:"start"`
		Standard int       `json:"standard"`
		Bulk     int       `json:"bulk"`
	} `json:"window"`
	Day struct {
		Date  string `json:"date"`
		Calls int64  `json:"calls"`
		Limit int64  `json:"limit"`
	} `json:"day"`
}

// JournalEntry is one recorded /v2 call.
type JournalEntry struct {
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

// JournalPage is one page of a journal query.
type JournalPage struct {
	Entries    []JournalEntry `json:"entries"`
	NextCursor string         `json:"nextCursor,omitempty"`
}

// JournalSettings is an org's journal retention and size.
type JournalSettings struct {
	MaxAgeHours int64 `json:"maxAgeHours"`
	MaxBytes    int64 `json:"maxBytes"`
	Default     bool  `json:"default"`
	Entries     int64 `json:"entries"`
	Bytes       int64 `json:"bytes"`
}

func orgPath(org int64) string { return "/api/v1/orgs/" + strconv.FormatInt(org, 10) }

// do sends one admin request; body nil sends none; out nil discards the answer.
func (a *AdminClient) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	res, err := a.open(ctx, method, path, q, body)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, res.Body)
		return nil
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return &Error{Operation: method + " " + path, Status: res.StatusCode, ExceptionType: "DecodeError", ExceptionMessage: err.Error()}
	}
	return nil
}

// open sends a request and returns a 2xx response for the caller to read
// and close; other answers become *Error.
func (a *AdminClient) open(ctx context.Context, method, path string, q url.Values, body any) (*http.Response, error) {
	name := method + " " + path
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &Error{Operation: name, ExceptionType: "EncodeError", ExceptionMessage: err.Error()}
		}
		rd = bytes.NewReader(b)
	}
	u := a.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, &Error{Operation: name, ExceptionType: "RequestError", ExceptionMessage: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := a.http.Do(req)
	if err != nil {
		return nil, &TransportError{Operation: name, Err: err}
	}
	if res.StatusCode/100 == 2 {
		return res, nil
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	e := &Error{Operation: name, Status: res.StatusCode, RequestID: res.Header.Get("X-Request-Id")}
	var p struct{ Detail, Title string }
	if json.Unmarshal(b, &p) == nil && (p.Detail != "" || p.Title != "") {
		e.ExceptionMessage = p.Detail
		if e.ExceptionMessage == "" {
			e.ExceptionMessage = p.Title
		}
	} else {
		e.ExceptionMessage = strings.TrimSpace(string(b))
	}
	return nil, e
}

// Orgs lists every org.
func (a *AdminClient) Orgs(ctx context.Context) ([]Org, error) {
	var out []Org
	return out, a.do(ctx, http.MethodGet, "/api/v1/orgs", nil, nil, &out)
}

// CreateOrg creates an org (without users; add one with CreateUser).
func (a *AdminClient) CreateOrg(ctx context.Context, name string) (Org, error) {
	var out Org
	return out, a.do(ctx, http.MethodPost, "/api/v1/orgs", nil, map[string]string{"name": name}, &out)
}

// Org returns one org; an unknown id is an error for which IsNotFound holds.
func (a *AdminClient) Org(ctx context.Context, org int64) (Org, error) {
	var out Org
	return out, a.do(ctx, http.MethodGet, orgPath(org), nil, nil, &out)
}

// UpdateOrg changes an org's settings and returns the org.
func (a *AdminClient) UpdateOrg(ctx context.Context, org int64, s OrgSettings) (Org, error) {
	var out Org
	return out, a.do(ctx, http.MethodPatch, orgPath(org), nil, s, &out)
}

// Users lists an org's users.
func (a *AdminClient) Users(ctx context.Context, org int64) ([]AdminUser, error) {
	var out []AdminUser
	return out, a.do(ctx, http.MethodGet, orgPath(org)+"/users", nil, nil, &out)
}

// NewAdminUser is the body of POST …/users.
type NewAdminUser struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName,omitempty"`
	Email     string `json:"email"`
	Role      string `json:"role"`
	TimeZone  string `json:"timeZone,omitempty"`
}

// CreateUser adds a user to an org.
func (a *AdminClient) CreateUser(ctx context.Context, org int64, u NewAdminUser) (AdminUser, error) {
	var out AdminUser
	return out, a.do(ctx, http.MethodPost, orgPath(org)+"/users", nil, u, &out)
}

// User returns one user of an org.
func (a *AdminClient) User(ctx context.Context, org int64, user string) (AdminUser, error) {
	var out AdminUser
	return out, a.do(ctx, http.MethodGet, orgPath(org)+"/users/"+url.PathEscape(user), nil, nil, &out)
}

// SetUserActive deactivates or reactivates a user.
func (a *AdminClient) SetUserActive(ctx context.Context, org int64, user string, active bool) (AdminUser, error) {
	verb := "/deactivate"
	if active {
		verb = "/activate"
	}
	var out AdminUser
	return out, a.do(ctx, http.MethodPost, orgPath(org)+"/users/"+url.PathEscape(user)+verb, nil, nil, &out)
}

// Keys lists a user's key pairs (without secrets).
func (a *AdminClient) Keys(ctx context.Context, org int64, user string) ([]Key, error) {
	var out []Key
	return out, a.do(ctx, http.MethodGet, orgPath(org)+"/users/"+url.PathEscape(user)+"/keys", nil, nil, &out)
}

// CreateKey makes a key pair for a user; the answer holds the secret, the
// only time it is shown.
func (a *AdminClient) CreateKey(ctx context.Context, org int64, user string) (Key, error) {
	var out Key
	return out, a.do(ctx, http.MethodPost, orgPath(org)+"/users/"+url.PathEscape(user)+"/keys", nil, nil, &out)
}

// RotateKey replaces a key pair's secret and returns the new pair.
func (a *AdminClient) RotateKey(ctx context.Context, org int64, accessKey string) (Key, error) {
	var out Key
	return out, a.do(ctx, http.MethodPost, orgPath(org)+"/keys/"+url.PathEscape(accessKey)+"/rotate", nil, nil, &out)
}

// RevokeKey revokes a key pair; it stops working on the next call.
func (a *AdminClient) RevokeKey(ctx context.Context, org int64, accessKey string) error {
	return a.do(ctx, http.MethodDelete, orgPath(org)+"/keys/"+url.PathEscape(accessKey), nil, nil, nil)
}

// SetPlan sets a named plan (unlimited, pro, super, legacy-…) and returns
// the usage under it.
func (a *AdminClient) SetPlan(ctx context.Context, org int64, name string) (Usage, error) {
	var out Usage
	return out, a.do(ctx, http.MethodPut, orgPath(org)+"/plan", nil, map[string]string{"name": name}, &out)
}

// SetCustomPlan sets custom limits (0: none for the daily fields).
func (a *AdminClient) SetCustomPlan(ctx context.Context, org int64, p Plan) (Usage, error) {
	var out Usage
	body := map[string]any{"custom": map[string]any{"per5s": p.Per5s, "bulkPer5s": p.BulkPer5s, "daily": p.DailyBase,
		"perUserDaily": p.PerUserDaily, "dailyCeiling": p.DailyCeiling}}
	return out, a.do(ctx, http.MethodPut, orgPath(org)+"/plan", nil, body, &out)
}

// Usage returns an org's plan and its current window and day counts.
func (a *AdminClient) Usage(ctx context.Context, org int64) (Usage, error) {
	var out Usage
	return out, a.do(ctx, http.MethodGet, orgPath(org)+"/usage", nil, nil, &out)
}

// JournalQuery filters the journal; empty fields do not filter. From and
// To are inclusive; Status is a code ("500") or class ("5xx").
type JournalQuery struct {
	Operation, Status, ExceptionType, RequestID, LeadID, Text string
	From, To                                                  time.Time
	Ascending                                                 bool
	Limit                                                     int
	Cursor                                                    string
}

func (q JournalQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("operation", q.Operation)
	set("status", q.Status)
	set("exceptionType", q.ExceptionType)
	set("requestId", q.RequestID)
	set("leadId", q.LeadID)
	set("text", q.Text)
	set("cursor", q.Cursor)
	if !q.From.IsZero() {
		v.Set("from", strconv.FormatInt(q.From.UnixMilli(), 10))
	}
	if !q.To.IsZero() {
		v.Set("to", strconv.FormatInt(q.To.UnixMilli(), 10))
	}
	if q.Ascending {
		v.Set("order", "asc")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// Journal returns one page of an org's call journal, newest first unless
// q.Ascending; pass the page's NextCursor as q.Cursor for the next.
func (a *AdminClient) Journal(ctx context.Context, org int64, q JournalQuery) (JournalPage, error) {
	var out JournalPage
	return out, a.do(ctx, http.MethodGet, orgPath(org)+"/journal", q.values(), nil, &out)
}

// JournalEntry returns one entry by id.
func (a *AdminClient) JournalEntry(ctx context.Context, org, id int64) (JournalEntry, error) {
	var out JournalEntry
	return out, a.do(ctx, http.MethodGet, fmt.Sprintf("%s/journal/%d", orgPath(org), id), nil, nil, &out)
}

// ExportJournal streams every matching entry to w as "jsonl" or "csv".
func (a *AdminClient) ExportJournal(ctx context.Context, org int64, q JournalQuery, format string, w io.Writer) error {
	v := q.values()
	v.Del("cursor")
	v.Set("format", format)
	res, err := a.open(ctx, http.MethodGet, orgPath(org)+"/journal/export", v, nil)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, err = io.Copy(w, res.Body)
	return err
}

// JournalSettings returns an org's journal retention and current size.
func (a *AdminClient) JournalSettings(ctx context.Context, org int64) (JournalSettings, error) {
	var out JournalSettings
	return out, a.do(ctx, http.MethodGet, orgPath(org)+"/journal/settings", nil, nil, &out)
}

// SetJournalRetention sets an org's retention (0: forever / no size limit).
func (a *AdminClient) SetJournalRetention(ctx context.Context, org int64, maxAgeHours, maxBytes int64) (JournalSettings, error) {
	var out JournalSettings
	return out, a.do(ctx, http.MethodPatch, orgPath(org)+"/journal/settings", nil,
		map[string]int64{"maxAgeHours": maxAgeHours, "maxBytes": maxBytes}, &out)
}
