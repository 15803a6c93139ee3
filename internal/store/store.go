// Package store keeps LocalSquared's state in SQL: embedded SQLite by
// default, PostgreSQL when a database URL is given. The same methods, and
// the same tests, run on both.
//
// Each public method owns its transaction and returns crm error kinds:
// KindNotFound for a missing record (never nil, nil), KindDuplicate for a
// unique collision, KindInternal for anything unexpected.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/localsquared/localsquared/internal/crm"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Options configure Open. Zero values mean the documented defaults.
type Options struct {
	// DataDir holds the SQLite database file (localsquared.db). Ignored
	// when DatabaseURL is set. Created if missing.
	DataDir string
	// DatabaseURL, when it starts with postgres:// or postgresql://,
	// selects PostgreSQL. Default: SQLite in DataDir.
	DatabaseURL string
	// Durability is "normal" (default: commits reach the disk at
	// checkpoints, as at synchronous=NORMAL; survives a process crash) or
	// "full" (every commit synced; survives power loss). SQLite only (see
	// walvfs.go); PostgreSQL always commits durably.
	Durability string
	// Clock supplies "now". Default crm.SystemClock.
	Clock crm.Clock
	// ReadConns bounds the read pool. Default 2×GOMAXPROCS, at least 4.
	ReadConns int
	// MaxConns bounds the PostgreSQL pool. Default 32.
	MaxConns int
}

// Store is the database. It is safe for concurrent use.
type Store struct {
	d dialect
	w *sql.DB // writes: one connection on SQLite
	r *readDB // reads: a pool (with a statement cache on SQLite); wraps w on PostgreSQL
	// wcache caches the writer's prepared statements (SQLite only).
	wcache *stmtCache
	// group makes concurrent writes share a transaction (SQLite only; see
	// group.go).
	group *writeGroup
	// ckpt checkpoints the WAL in the background (SQLite only; see
	// checkpoint.go).
	ckpt *checkpointer
	// auth caches principals (SQLite only; see authcache.go).
	auth *authCache
	// counters is a small PostgreSQL pool for rate-limit counters with
	// synchronous_commit off: a counter lost in a crash costs nothing,
	// and each call need not wait for a WAL flush. nil on SQLite.
	counters *sql.DB
	clock    crm.Clock
	path     string // SQLite file, "" on PostgreSQL

	schemaMu sync.Mutex
	schemas  map[crm.OrgID]*crm.Schema

	typesMu sync.Mutex
	types   map[crm.OrgID]*typeSet // custom activity types, see customTypes
}

