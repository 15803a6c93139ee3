package journal

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

// Entry is one recorded call.
type Entry struct {
	ID                int64     // journal sequence number, assigned by the database
	Time              time.Time // when the call arrived, ms precision, UTC
	OrgID             crm.OrgID // 0 when no valid key pair identified the caller
	UserID            string
	AccessKey         string // the verified access key; never the secret
	Method            string
	Path              string
	Operation         string // canonical "Service.svc/Operation", "" when unrouted
	Query             string // raw query with accessKey/secretKey removed; "" at level signature
	RequestBody       string
	RequestTruncated  bool
	Status            int
	ExceptionType     string
	ExceptionMessage  string
	ResponseBody      string
	ResponseTruncated bool
	Latency           time.Duration // from arrival to the response being ready
	RequestID         string
	ClientAddr        string
	UserAgent         string
	Level             string // the org's journal level when the call was recorded
}

// entryOverhead approximates the bytes an entry costs beyond its text
// fields (numbers, ids, index entries); it keeps size-based retention
// honest for entries with empty bodies.
const entryOverhead = 160

// size is what the entry counts against its org's size retention.
func (e *Entry) size() int64 {
	return int64(entryOverhead + len(e.UserID) + len(e.AccessKey) + len(e.Method) + len(e.Path) + 2*len(e.Operation) +
		len(e.Query) + len(e.RequestBody) + len(e.ExceptionType) + len(e.ExceptionMessage) + len(e.ResponseBody) +
		len(e.RequestID) + len(e.ClientAddr) + len(e.UserAgent) + len(e.Level))
}

// Record commits e and returns when it is durable (as durable as the
// database's durability setting makes a commit). It blocks while the queue
// is full. It returns ErrClosed after Close, or the write error shared by
// the whole batch e was committed in.
func (j *Journal) Record(e *Entry) error {
	p := pending{e: e, done: donePool.Get().(chan error)}
	j.mu.RLock()
	if j.closed {
		j.mu.RUnlock()
		return ErrClosed
	}
	j.queue <- p
	j.mu.RUnlock()
	err := <-p.done
	donePool.Put(p.done)
	return err
}

var donePool = sync.Pool{New: func() any { return make(chan error, 1) }}

// writer is a goroutine that writes entries (one on SQLite): it takes
// whatever has queued up while its previous commit ran (up to MaxBatch)
// and commits it in one transaction, so concurrent calls share a commit.
func (j *Journal) writer() {
	defer j.writers.Done()
	batch := make([]pending, 0, j.cfg.MaxBatch)
	entries := make([]*Entry, 0, j.cfg.MaxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		p, ok := <-j.queue
		if !ok {
			return
		}
		batch = append(batch[:0], p)
		// Under load, let the calls that are already being handled reach
		// the queue before committing: a commit costs about the same for one
		// entry as for fifty. The writer blocks on the queue (it does not
		// spin, which would take a core from those calls) while any call is
		// still in its handler, for at most CommitDelay. With one caller
		// there is no wait.
		if j.handling.Load() > 0 {
			timer.Reset(j.cfg.CommitDelay)
		wait:
			for len(batch) < j.cfg.MaxBatch && j.handling.Load() > 0 {
				select {
				case p, ok := <-j.queue:
					if !ok {
						break wait
					}
					batch = append(batch, p)
				case <-timer.C:
					break wait
				}
			}
			timer.Stop()
		}
	fill:
		for len(batch) < j.cfg.MaxBatch {
			select {
			case p, ok := <-j.queue:
				if !ok {
					break fill
				}
				batch = append(batch, p)
			default:
				break fill
			}
		}
		entries = entries[:0]
		for _, p := range batch {
			entries = append(entries, p.e)
		}
		start := time.Now()
		err := j.insert(context.Background(), entries)
		if err != nil {
			j.cfg.Logger.Error("journal write failed; the calls in this batch answer 500", "entries", len(batch), "err", err)
		} else {
			j.commitNanos.Add(int64(time.Since(start)))
			j.batches.Add(1)
			j.entries.Add(int64(len(batch)))
			for n := int64(len(batch)); ; {
				m := j.maxBatch.Load()
				if n <= m || j.maxBatch.CompareAndSwap(m, n) {
					break
				}
			}
		}
		for _, p := range batch {
			p.done <- err
		}
	}
}

const entryColumns = `time, org_id, user_id, access_key, method, path, operation, op_key, query, request_body,
	request_truncated, status, exception_type, exception_message, response_body, response_truncated,
	latency_us, request_id, client_addr, user_agent, level, size`

