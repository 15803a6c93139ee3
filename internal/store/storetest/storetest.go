// Package storetest runs test bodies against every configured database:
// always a temporary SQLite file, and PostgreSQL too when
// LSQ_TEST_POSTGRES_DSN is set. Each test gets its own fresh database
// (a new SQLite file, or a new PostgreSQL schema dropped afterwards).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store"
)

// EnvPostgres names the environment variable with the PostgreSQL DSN.
const EnvPostgres = "LSQ_TEST_POSTGRES_DSN"

// Backends returns "sqlite", plus "postgres" when EnvPostgres is set.
func Backends() []string {
	if os.Getenv(EnvPostgres) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// Run runs fn as a subtest per backend, each with its own fresh store.
func Run(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b, func(t *testing.T) {
			fn(t, Open(t, b, nil))
		})
	}
}

// Open opens a fresh, migrated store on backend, closed at cleanup. clock
// may be nil for the system clock.
func Open(tb testing.TB, backend string, clock crm.Clock) *store.Store {
	tb.Helper()
	opts := Options(tb, backend)
	opts.Clock = clock
	s, err := store.Open(context.Background(), opts)
	if err != nil {
		tb.Fatalf("store.Open(%s): %v", backend, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// Options returns store options for a fresh database on backend: a temp
// directory for SQLite, a new schema for PostgreSQL (dropped at cleanup,
// after everything registered later has closed).
func Options(tb testing.TB, backend string) store.Options {
	tb.Helper()
	switch backend {
	case "sqlite":
		return store.Options{DataDir: tb.TempDir()}
	case "postgres":
		dsn := os.Getenv(EnvPostgres)
		if dsn == "" {
			tb.Skipf("%s not set", EnvPostgres)
		}
		return store.Options{DatabaseURL: NewSchema(tb, dsn)}
	}
	tb.Fatalf("unknown backend %q", backend)
	return store.Options{}
}

// NewSchema creates a uniquely named schema in the database at dsn and
// returns a DSN whose search_path is that schema. The schema is dropped at
// cleanup.
func NewSchema(tb testing.TB, dsn string) string {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "lsqtest_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + name); err != nil {
		admin.Close()
		tb.Fatalf("postgres: create schema: %v", err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + name + ` CASCADE`); err != nil {
			tb.Errorf("postgres: drop schema: %v", err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("postgres: bad DSN: %v", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
