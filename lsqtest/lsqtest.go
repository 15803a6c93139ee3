// Package lsqtest runs a whole LocalSquared server in-process for tests,
// the way net/http/httptest runs a handler: Start(t) listens on
// 127.0.0.1:0 with a fresh database in a temporary directory, bootstraps
// the org "Sandbox" with an administrator and a key pair, and returns the
// URL with an SDK client and an admin client ready to use. The server
// stops when the test ends.
package lsqtest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"

	"github.com/localsquared/localsquared/internal/server"
	"github.com/localsquared/localsquared/internal/store/storetest"
	"github.com/localsquared/localsquared/lsq"
)

// EnvPostgres names the environment variable with the PostgreSQL DSN that
// the Postgres option uses.
const EnvPostgres = "LSQ_TEST_POSTGRES_DSN"

// Server is a running in-process LocalSquared.
type Server struct {
	URL        string           // http://127.0.0.1:port
	Client     *lsq.Client      // the bootstrap administrator's keys
	Admin      *lsq.AdminClient // the admin token
	OrgID      int64            // the bootstrapped org
	UserID     string           // the administrator
	UserEmail  string
	AccessKey  string
	SecretKey  string
	AdminToken string
	DataDir    string // the temporary data directory (credentials.json is there)
}

type config struct {
	postgres  bool
	logger    *slog.Logger
	clientOps []lsq.Option
}

// Option configures Start.
type Option func(*config)

// Postgres stores the server's state in a fresh schema of the PostgreSQL
// database named by LSQ_TEST_POSTGRES_DSN (dropped afterwards); the test
// is skipped when the variable is unset.
func Postgres() Option { return func(c *config) { c.postgres = true } }

// WithLogger sends the server's log to l; default: discarded.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithClientOptions adds options to Server.Client (after the base URL and
// keys, so they may override them).
func WithClientOptions(opts ...lsq.Option) Option {
	return func(c *config) { c.clientOps = append(c.clientOps, opts...) }
}

// Start runs a server for the duration of the test. It fails the test if
// the server cannot start.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var c config
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg := server.Config{DataDir: t.TempDir(), Logger: c.logger, Out: io.Discard}
	if c.postgres {
		dsn := os.Getenv(EnvPostgres)
		if dsn == "" {
			t.Skipf("lsqtest: %s is not set", EnvPostgres)
		}
		cfg.DatabaseURL = storetest.NewSchema(t, dsn)
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("lsqtest: start server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		t.Fatalf("lsqtest: listen: %v", err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("lsqtest: stop server: %v", err)
		}
	})
	cr := srv.Credentials()
	if cr == nil {
		t.Fatal("lsqtest: the fresh database was not bootstrapped")
	}
	s := &Server{
		URL: "http://" + ln.Addr().String(), OrgID: int64(cr.OrgID), UserID: cr.UserID, UserEmail: cr.UserEmail,
		AccessKey: cr.AccessKey, SecretKey: cr.SecretKey, AdminToken: cr.AdminToken, DataDir: cfg.DataDir,
	}
	s.Client = lsq.New(append([]lsq.Option{lsq.WithBaseURL(s.URL), lsq.WithKeys(s.AccessKey, s.SecretKey)}, c.clientOps...)...)
	s.Admin = lsq.NewAdmin(s.URL, s.AdminToken, nil)
	return s
}

// NewClient returns another SDK client for this server with the given
// options (add lsq.WithKeys for another user's keys).
func (s *Server) NewClient(opts ...lsq.Option) *lsq.Client {
	return lsq.New(append([]lsq.Option{lsq.WithBaseURL(s.URL), lsq.WithKeys(s.AccessKey, s.SecretKey)}, opts...)...)
}
