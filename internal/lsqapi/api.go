// Package lsqapi is the LeadSquared /v2 surface: one route table, key
// authentication, request checks, and handlers that translate between
// LeadSquared's wire shapes and the crm domain. Handlers return errors; one
// function (writeError) turns them into LeadSquared's error envelope.
package lsqapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store"
)

// Limiter enforces an org's plan before a call runs. Allow returns nil to
// let the call through, or a KindRateLimited error (optionally with
// RetryAfter) to refuse it.
type Limiter interface {
	Allow(ctx context.Context, org *crm.Org, bulk bool) error
}

// Options configure the API. Zero values mean the documented defaults.
type Options struct {
	// BodyLimit is the largest request body accepted, in bytes. Default 8 MiB.
	BodyLimit int64
	// Logger receives internal errors. Default slog.Default().
	Logger *slog.Logger
	// Limiter enforces rate-limit plans. Default: none (every org unlimited).
	Limiter Limiter
}

// API serves /v2/{Service}.svc/{Operation}.
type API struct {
	store *store.Store
	opts  Options
	log   *slog.Logger
}

// New returns the API over st.
func New(st *store.Store, opts Options) *API {
	if opts.BodyLimit <= 0 {
		opts.BodyLimit = 8 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &API{store: st, opts: opts, log: opts.Logger}
}

// call is one request as a handler sees it: authenticated, its query
// parameters keyed by lower-cased name, its body read and size-checked.
type call struct {
	ctx   context.Context
	w     http.ResponseWriter
	r     *http.Request
	p     *crm.Principal
	route *route
	query map[string]string
	body  []byte
}

// param returns the query parameter name (matched case-insensitively;
// name must be lower-case) and whether it was present.
func (c *call) param(name string) (string, bool) {
	v, ok := c.query[name]
	return v, ok
}

// ServeHTTP routes, authenticates and checks the request, runs its handler
// and writes the response or the error envelope.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			writeError(w, r, a.log, crm.Internal(fmt.Errorf("panic: %v\n%s", v, debug.Stack())))
		}
	}()
	if err := a.serve(w, r); err != nil {
		writeError(w, r, a.log, err)
	}
}

func (a *API) serve(w http.ResponseWriter, r *http.Request) error {
	ci := crm.CallInfoFrom(r.Context())
	rt, err := lookup(r.URL.Path)
	if err != nil {
		return err
	}
	if ci != nil {
		ci.Operation = rt.name
	}
	if !rt.allows(r.Method) {
		w.Header().Set("Allow", rt.allow())
		return crm.Errorf(crm.KindMethod, "%s does not support %s; use %s", rt.name, sanitize(r.Method), rt.allow())
	}
	query := lowerQuery(r.URL.RawQuery)
	access, secret := r.Header.Get("X-LSQ-AccessKey"), r.Header.Get("X-LSQ-SecretKey")
	if access == "" && secret == "" {
		access, secret = query["accesskey"], query["secretkey"]
	}
	p, err := a.store.Authenticate(r.Context(), access, secret)
	if err != nil {
		return err
	}
	if ci != nil {
		ci.OrgID, ci.UserID, ci.AccessKey, ci.JournalLevel = p.Org.ID, p.User.ID, p.AccessKey, p.Org.JournalLevel
	}
	if rt.admin && !p.User.IsAdmin() {
		return crm.ErrForbidden
	}
	if a.opts.Limiter != nil {
		if err := a.opts.Limiter.Allow(r.Context(), &p.Org, rt.bulk); err != nil {
			return err
		}
	}
	c := &call{ctx: r.Context(), w: w, r: r, p: p, route: rt, query: query}
	if r.Method == http.MethodPost {
		if c.body, err = a.readBody(w, r); err != nil {
			return err
		}
	}
	return rt.handler(a, c)
}

// readBody reads a POST body up to the limit and checks its content type.
func (a *API) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > a.opts.BodyLimit {
		return nil, tooLarge(a.opts.BodyLimit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.opts.BodyLimit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, tooLarge(a.opts.BodyLimit)
	}
	if err != nil {
		return nil, crm.Errorf(crm.KindBadRequest, "could not read the request body")
	}
	if len(body) > 0 {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			return nil, crm.Errorf(crm.KindBadRequest, "Content-Type must be application/json")
		}
		// Every body must be JSON, also for operations that read only the
		// query string, so a garbled call never succeeds by accident.
		if err := checkJSON(body, "request body must be JSON"); err != nil {
			return nil, err
		}
	}
	return body, nil
}

func tooLarge(limit int64) error {
	return crm.Errorf(crm.KindTooLarge, "request body is larger than the limit of %d bytes", limit)
}

// lowerQuery parses a raw query string into a map keyed by lower-cased
// parameter name; the first value of a repeated name wins.
func lowerQuery(raw string) map[string]string {
	m := make(map[string]string, 4)
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		k = strings.ToLower(k)
		if _, dup := m[k]; !dup {
			m[k] = v
		}
	}
	return m
}

// sanitize bounds text echoed from the request into messages.
func sanitize(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
