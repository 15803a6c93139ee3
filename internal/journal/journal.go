// Package journal is LocalSquared's lossless call journal: a middleware that
// records every /v2 call, one writer goroutine that group-commits the
// records, queries and exports for the admin API, and background retention.
//
// The rule it keeps: a call's response leaves the server only after the
// call's entry is committed. The middleware buffers the response, hands the
// entry to a bounded queue (blocking when the queue is full, never
// dropping), and waits for the writer to commit the batch the entry landed
// in. When the journal cannot be written the call answers 500
// MXInternalException instead of its real response.
//
// On SQLite the journal is its own database file (journal.db in the data
// directory, with its own WAL and its own single writer connection), so
// journal commits never queue behind lead writes. On PostgreSQL it is a
// set of journal_* tables in the same database.
package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/localsquared/localsquared/internal/crm"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Config configures Open. Zero values mean the defaults given on each field.
type Config struct {
	// DataDir holds journal.db on SQLite. Ignored on PostgreSQL.
	DataDir string
	// DatabaseURL selects PostgreSQL when it is a postgres:// URL; the
	// journal then lives in journal_* tables of that database.
	DatabaseURL string
	// Durability is "normal" (default) or "full", as for the main store.
	Durability string
	// Clock stamps entries. Default crm.SystemClock. The journal records
	// real server time, never an org's moved clock.
	Clock crm.Clock
	// Logger receives write failures. Default slog.Default().
	Logger *slog.Logger
	// BodyCap is the most bytes of a request or response body kept per
	// entry; longer bodies are cut and flagged truncated. Default 64 KiB.
	BodyCap int
	// QueueSize bounds the entries waiting for a PostgreSQL writer; when
	// it is full, calls wait. Default 4096. (On SQLite each call waits for
	// its own append, so the calls in flight bound the batch.)
	QueueSize int
	// MaxBatch bounds the entries one PostgreSQL statement writes.
	// Default 512.
	MaxBatch int
	// Writers is the number of PostgreSQL writer goroutines, each
	// committing its own batches. Default 1: while its commit is in flight
	// the next batch builds up in the queue. More writers commit beside
	// each other, in more and smaller transactions, and a PostgreSQL
	// sharing the cores pays for each: with 4, GetById at 32 clients ran
	// 14 % slower and each call cost PostgreSQL 30 % more CPU. On SQLite
	// the calls append to the spool themselves, one leader at a time.
	Writers int
	// CommitDelay is the longest a PostgreSQL writer waits, while other
	// calls are still in their handlers, for them to join the batch.
	// Default 200µs; it is never spent on a lone call.
	CommitDelay time.Duration
	// DefaultMaxAge is the retention by age of orgs without their own
	// setting. Default 30 days; negative means keep forever.
	DefaultMaxAge time.Duration
	// PruneInterval is how often retention runs. Default 1 minute;
	// negative disables the background pruner (Prune can still be called).
	PruneInterval time.Duration
	// SegmentSize is the size at which the SQLite spool starts a new
	// segment file. Default 64 MiB.
	SegmentSize int64
	// PruneBatch is how many entries one pruning transaction deletes.
	// Default 500.
	PruneBatch int
	// Authenticate, when set, attributes calls the API layer answered
	// before authenticating (404, 405) to the caller's org when the keys it
	// sent are valid.
	Authenticate func(ctx context.Context, accessKey, secretKey string) (*crm.Principal, error)
	// OrgExists, when set, makes queries of an unknown org a KindNotFound
	// error. Org 0 (calls no valid key pair identified) always exists.
	OrgExists func(ctx context.Context, org crm.OrgID) error
	// Fail writes the response of a call whose entry could not be
	// committed. Default: a 500 MXInternalException envelope.
	Fail func(w http.ResponseWriter, r *http.Request, err error)
}

