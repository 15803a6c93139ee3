package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// maxCachedStmts bounds each statement cache; queries built with a varying
// number of placeholders beyond it are prepared each time.
const maxCachedStmts = 1024

// stmtCache keeps prepared statements by query text. database/sql over the
// SQLite driver otherwise parses and plans every query on every call, which
// costs about a fifth of a read's CPU; a *sql.Stmt is safe for concurrent
// use and is prepared once per pooled connection. (pgx caches statements
// itself, so PostgreSQL does not use this.)
type stmtCache struct {
	db      *sql.DB
	stmts   sync.Map // string → *sql.Stmt
	pending sync.Map // string → struct{}: a background prepare is under way
	n       atomic.Int64
}

// cached returns the statement for q if it is already prepared, or nil.
func (c *stmtCache) cached(q string) *sql.Stmt {
	if v, ok := c.stmts.Load(q); ok {
		return v.(*sql.Stmt)
	}
	return nil
}

// prepareLater prepares q in the background, once. The writer pool has a
// single connection, which the caller's transaction holds, so preparing
// inline would wait for itself; the goroutine gets the connection when the
// transaction ends.
func (c *stmtCache) prepareLater(q string) {
	if _, busy := c.pending.LoadOrStore(q, struct{}{}); busy {
		return
	}
	go func() {
		c.get(context.Background(), q)
		c.pending.Delete(q)
	}()
}

// get returns the cached statement for q, preparing it on first use, or
// nil when q cannot be prepared or the cache is full.
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if v, ok := c.stmts.Load(q); ok {
		return v.(*sql.Stmt)
	}
	if c.n.Load() >= maxCachedStmts {
		return nil
	}
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), q)
	if err != nil {
		return nil // the caller runs q unprepared and reports the error itself
	}
	if v, loaded := c.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	c.n.Add(1)
	return st
}

func (c *stmtCache) close() {
	c.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}

// readDB is the read pool: a *sql.DB whose QueryContext and
// QueryRowContext use cached prepared statements when caching is on.
type readDB struct {
	*sql.DB
	cache *stmtCache // nil: no caching
}

func newReadDB(db *sql.DB, cache bool) *readDB {
	r := &readDB{DB: db}
	if cache {
		r.cache = &stmtCache{db: db}
	}
	return r
}

// QueryContext runs q through its cached statement when there is one.
func (r *readDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if r.cache != nil {
		if st := r.cache.get(ctx, q); st != nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return r.DB.QueryContext(ctx, q, args...)
}

// QueryRowContext runs q through its cached statement when there is one.
func (r *readDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if r.cache != nil {
		if st := r.cache.get(ctx, q); st != nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return r.DB.QueryRowContext(ctx, q, args...)
}

// Close closes the cached statements, then the pool.
func (r *readDB) Close() error {
	if r.cache != nil {
		r.cache.close()
	}
	return r.DB.Close()
}

// txStmt returns q as a statement of tx: the writer's cached prepared
// statement bound to tx's connection on SQLite, so hot write statements are
// parsed once; on PostgreSQL (pgx caches), before the cache has q, or when
// q cannot be cached, a plain statement prepared on tx. The caller closes nothing: statements
// from Tx.StmtContext close with the transaction.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	q = s.d.q(q)
	if s.wcache != nil {
		if st := s.wcache.cached(q); st != nil {
			return tx.StmtContext(ctx, st), nil
		}
		s.wcache.prepareLater(q)
	}
	return tx.PrepareContext(ctx, q)
}

// txQueryRow runs q in tx through the writer's cached prepared statement
// on SQLite (once the cache has it); on PostgreSQL pgx caches statements
// itself, so q goes as it is, with no extra prepare round trip.
func (s *Store) txQueryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	q = s.d.q(q)
	if s.wcache != nil {
		if st := s.wcache.cached(q); st != nil {
			return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
		}
		s.wcache.prepareLater(q)
	}
	return tx.QueryRowContext(ctx, q, args...)
}

// txExec is txQueryRow for statements that return no rows.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	q = s.d.q(q)
	if s.wcache != nil {
		if st := s.wcache.cached(q); st != nil {
			return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
		}
		s.wcache.prepareLater(q)
	}
	return tx.ExecContext(ctx, q, args...)
}