const nEntryColumns = 22

// insertChunk bounds the rows per INSERT statement (22 parameters each).
const insertChunk = 64

var insertSQL sync.Map // dialect name + row count → statement text

func (d dialect) insertStatement(rows int) string {
	key := d.name + strconv.Itoa(rows)
	if v, ok := insertSQL.Load(key); ok {
		return v.(string)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO journal_entries (" + entryColumns + ") VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", nEntryColumns), ",") + ")"
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	s := d.q(b.String())
	insertSQL.Store(key, s)
	return s
}

// insert writes entries and their orgs' usage in one transaction.
func (j *Journal) insert(ctx context.Context, entries []*Entry) error {
	if f := j.fault.Load(); f != nil {
		return *f
	}
	tx, err := j.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("journal: begin: %w", err)
	}
	defer tx.Rollback()
	if j.insertOne != nil {
		// SQLite: one prepared single-row INSERT per entry. Statements run
		// in-process, so rows cost no round trips, and a prepared statement
		// skips SQL parsing, which dominates a many-row VALUES statement.
		st := tx.StmtContext(ctx, j.insertOne)
		args := make([]any, 0, nEntryColumns)
		for _, e := range entries {
			if _, err := st.ExecContext(ctx, e.args(args[:0])...); err != nil {
				return fmt.Errorf("journal: insert: %w", err)
			}
		}
	} else {
		// PostgreSQL: many rows per statement, one round trip per chunk;
		// pgx caches the prepared form of each chunk size.
		args := make([]any, 0, insertChunk*nEntryColumns)
		for start := 0; start < len(entries); start += insertChunk {
			chunk := entries[start:min(start+insertChunk, len(entries))]
			args = args[:0]
			for _, e := range chunk {
				args = e.args(args)
			}
			if _, err := tx.ExecContext(ctx, j.d.insertStatement(len(chunk)), args...); err != nil {
				return fmt.Errorf("journal: insert: %w", err)
			}
		}
	}
	if err := j.addUsage(ctx, tx, entries); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("journal: commit: %w", err)
	}
	return nil
}

const usageSQL = `INSERT INTO journal_usage (org_id, bytes, entries) VALUES (?, ?, ?)
	ON CONFLICT (org_id) DO UPDATE SET bytes = journal_usage.bytes + excluded.bytes,
	entries = journal_usage.entries + excluded.entries`

// addUsage adds the batch's bytes and entries to each org's running
// totals, in org order so concurrent writers (several PostgreSQL
// instances) lock the rows in the same order.
func (j *Journal) addUsage(ctx context.Context, tx *sql.Tx, entries []*Entry) error {
	type usage struct{ bytes, n int64 }
	per := map[crm.OrgID]*usage{}
	for _, e := range entries {
		u := per[e.OrgID]
		if u == nil {
			u = &usage{}
			per[e.OrgID] = u
		}
		u.bytes += e.size()
		u.n++
	}
	orgs := make([]crm.OrgID, 0, len(per))
	for o := range per {
		orgs = append(orgs, o)
	}
	slices.Sort(orgs)
	for _, o := range orgs {
		if _, err := tx.ExecContext(ctx, j.d.q(usageSQL), int64(o), per[o].bytes, per[o].n); err != nil {
			return fmt.Errorf("journal: usage: %w", err)
		}
	}
	return nil
}

// InsertBulk writes entries directly, bypassing the queue, in
// transactions of up to 5,000 entries. It is for loading large journals
// (benchmarks, imports), not for calls.
func (j *Journal) InsertBulk(ctx context.Context, entries []*Entry) error {
	for start := 0; start < len(entries); start += 5000 {
		if err := j.insert(ctx, entries[start:min(start+5000, len(entries))]); err != nil {
			return err
		}
	}
	return nil
}

// args appends the entry's column values in entryColumns order.
func (e *Entry) args(args []any) []any {
	return append(args, e.Time.UnixMilli(), int64(e.OrgID), e.UserID, e.AccessKey, e.Method, e.Path, e.Operation,
		strings.ToLower(e.Operation), e.Query, e.RequestBody, boolInt(e.RequestTruncated), e.Status,
		e.ExceptionType, e.ExceptionMessage, e.ResponseBody, boolInt(e.ResponseTruncated),
		e.Latency.Microseconds(), e.RequestID, e.ClientAddr, e.UserAgent, e.Level, e.size())
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
