// Package server assembles LocalSquared: it opens the store, bootstraps the
// first org, mounts the LeadSquared API, the admin API and the health
// endpoints behind one middleware chain, and shuts them down in order.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/localsquared/localsquared/internal/admin"
	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/journal"
	"github.com/localsquared/localsquared/internal/lsqapi"
	"github.com/localsquared/localsquared/internal/store"
)

// Config is everything the server needs. Zero values mean the defaults
// given on each field.
type Config struct {
	// Addr is the listen address. Default "127.0.0.1:8080".
	Addr string
	// DataDir holds the SQLite database and credentials.json. Default
	// "./localsquared-data".
	DataDir string
	// DatabaseURL selects PostgreSQL when it is a postgres:// URL. Default
	// "" (SQLite in DataDir).
	DatabaseURL string
	// Durability is "normal" (default) or "full"; see store.Options.
	Durability string
	// BodyLimit is the largest request body, in bytes. Default 8 MiB.
	BodyLimit int64
	// Logger is the structured log. Default: text to stderr at Info.
	Logger *slog.Logger
	// Clock supplies time to the store. Default the system clock.
	Clock crm.Clock
	// Out receives the one-time bootstrap message with the new secrets.
	// Default os.Stdout.
	Out io.Writer
	// ShutdownTimeout bounds how long Close waits for in-flight requests.
	// Default 15 s.
	ShutdownTimeout time.Duration
	// JournalBodyCap is the most bytes of each request and response body
	// the call journal keeps. Default 64 KiB.
	JournalBodyCap int
	// JournalMaxAge is the journal retention of orgs without their own
	// setting. Default 30 days; negative keeps entries forever.
	JournalMaxAge time.Duration
	// JournalPruneInterval is how often journal retention runs. Default 1
	// minute; negative disables background pruning.
	JournalPruneInterval time.Duration
	// JournalDisabled turns the call journal off. It exists only to measure
	// the journal's cost in benchmarks; a server for use never sets it.
	JournalDisabled bool
}

func (c *Config) defaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.DataDir == "" {
		c.DataDir = "localsquared-data"
	}
	if c.BodyLimit <= 0 {
		c.BodyLimit = 8 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if c.Out == nil {
		c.Out = os.Stdout
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 15 * time.Second
	}
}

// Server is a running LocalSquared.
type Server struct {
	cfg     Config
	Store   *store.Store
	Journal *journal.Journal // nil when Config.JournalDisabled
	creds   *store.Credentials
	handler http.Handler
	http    *http.Server
}

// New opens and migrates the database, bootstraps it when empty (printing
// the new secrets once to cfg.Out and writing credentials.json, mode 0600,
// in the data directory) and assembles the handler. It does not listen.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg.defaults()
	st, err := store.Open(ctx, store.Options{
		DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, Durability: cfg.Durability, Clock: cfg.Clock,
	})
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, Store: st}
	if s.creds, err = st.Bootstrap(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("server: bootstrap: %w", err)
	}
	if s.creds != nil {
		if err := s.announce(); err != nil {
			st.Close()
			return nil, err
		}
	}
	if !cfg.JournalDisabled {
		s.Journal, err = journal.Open(ctx, journal.Config{
			DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, Durability: cfg.Durability,
			Clock: cfg.Clock, Logger: cfg.Logger, BodyCap: cfg.JournalBodyCap,
			DefaultMaxAge: cfg.JournalMaxAge, PruneInterval: cfg.JournalPruneInterval,
			Authenticate: st.Authenticate,
			OrgExists: func(ctx context.Context, id crm.OrgID) error {
				_, err := st.Org(ctx, id)
				return err
			},
			Fail: func(w http.ResponseWriter, r *http.Request, err error) {
				lsqapi.WriteError(w, r, cfg.Logger, crm.Internal(fmt.Errorf("journal: %w", err)))
			},
		})
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("server: %w", err)
		}
	}
	s.handler = s.routes()
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Credentials returns the secrets made at bootstrap, or nil when the
// database already existed.
func (s *Server) Credentials() *store.Credentials { return s.creds }

// Handler returns the whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) announce() error {
	if err := os.MkdirAll(s.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	path := filepath.Join(s.cfg.DataDir, "credentials.json")
	b, _ := json.MarshalIndent(s.creds, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("server: write credentials: %w", err)
	}
	_, err := fmt.Fprintf(s.cfg.Out, `LocalSquared bootstrapped org %q (id %d); these secrets are shown once and saved to %s:
  user        %s (%s, Administrator)
  accessKey   %s
  secretKey   %s
  adminToken  %s
`, s.creds.OrgName, s.creds.OrgID, path, s.creds.UserEmail, s.creds.UserID, s.creds.AccessKey, s.creds.SecretKey, s.creds.AdminToken)
	return err
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	m := newMetrics()
	limiter := newLimiter(s.Store)
	var api http.Handler = lsqapi.New(s.Store, lsqapi.Options{BodyLimit: s.cfg.BodyLimit, Logger: s.cfg.Logger, Limiter: limiter})
	adm := admin.New(s.Store, s.cfg.Logger)
	for _, rt := range limiter.AdminRoutes(s.quotaAdminEnv()) {
		adm.Handle(rt.Pattern, rt.Handler)
	}
	if s.Journal != nil {
		m.watchJournal(s.Journal)
		api = s.Journal.Middleware(api)
		for _, rt := range s.Journal.AdminRoutes() {
			adm.Handle(rt.Pattern, rt.Handler)
		}
	}
	// Metrics outermost, so latency includes the journal commit.
	api = m.instrument(api)
	mux.Handle("/v2/", api)
	mux.Handle("/V2/", api)
	mux.Handle("GET /metrics", m.handler())
	mux.Handle("/api/v1/", adm)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := s.Store.Ping(ctx); err != nil {
			s.cfg.Logger.WarnContext(r.Context(), "not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"status":"unavailable"}`)
			return
		}
		_, _ = io.WriteString(w, `{"status":"ready","database":"`+s.Store.Dialect()+`"}`)
	})
	// Any other path under /v2 spelled oddly still gets the envelope.
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) >= 4 && (r.URL.Path[:4] == "/v2/" || r.URL.Path[:4] == "/V2/") {
			api.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	return requestID(mux)
}

// requestID gives every response an X-Request-Id and puts it in the
// request context for logs, error messages and the journal.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := crm.NewID()
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(crm.WithRequestID(r.Context(), id)))
	})
}

// Serve accepts connections on ln until Close. It returns
// http.ErrServerClosed after a graceful shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.http.Serve(ln) }

// ListenAndServe listens on cfg.Addr and serves; ready, when not nil, is
// called with the bound address once listening.
func (s *Server) ListenAndServe(ready func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if ready != nil {
		ready(ln.Addr())
	}
	return s.Serve(ln)
}

// Close stops accepting connections, waits (up to the shutdown timeout)
// for in-flight requests to finish, then flushes and closes the journal,
// then closes the database. The order matters: a request still running
// must find the journal open, and the journal's last commits must land
// before the process may exit.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = errors.Join(err, s.http.Close())
	}
	if s.Journal != nil {
		err = errors.Join(err, s.Journal.Close())
	}
	return errors.Join(err, s.Store.Close())
}
