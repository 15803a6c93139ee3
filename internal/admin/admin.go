// Package admin is LocalSquared's own control API under /api/v1: orgs,
// users, key pairs and lead field flags, authenticated with an admin token
// ("Authorization: Bearer <token>"). Its JSON is ours, not LeadSquared's;
// errors are RFC 9457 problem+json.
package admin

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store"
)

// API serves /api/v1.
type API struct {
	store *store.Store
	log   *slog.Logger
	mux   *http.ServeMux
}

type handler func(w http.ResponseWriter, r *http.Request) error

// New returns the admin API over st.
func New(st *store.Store, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	a := &API{store: st, log: log, mux: http.NewServeMux()}
	for _, rt := range []struct {
		pattern string
		h       handler
	}{
		{"GET /api/v1/orgs", a.listOrgs},
		{"POST /api/v1/orgs", a.createOrg},
		{"GET /api/v1/orgs/{org}", a.getOrg},
		{"PATCH /api/v1/orgs/{org}", a.updateOrg},
		{"GET /api/v1/orgs/{org}/users", a.listUsers},
		{"POST /api/v1/orgs/{org}/users", a.createUser},
		{"GET /api/v1/orgs/{org}/users/{user}", a.getUser},
		{"POST /api/v1/orgs/{org}/users/{user}/deactivate", a.setActive(false)},
		{"POST /api/v1/orgs/{org}/users/{user}/activate", a.setActive(true)},
		{"GET /api/v1/orgs/{org}/users/{user}/keys", a.listKeys},
		{"POST /api/v1/orgs/{org}/users/{user}/keys", a.createKey},
		{"POST /api/v1/orgs/{org}/keys/{key}/rotate", a.rotateKey},
		{"DELETE /api/v1/orgs/{org}/keys/{key}", a.revokeKey},
		{"GET /api/v1/orgs/{org}/fields", a.listFields},
		{"PATCH /api/v1/orgs/{org}/fields/{field}", a.updateField},
	} {
		a.mux.Handle(rt.pattern, a.wrap(rt.h))
	}
	a.mux.Handle("/api/v1/", a.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return problem(http.StatusNotFound, "no such admin endpoint")
	}))
	return a
}

// Handle mounts h at pattern (an http.ServeMux pattern under /api/v1)
// behind the admin token check, with errors written as problem+json from
// their crm kinds. It lets the server add endpoints owned by other
// packages (the call journal) without this package importing them. Call
// it before serving.
func (a *API) Handle(pattern string, h func(w http.ResponseWriter, r *http.Request) error) {
	a.mux.Handle(pattern, a.wrap(h))
}

// ServeHTTP authenticates the admin token and dispatches.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

func (a *API) wrap(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				a.log.ErrorContext(r.Context(), "panic", "request_id", crm.RequestID(r.Context()), "panic", v)
				a.writeProblem(w, r, errors.New("panic"))
			}
		}()
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		var err error = crm.ErrBadKeys
		if ok {
			err = a.store.CheckAdminToken(r.Context(), strings.TrimSpace(tok))
		}
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			a.writeProblem(w, r, err)
		}
	})
}

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

type problemError struct{ p Problem }

func (e *problemError) Error() string { return e.p.Detail }

func problem(status int, detail string) error {
	return &problemError{Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}}
}

var kindStatus = map[crm.Kind]int{
	crm.KindInvalid: 400, crm.KindMandatory: 400, crm.KindBadRequest: 400, crm.KindDataType: 400,
	crm.KindNotFound: 404, crm.KindDuplicate: 409, crm.KindUnauthorized: 401, crm.KindForbidden: 403,
}