// Open opens (creating if needed) and migrates the database described by
// opts. The caller must Close the store.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s := &Store{clock: opts.Clock, schemas: map[crm.OrgID]*crm.Schema{}, types: map[crm.OrgID]*typeSet{}}
	if s.clock == nil {
		s.clock = crm.SystemClock{}
	}
	var err error
	if isPostgresURL(opts.DatabaseURL) {
		err = s.openPostgres(opts)
	} else {
		err = s.openSQLite(opts)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

func (s *Store) openPostgres(opts Options) error {
	db, err := sql.Open("pgx", opts.DatabaseURL)
	if err != nil {
		return fmt.Errorf("store.Open: %w", err)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = 32
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s.d, s.w, s.r = postgres, db, newReadDB(db, false)
	u, err := url.Parse(opts.DatabaseURL)
	if err != nil {
		return fmt.Errorf("store.Open: %w", err)
	}
	q := u.Query()
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	if s.counters, err = sql.Open("pgx", u.String()); err != nil {
		return fmt.Errorf("store.Open: %w", err)
	}
	s.counters.SetMaxOpenConns(8)
	s.counters.SetMaxIdleConns(8)
	return nil
}

func (s *Store) openSQLite(opts Options) error {
	dir := opts.DataDir
	if dir == "" {
		dir = "localsquared-data"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("store.Open: %w", err)
	}
	s.path = filepath.Join(dir, "localsquared.db")
	// The writer's WAL writes go through walVFS (walvfs.go). SQLite, at
	// synchronous=FULL below, asks for a sync at every commit; walVFS makes
	// it a real one only at durability "full".
	vfs := walVFSName
	if opts.Durability == "full" {
		vfs = walVFSFullName
	}
	if err := registerWALVFS(); err != nil {
		return fmt.Errorf("store.Open: %w", err)
	}
	// busy_timeout first, so that the pragmas after it wait instead of
	// failing while another connection holds a lock.
	// cache_size: SQLite's default page cache is 2 MB, far less than the
	// index pages a write touches in a table of a million leads (a lead has
	// a dozen indexes); the writer keeps 32 MB and each reader 8 MB.
	// temp_store(MEMORY): every write runs in a savepoint of its group
	// (group.go), and a savepoint keeps the original of each page it
	// changes in a sub-journal; in memory that costs a copy, in a temporary
	// file it cost a write(2) per page once past 64 KiB, a fifth of a bulk
	// call's time.
	dsn := "file:" + s.path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_pragma=cache_size(-32768)" +
		"&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(" + strconv.Itoa(walBackstop) + ")&_txlock=immediate&vfs=" + vfs
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("store.Open: %w", err)
	}
	// One writer: SQLite serialises writers anyway, and queueing in Go is
	// cheaper than spinning on SQLITE_BUSY.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", "file:"+s.path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_pragma=query_only(1)&_pragma=cache_size(-8192)")
	if err != nil {
		w.Close()
		return fmt.Errorf("store.Open: %w", err)
	}
	n := opts.ReadConns
	if n <= 0 {
		n = max(2*runtime.GOMAXPROCS(0), 4)
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	s.d, s.w, s.r = sqlite, w, newReadDB(r, true)
	s.wcache = &stmtCache{db: w}
	s.group = newWriteGroup()
	if s.auth, err = openAuthCache(s.path); err != nil {
		s.r.Close()
		w.Close()
		return err
	}
	if s.ckpt, err = startCheckpointer(s.path, s.group.exclusive); err != nil {
		s.auth.close()
		s.r.Close()
		w.Close()
		return err
	}
	go s.group.run(s)
	return nil
}

// Close closes the database. Pending transactions are rolled back.
func (s *Store) Close() error {
	var err error
	// The checkpointer first: it may be waiting for the writer to run
	// its RESTART.
	if s.ckpt != nil {
		err = s.ckpt.close()
	}
	if s.group != nil {
		s.group.close()
	}
	if s.auth != nil {
		err = errors.Join(err, s.auth.close())
	}
	if s.r.DB != s.w {
		err = errors.Join(err, s.r.Close())
	}
	if s.wcache != nil {
		s.wcache.close()
	}
	if s.counters != nil {
		err = errors.Join(err, s.counters.Close())
	}
	return errors.Join(err, s.w.Close())
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// Analyze refreshes PostgreSQL's planner statistics (ANALYZE), which also
// drops cached plans made while the tables were empty; a loader that bulk
// fills a database calls it as the tables grow, since autovacuum may be
// off or behind. SQLite has no statistics tables here and always plans by
// its indexes, so it does nothing there.
func (s *Store) Analyze(ctx context.Context) error {
	if s.d.name != "postgres" {
		return nil
	}
	_, err := s.w.ExecContext(ctx, `ANALYZE`)
	return internal("store.Analyze", err)
}

// Path returns the SQLite database file, or "" on PostgreSQL.
func (s *Store) Path() string { return s.path }

// Ping reports whether the database answers and is migrated.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("store.Ping: %w", err)
	}
	if n < len(migrationNames(s.d)) {
		return fmt.Errorf("store.Ping: %d of %d migrations applied", n, len(migrationNames(s.d)))
	}
	return nil
}

// now reads the clock once for a transaction, shifted by the org's offset.
func (s *Store) now(offset time.Duration) time.Time {
	return s.clock.Now().Add(offset).UTC()
}

// Now returns the org's current time: the store clock plus the org's
// clock offset.
func (s *Store) Now(org *crm.Org) time.Time { return s.now(org.ClockOffset) }

// write runs fn in a write transaction and commits it, or rolls back when
// fn returns an error. Errors from fn are returned as they are; driver
// errors are wrapped as internal.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.group != nil {
		return s.group.do(ctx, fn)
	}
	return s.writeAlone(ctx, fn)
}

// writeAlone runs fn in a transaction of its own. On PostgreSQL a
// transaction the server rolled back to break a deadlock (rows locked in
// opposite orders, e.g. a merge and an activity naming the merged lead) is
// run again, up to three times in all; fn must only set its results.
func (s *Store) writeAlone(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for try := 1; ; try++ {
		err := s.writeOnce(ctx, fn)
		if try < 3 && deadlock(err) {
			continue
		}
		return err
	}
}

func (s *Store) writeOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return crm.Internal(fmt.Errorf("begin: %w", err))
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return crm.Internal(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// ms converts a time to the integer milliseconds stored in every time column.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS is the inverse of ms.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// internal wraps an unexpected database error with the operation name.
func internal(op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *crm.Error
	if errors.As(err, &ce) {
		return err
	}
	return crm.Internal(fmt.Errorf("%s: %w", op, err))
}