func (c *Config) defaults() {
	if c.Clock == nil {
		c.Clock = crm.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.BodyCap <= 0 {
		c.BodyCap = 64 << 10
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 4096
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 512
	}
	if c.CommitDelay <= 0 {
		c.CommitDelay = 200 * time.Microsecond
	}
	if c.DefaultMaxAge == 0 {
		c.DefaultMaxAge = 30 * 24 * time.Hour
	}
	if c.PruneInterval == 0 {
		c.PruneInterval = time.Minute
	}
	if c.SegmentSize <= 0 {
		c.SegmentSize = 64 << 20
	}
	if c.PruneBatch <= 0 {
		c.PruneBatch = 500
	}
	if c.Fail == nil {
		c.Fail = failEnvelope
	}
}

// ErrClosed is returned for entries offered after Close.
var ErrClosed = errors.New("journal: closed")

// Journal is an open call journal. It is safe for concurrent use.
type Journal struct {
	cfg  Config
	d    dialect
	w    *sql.DB // the writer: one connection on SQLite
	r    *sql.DB // queries; the same pool as w on PostgreSQL
	path string

	// SQLite only: the spool and its indexer (see spool.go).
	sp          *spool
	spMu        sync.Mutex
	spCond      *sync.Cond  // on spMu: an append finished
	spBusy      bool        // a leader is appending
	spPending   []*spooling // the next batch
	spSpare     []*spooling
	seq         atomic.Int64 // the last seq handed out
	written     atomic.Int64 // the last seq in the spool
	indexed     atomic.Int64 // the last seq in journal.db
	idxMu       sync.Mutex
	idxQueue    []*Entry      // spooled, waiting for the indexer
	idxDone     bool          // the writer has stopped
	idxReady    chan struct{} // wakes the indexer
	idxRoom     chan struct{} // wakes a writer waiting for the indexer
	idxNow      chan struct{} // ends the indexer's wait for a batch to build up
	indexerDone sync.WaitGroup
	indexErr    atomic.Pointer[error] // the indexer's last failure, nil once it succeeds
	progressMu  sync.Mutex
	progress    chan struct{} // closed and replaced each time indexed moves
	// filesMu is held for reading while a query reads index records and the
	// records they point to, and for writing while compact deletes the
	// segments it copied (see compact.go).
	filesMu sync.RWMutex
	pruneMu sync.Mutex // one Prune at a time

	mu      sync.RWMutex // guards closed against sends on queue
	closed  bool
	queue   chan pending
	writers sync.WaitGroup // the writer goroutines, done once the queue is drained
	stop    chan struct{}  // stops the pruner
	closing chan struct{}  // closed when Close begins
	pruned  sync.WaitGroup

	fault atomic.Pointer[error] // a forced write failure, for tests

	batches, entries, maxBatch atomic.Int64
	handling                   atomic.Int64 // calls between Middleware's start and their Record
	commitNanos                atomic.Int64
}

type pending struct {
	e    *Entry
	done chan error
}

// Open opens (creating if needed) the journal described by cfg and starts
// its writer and pruner. The caller must Close it.
func Open(ctx context.Context, cfg Config) (*Journal, error) {
	cfg.defaults()
	j := &Journal{cfg: cfg, queue: make(chan pending, cfg.QueueSize), stop: make(chan struct{}),
		closing: make(chan struct{})}
	var err error
	if strings.HasPrefix(cfg.DatabaseURL, "postgres://") || strings.HasPrefix(cfg.DatabaseURL, "postgresql://") {
		err = j.openPostgres(cfg.DatabaseURL, cfg.Durability)
	} else {
		err = j.openSQLite(cfg.DataDir, cfg.Durability)
	}
	if err != nil {
		return nil, err
	}
	if err := j.migrate(ctx); err != nil {
		j.closeDB()
		return nil, err
	}
	if j.d.name == "sqlite" {
		if err := j.recover(ctx); err != nil {
			j.closeDB()
			return nil, err
		}
		if err := j.sweepSpool(ctx); err != nil {
			j.closeDB()
			return nil, err
		}
		j.spCond = sync.NewCond(&j.spMu)
		j.idxReady, j.idxRoom, j.idxNow = make(chan struct{}, 1), make(chan struct{}, 1), make(chan struct{}, 1)
		j.progress = make(chan struct{})
		j.indexerDone.Add(1)
		go j.indexer()
	}
	n := j.cfg.Writers // PostgreSQL only: SQLite's calls append for themselves
	if n <= 0 {
		n = 1
	}
	if j.sp != nil {
		n = 0
	}
	j.writers.Add(n)
	for range n {
		go j.writer()
	}
	if cfg.PruneInterval > 0 {
		j.pruned.Add(1)
		go j.pruner()
	}
	return j, nil
}

func (j *Journal) openPostgres(dsn, durability string) error {
	// At durability "normal" a journal commit does not wait for the WAL
	// flush (synchronous_commit off): the entry is committed, visible and
	// survives LocalSquared crashing; only a crash of the PostgreSQL server
	// itself can lose the last fraction of a second, as a power cut can
	// with SQLite's synchronous=NORMAL. At "full" every commit waits.
	if durability != "full" {
		u, err := url.Parse(dsn)
		if err != nil {
			return fmt.Errorf("journal.Open: %w", err)
		}
		q := u.Query()
		q.Set("synchronous_commit", "off")
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("journal.Open: %w", err)
	}
	db.SetMaxOpenConns(12) // writers, queries, the pruner
	db.SetMaxIdleConns(12)
	db.SetConnMaxIdleTime(5 * time.Minute)
	j.d, j.w, j.r = postgres, db, db
	return nil
}

func (j *Journal) openSQLite(dir, durability string) error {
	if dir == "" {
		dir = "localsquared-data"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("journal.Open: %w", err)
	}
	j.path = filepath.Join(dir, "journal.db")
	sync := "NORMAL"
	if durability == "full" {
		sync = "FULL"
	}
	// As for the main database: busy_timeout before the pragmas that may
	// wait, WAL, and immediate transactions on the one writer connection.
	w, err := sql.Open("sqlite", "file:"+j.path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"+
		"&_pragma=synchronous("+sync+")&_pragma=wal_autocheckpoint(10000)&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("journal.Open: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", "file:"+j.path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("journal.Open: %w", err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	r.SetConnMaxLifetime(0)
	j.d, j.w, j.r = sqlite, w, r
	j.sp, err = openSpool(filepath.Join(dir, "journal.spool"), durability == "full", j.cfg.SegmentSize)
	if err != nil {
		r.Close()
		w.Close()
		return fmt.Errorf("journal.Open: %w", err)
	}
	return nil
}

// recover indexes what an earlier run spooled but did not index (it
// stopped without Close, or journal.db could not be written), cuts a torn
// record off the end of the last segment, converts a journal.db from
// before the spool, and sets the next seq. Every run starts a new
// segment.
func (j *Journal) recover(ctx context.Context) error {
	if err := j.convertV2(ctx); err != nil {
		return err
	}
	var last int64
	if err := j.w.QueryRowContext(ctx, `SELECT MAX(COALESCE((SELECT seq FROM journal_indexed), 0),
		COALESCE((SELECT MAX(seq_hi) FROM journal_blocks), 0))`).Scan(&last); err != nil {
		return fmt.Errorf("journal.Open: %w", err)
	}
	segs, err := segments(j.sp.dir)
	if err != nil {
		return fmt.Errorf("journal.Open: %w", err)
	}
	var batch []*Entry
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := j.insert(ctx, batch); err != nil {
			return fmt.Errorf("journal.Open: recovering the spool: %w", err)
		}
		batch = batch[:0]
		return nil
	}
	recovered := 0
	for i, seg := range segs {
		if i+1 < len(segs) && segs[i+1] <= last+1 {
			continue // every record in it is indexed
		}
		path := segmentPath(j.sp.dir, seg)
		whole, err := readSegment(path, seg, func(e *Entry) error {
			if e.ID <= last {
				return nil
			}
			last = e.ID
			batch = append(batch, e)
			recovered++
			if len(batch) == 5000 {
				return flush()
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("journal.Open: %w", err)
		}
		if err := os.Truncate(path, whole); err != nil {
			return fmt.Errorf("journal.Open: %w", err)
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if recovered > 0 {
		j.cfg.Logger.Info("journal indexed spooled entries", "entries", recovered)
	}
	if last, err = j.convertV1(ctx, last); err != nil {
		return err
	}
	j.seq.Store(last)
	j.written.Store(last)
	j.indexed.Store(last)
	return nil
}

// convertV1 moves the entries of a journal.db from before the spool
// (whole entries in journal_entries_v1, set aside by migrate) into the
// spool and the index, oldest first, then drops the old table. An
// interrupted conversion resumes after the last entry it indexed. It
// returns the last seq.
func (j *Journal) convertV1(ctx context.Context, last int64) (int64, error) {
	var n int
	if err := j.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'journal_entries_v1'`).Scan(&n); err != nil || n == 0 {
		return last, err
	}
	const cols = `seq, time, org_id, user_id, access_key, method, path, operation, query, request_body,
		request_truncated, status, exception_type, exception_message, response_body, response_truncated,
		latency_us, request_id, client_addr, user_agent, level`
	for {
		rows, err := j.w.QueryContext(ctx, `SELECT `+cols+` FROM journal_entries_v1 WHERE seq > ? ORDER BY seq LIMIT 5000`, last)
		if err != nil {
			return 0, fmt.Errorf("journal.Open: converting journal.db: %w", err)
		}
		var batch []*Entry
		for rows.Next() {
			e := &Entry{}
			if err := scanEntry(rows, e); err != nil {
				rows.Close()
				return 0, fmt.Errorf("journal.Open: converting journal.db: %w", err)
			}
			batch = append(batch, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("journal.Open: converting journal.db: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		if err := j.sp.append(batch); err != nil {
			return 0, fmt.Errorf("journal.Open: converting journal.db: %w", err)
		}
		// journal_usage already counts these entries.
		if err := j.insertRows(ctx, batch, false); err != nil {
			return 0, fmt.Errorf("journal.Open: converting journal.db: %w", err)
		}
		last = batch[len(batch)-1].ID
	}
	if err := j.sp.close(); err != nil {
		return 0, fmt.Errorf("journal.Open: converting journal.db: %w", err)
	}
	if _, err := j.w.ExecContext(ctx, `DROP TABLE journal_entries_v1`); err != nil {
		return 0, fmt.Errorf("journal.Open: converting journal.db: %w", err)
	}
	j.cfg.Logger.Info("journal converted to the spool format", "last_seq", last)
	return last, nil
}

// convertV2 indexes the rows of a journal.db from before index blocks
// (journal_entries_v2, set aside by migrate) in blocks, oldest first, and
// drops the old table. Each transaction deletes the rows whose blocks it
// writes, so an interrupted conversion resumes where it stopped.
func (j *Journal) convertV2(ctx context.Context) error {
	var n int
	if err := j.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'journal_entries_v2'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	converted := 0
	for {
		n, err := j.convertV2Batch(ctx)
		if err != nil {
			return fmt.Errorf("journal.Open: indexing journal.db in blocks: %w", err)
		}
		if n == 0 {
			break
		}
		converted += n
	}
	if _, err := j.w.ExecContext(ctx, `DROP TABLE journal_entries_v2`); err != nil {
		return fmt.Errorf("journal.Open: indexing journal.db in blocks: %w", err)
	}
	j.cfg.Logger.Info("journal index converted to blocks", "entries", converted)
	return nil
}

// convertV2Batch converts the oldest indexBatch rows of journal_entries_v2.
func (j *Journal) convertV2Batch(ctx context.Context) (int, error) {
	tx, err := j.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT seq, time, org_id, op_key, status, exception_type, request_id, size, seg, off, len
		FROM journal_entries_v2 ORDER BY seq LIMIT `+strconv.Itoa(indexBatch))
	if err != nil {
		return 0, err
	}
	var g recGroups
	var n int
	var top int64
	for rows.Next() {
		var r ixRec
		var org int64
		var op string
		if err := rows.Scan(&r.seq, &r.time, &org, &op, &r.status, &r.exc, &r.rid, &r.size, &r.seg, &r.off, &r.n); err != nil {
			rows.Close()
			return 0, err
		}
		g.add(org, op, r)
		n++
		top = r.seq
	}
	rows.Close()
	if err := rows.Err(); err != nil || n == 0 {
		return 0, err
	}
	if err := g.write(ctx, tx); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM journal_entries_v2 WHERE seq <= ?`, top); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// Close stops taking entries, commits every entry already offered, stops
// the pruner and closes the database. Call it after the HTTP server has
// finished its in-flight requests.
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	close(j.queue)
	close(j.closing)
	j.mu.Unlock()
	j.writers.Wait()
	var err error
	if j.sp != nil {
		j.idxMu.Lock()
		j.idxDone = true
		j.idxMu.Unlock()
		for _, c := range []chan struct{}{j.idxReady, j.idxNow} {
			select {
			case c <- struct{}{}:
			default:
			}
		}
		j.indexerDone.Wait()
		err = j.sp.close()
	}
	close(j.stop)
	j.pruned.Wait()
	return errors.Join(err, j.closeDB())
}

func (j *Journal) closeDB() error {
	var err error
	if j.r != j.w {
		err = errors.Join(err, j.r.Close())
	}
	return errors.Join(err, j.w.Close())
}

// Path returns the journal's SQLite file, or "" on PostgreSQL.
func (j *Journal) Path() string { return j.path }

// Stats are the writer's counters since Open.
type Stats struct {
	Batches  int64         // committed transactions
	Entries  int64         // committed entries
	MaxBatch int64         // largest batch
	Commit   time.Duration // total time spent writing batches
	IndexLag int64         // SQLite: entries in the spool not yet in journal.db
}

// MeanBatch is the average number of entries per commit.
func (s Stats) MeanBatch() float64 {
	if s.Batches == 0 {
		return 0
	}
	return float64(s.Entries) / float64(s.Batches)
}

// Stats returns the writer's counters.
func (j *Journal) Stats() Stats {
	return Stats{j.batches.Load(), j.entries.Load(), j.maxBatch.Load(), time.Duration(j.commitNanos.Load()),
		j.written.Load() - j.indexed.Load()}
}

// QueueDepth is the number of entries waiting to be committed.
func (j *Journal) QueueDepth() int {
	if j.sp != nil {
		j.spMu.Lock()
		defer j.spMu.Unlock()
		return len(j.spPending)
	}
	return len(j.queue)
}

// FailWrites makes every following commit fail with err (nil restores
// normal writing). It exists to test the rule that an unrecorded call
// does not succeed.
func (j *Journal) FailWrites(err error) {
	if err == nil {
		j.fault.Store(nil)
		return
	}
	j.fault.Store(&err)
}