func (a *API) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	var pe *problemError
	var p Problem
	switch {
	case errors.As(err, &pe):
		p = pe.p
	default:
		status, ok := kindStatus[crm.KindOf(err)]
		detail := crm.MessageOf(err)
		if errors.Is(err, crm.ErrBadKeys) {
			detail = "a valid admin token is required (Authorization: Bearer <token>)"
		}
		title := "" // http.StatusText(status) unless set
		switch {
		case ok:
		case crm.Abandoned(r.Context(), err):
			// The client closed the connection first; as on /v2 (lsqapi),
			// no fault, and nobody reads this.
			status, title = crm.StatusClientClosed, "Client Closed Request"
			detail = "the client closed the connection before the response was ready"
			a.log.InfoContext(r.Context(), "call abandoned by its client", "request_id", crm.RequestID(r.Context()), "path", r.URL.Path)
		default:
			status = http.StatusInternalServerError
			detail = "an unexpected error occurred; reference " + crm.RequestID(r.Context())
			a.log.ErrorContext(r.Context(), "internal error", "request_id", crm.RequestID(r.Context()), "err", err)
		}
		p = Problem{Type: "about:blank", Title: cmp.Or(title, http.StatusText(status)), Status: status, Detail: detail}
	}
	b, _ := json.Marshal(p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_, _ = w.Write(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return crm.Internal(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// decode reads a JSON object body into v, refusing unknown fields.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return problem(http.StatusBadRequest, "invalid JSON body: "+err.Error())
	}
	return nil
}

func orgID(r *http.Request) (crm.OrgID, error) {
	n, err := strconv.ParseInt(r.PathValue("org"), 10, 64)
	if err != nil || n <= 0 {
		return 0, problem(http.StatusNotFound, "org ids are positive integers")
	}
	return crm.OrgID(n), nil
}

// Wire types.
type (
	Org struct {
		ID                int64     `json:"id"`
		Name              string    `json:"name"`
		Plan              string    `json:"plan"`
		LeadDeleteEnabled bool      `json:"leadDeleteEnabled"`
		JournalLevel      string    `json:"journalLevel"`
		ClockOffsetMs     int64     `json:"clockOffsetMs"`
		CreatedOn         time.Time `json:"createdOn"`
	}
	User struct {
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
	Field struct {
		SchemaName        string    `json:"schemaName"`
		DisplayName       string    `json:"displayName"`
		DataType          string    `json:"dataType"`
		RenderType        string    `json:"renderType"`
		System            bool      `json:"system"`
		Managed           bool      `json:"managed"`
		Unique            bool      `json:"unique"`
		Mandatory         bool      `json:"mandatory"`
		ShowInQuickSearch bool      `json:"showInQuickSearch"`
		MaxLength         int       `json:"maxLength"`
		Options           []string  `json:"options,omitempty"`
		CreatedOn         time.Time `json:"createdOn,omitzero"`
		ModifiedOn        time.Time `json:"modifiedOn,omitzero"`
	}
	Key struct {
		AccessKey string     `json:"accessKey"`
		SecretKey string     `json:"secretKey,omitempty"`
		UserID    string     `json:"userId"`
		CreatedOn time.Time  `json:"createdOn"`
		RevokedOn *time.Time `json:"revokedOn,omitempty"`
	}
)

func orgOut(o *crm.Org) Org {
	return Org{int64(o.ID), o.Name, o.Plan, o.LeadDeleteEnabled, o.JournalLevel, o.ClockOffset.Milliseconds(), o.CreatedOn}
}

func userOut(u *crm.User) User {
	return User{u.ID, int64(u.OrgID), u.FirstName, u.LastName, u.Email, u.Role, u.Active, u.TimeZone, u.CreatedOn}
}

func fieldOut(f *crm.Field) Field {
	return Field{f.SchemaName, f.DisplayName, f.DataType, f.RenderTypeText, f.System, f.Managed, f.Unique,
		f.Mandatory, f.ShowInQuickSearch, f.MaxLength, f.Options, f.CreatedOn, f.ModifiedOn}
}

func keyOut(k *crm.KeyPair) Key {
	out := Key{AccessKey: k.AccessKey, SecretKey: k.SecretKey, UserID: k.UserID, CreatedOn: k.CreatedOn}
	if !k.RevokedOn.IsZero() {
		t := k.RevokedOn
		out.RevokedOn = &t
	}
	return out
}
