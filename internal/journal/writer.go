package journal

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
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

	// SQLite: where the entry's record is in the spool.
	seg, off int64
	n        int32
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
	j.mu.RLock()
	defer j.mu.RUnlock() // Close waits for the calls being recorded
	if j.closed {
		return ErrClosed
	}
	if j.sp != nil {
		return j.recordSpooled(e)
	}
	p := pending{e: e, done: donePool.Get().(chan error)}
	j.queue <- p
	err := <-p.done
	donePool.Put(p.done)
	return err
}

// spooling is a call waiting for its entry to be spooled.
type spooling struct {
	e       *Entry
	done    bool
	yielded bool // the call let the others run before leading
	err     error
}

// recordSpooled is Record on SQLite, where a commit is an append and
// costs a few microseconds: group commit without a writer goroutine, so a
// lone call never waits for another goroutine to be scheduled. The call
// joins the pending batch; if no append is under way it becomes the
// leader and commits every pending entry itself, else it waits, and the
// entries that arrive meanwhile form the next batch. A would-be leader
// first yields the processor once while other calls are in their
// handlers: an append costs little more than its system call, and at
// 32 clients calls otherwise rarely overlap one (1.04 entries a batch
// for GetById); yielding made it 2.5 and GetById 13 % faster.
func (j *Journal) recordSpooled(e *Entry) error {
	w := &spooling{e: e}
	j.spMu.Lock()
	defer j.spMu.Unlock()
	j.spPending = append(j.spPending, w)
	for !w.done {
		if j.spBusy {
			j.spCond.Wait()
			continue
		}
		if j.handling.Load() > 0 && !w.yielded {
			// Other calls are in their handlers: let them run first, once,
			// so those about to finish join this append instead of each
			// making a system call of its own.
			w.yielded = true
			j.spMu.Unlock()
			runtime.Gosched()
			j.spMu.Lock()
			continue
		}
		batch := j.spPending
		j.spPending, j.spSpare = j.spSpare[:0], nil
		j.spBusy = true
		j.spMu.Unlock()
		entries := make([]*Entry, len(batch)) // the indexer keeps it
		for i, p := range batch {
			entries[i] = p.e
		}
		err := j.commitCounted(entries)
		j.spMu.Lock()
		for _, p := range batch {
			p.done, p.err = true, err
		}
		clear(batch)
		j.spSpare = batch
		j.spBusy = false
		j.spCond.Broadcast()
	}
	return w.err
}

// spoolAlone commits entries as one batch of its own, taking the
// leader's place from the calls being recorded.
func (j *Journal) spoolAlone(entries []*Entry) error {
	j.spMu.Lock()
	for j.spBusy {
		j.spCond.Wait()
	}
	j.spBusy = true
	j.spMu.Unlock()
	err := j.commitCounted(entries)
	j.spMu.Lock()
	j.spBusy = false
	j.spCond.Broadcast()
	j.spMu.Unlock()
	return err
}

// commitCounted is commit, logging a failure and counting a success in
// Stats.
func (j *Journal) commitCounted(entries []*Entry) error {
	start := time.Now()
	err := j.commit(entries)
	if err != nil {
		j.cfg.Logger.Error("journal write failed; the calls in this batch answer 500", "entries", len(entries), "err", err)
		return err
	}
	j.commitNanos.Add(int64(time.Since(start)))
	j.batches.Add(1)
	j.entries.Add(int64(len(entries)))
	for n := int64(len(entries)); ; {
		m := j.maxBatch.Load()
		if n <= m || j.maxBatch.CompareAndSwap(m, n) {
			break
		}
	}
	return nil
}

var donePool = sync.Pool{New: func() any { return make(chan error, 1) }}

// writer is a goroutine that makes entries durable on PostgreSQL: it
// takes whatever has queued up while its previous commit ran (up to
// MaxBatch) and commits it in one statement, so concurrent calls share a
// commit.
func (j *Journal) writer() {
	defer j.writers.Done()
	batch := make([]pending, 0, j.cfg.MaxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		p, ok := <-j.queue
		if !ok {
			return
		}
		batch = append(batch[:0], p)
		// On PostgreSQL a commit costs a round trip and a WAL flush, about
		// the same for one entry as for fifty: under load, let the calls
		// still in their handlers reach the queue first. The writer blocks
		// on the queue (it does not spin, which would take a core from
		// those calls) for at most CommitDelay; a lone call never waits.
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
		entries := make([]*Entry, len(batch))
		for i, p := range batch {
			entries[i] = p.e
		}
		err := j.commitCounted(entries)
		for _, p := range batch {
			p.done <- err
		}
	}
}

// commit makes entries durable: on PostgreSQL by inserting them, on
// SQLite by numbering them and appending them to the spool, then handing
// them to the indexer (waiting while it is far behind, so memory stays
// bounded).
func (j *Journal) commit(entries []*Entry) error {
	if f := j.fault.Load(); f != nil {
		return *f
	}
	if j.sp == nil {
		return j.insert(context.Background(), entries)
	}
	last := j.seq.Add(int64(len(entries)))
	for i, e := range entries {
		e.ID = last - int64(len(entries)-1-i)
	}
	if err := j.sp.append(entries); err != nil {
		return err
	}
	j.written.Store(last)
	j.handOff(entries)
	return nil
}

// maxIndexLag bounds the spooled entries waiting for the indexer; past
// it the writer waits, and so do the calls behind it.
const maxIndexLag = 200_000

// handOff gives spooled entries to the indexer.
func (j *Journal) handOff(entries []*Entry) {
	j.idxMu.Lock()
	for len(j.idxQueue) >= maxIndexLag {
		j.idxMu.Unlock()
		<-j.idxRoom
		j.idxMu.Lock()
	}
	j.idxQueue = append(j.idxQueue, entries...)
	j.idxMu.Unlock()
	select {
	case j.idxReady <- struct{}{}:
	default:
	}
}

// take returns what the writer has handed off since the last take, and
// whether the writer has stopped (nothing more will come).
func (j *Journal) take(spare []*Entry) ([]*Entry, bool) {
	j.idxMu.Lock()
	defer j.idxMu.Unlock()
	got, done := j.idxQueue, j.idxDone
	j.idxQueue = spare[:0]
	select {
	case j.idxRoom <- struct{}{}:
	default:
	}
	return got, done
}

// indexBatch bounds the entries the indexer inserts in one transaction.
const indexBatch = 8192

// indexDelay is how long the indexer lets entries gather before a
// transaction, unless a query is waiting for them.
const indexDelay = 50 * time.Millisecond

// indexer inserts spooled entries into journal.db, batching whatever the
// writer has handed over since its last transaction.
func (j *Journal) indexer() {
	defer j.indexerDone.Done()
	var spare []*Entry
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		<-j.idxReady
		// A transaction costs about the same for ten entries as for a
		// thousand: let a batch build up unless a query or Close is waiting.
		j.idxMu.Lock()
		wait := len(j.idxQueue) < indexBatch/2 && !j.idxDone
		j.idxMu.Unlock()
		if wait {
			timer.Reset(indexDelay)
			select {
			case <-timer.C:
			case <-j.idxNow:
				timer.Stop()
			}
		}
		got, done := j.take(spare)
		for start := 0; start < len(got); start += indexBatch {
			if !j.index(got[start:min(start+indexBatch, len(got))]) {
				// Closing with journal.db unwritable: the entries stay in
				// the spool, and the next Open indexes them.
				return
			}
		}
		clear(got)
		spare = got
		if done {
			return
		}
	}
}

// index inserts entries, retrying with backoff while journal.db cannot be
// written; the entries are safe in the spool meanwhile. It reports false
// only when the journal is closing and the insert still fails.
func (j *Journal) index(entries []*Entry) bool {
	backoff := 50 * time.Millisecond
	for {
		err := j.insert(context.Background(), entries)
		if err == nil {
			j.indexErr.Store(nil)
			j.indexed.Store(entries[len(entries)-1].ID)
			j.progressMu.Lock()
			close(j.progress)
			j.progress = make(chan struct{})
			j.progressMu.Unlock()
			return true
		}
		if j.indexErr.Swap(&err) == nil {
			j.cfg.Logger.Error("journal indexing failed; entries stay in the spool and are retried", "entries", len(entries), "err", err)
		}
		select {
		case <-time.After(backoff):
			backoff = min(2*backoff, 2*time.Second)
		case <-j.closing:
			if err := j.insert(context.Background(), entries); err == nil {
				j.indexed.Store(entries[len(entries)-1].ID)
				return true
			}
			return false
		}
	}
}

// caughtUp waits until every entry recorded before the call is in
// journal.db, so queries see the calls their caller already made. It
// fails at once while indexing is failing.
func (j *Journal) caughtUp(ctx context.Context) error {
	if j.sp == nil {
		return nil
	}
	target := j.written.Load()
	if j.indexed.Load() < target {
		select {
		case j.idxNow <- struct{}{}:
		default:
		}
	}
	for {
		j.progressMu.Lock()
		ch := j.progress
		j.progressMu.Unlock()
		if j.indexed.Load() >= target {
			return nil
		}
		if p := j.indexErr.Load(); p != nil {
			return crm.Internal(fmt.Errorf("journal: indexing: %w", *p))
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

const entryColumns = `time, org_id, user_id, access_key, method, path, operation, op_key, query, request_body,
	request_truncated, status, exception_type, exception_message, response_body, response_truncated,
	latency_us, request_id, client_addr, user_agent, level, size`

const nEntryColumns = 22

// pgInsertSQL writes a batch of entries and adds them to their orgs'
// usage in one statement, so one round trip (and one implicit
// transaction) whatever the batch's size: the columns arrive as arrays.
const pgInsertSQL = `WITH ins AS (
	INSERT INTO journal_entries (` + entryColumns + `)
	SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
		$8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::text[], $14::text[], $15::text[],
		$16::bigint[], $17::bigint[], $18::text[], $19::text[], $20::text[], $21::text[], $22::bigint[])
	RETURNING org_id, size)
INSERT INTO journal_usage (org_id, bytes, entries)
SELECT org_id, SUM(size), COUNT(*) FROM ins GROUP BY org_id ORDER BY org_id
ON CONFLICT (org_id) DO UPDATE SET bytes = journal_usage.bytes + excluded.bytes,
	entries = journal_usage.entries + excluded.entries`

// insertPostgres runs pgInsertSQL for entries.
func (j *Journal) insertPostgres(ctx context.Context, entries []*Entry) error {
	n := len(entries)
	var ints [7][]int64 // time, org, request_truncated, status, response_truncated, latency, size
	var texts [15][]string
	for i := range ints {
		ints[i] = make([]int64, n)
	}
	for i := range texts {
		texts[i] = make([]string, n)
	}
	for k, e := range entries {
		ints[0][k], ints[1][k], ints[2][k], ints[3][k] = e.Time.UnixMilli(), int64(e.OrgID), boolInt(e.RequestTruncated), int64(e.Status)
		ints[4][k], ints[5][k], ints[6][k] = boolInt(e.ResponseTruncated), e.Latency.Microseconds(), e.size()
		for i, v := range [15]string{e.UserID, e.AccessKey, e.Method, e.Path, e.Operation, strings.ToLower(e.Operation),
			e.Query, e.RequestBody, e.ExceptionType, e.ExceptionMessage, e.ResponseBody, e.RequestID, e.ClientAddr,
			e.UserAgent, e.Level} {
			texts[i][k] = v
		}
	}
	_, err := j.w.ExecContext(ctx, pgInsertSQL, ints[0], ints[1], texts[0], texts[1], texts[2], texts[3], texts[4],
		texts[5], texts[6], texts[7], ints[2], ints[3], texts[8], texts[9], texts[10], ints[4], ints[5], texts[11],
		texts[12], texts[13], texts[14], ints[6])
	if err != nil {
		return fmt.Errorf("journal: insert: %w", err)
	}
	return nil
}

// insert writes entries and their orgs' usage in one transaction: on
// SQLite their index blocks (their records are already in the spool) and
// their segments' counts.
func (j *Journal) insert(ctx context.Context, entries []*Entry) error {
	return j.insertRows(ctx, entries, true)
}

// segmentCountSQL adds index records to their segment's count, record bytes
// and seq range.
const segmentCountSQL = `INSERT INTO journal_segments (seg, entries, bytes, lo, hi) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (seg) DO UPDATE SET entries = journal_segments.entries + excluded.entries,
	bytes = journal_segments.bytes + excluded.bytes,
	lo = MIN(journal_segments.lo, excluded.lo), hi = MAX(journal_segments.hi, excluded.hi)`

// indexedSQL keeps the highest seq ever indexed, which recovery starts
// after: the highest seq in journal_blocks can be lower, once retention
// pruned the newest entries, and those must not be indexed again.
const indexedSQL = `INSERT INTO journal_indexed (one, seq) VALUES (1, ?)
	ON CONFLICT (one) DO UPDATE SET seq = MAX(journal_indexed.seq, excluded.seq)`

// segCount is what a batch adds to one segment's journal_segments row.
type segCount struct{ entries, bytes, lo, hi int64 }

// segCounts are the segCount of each segment a batch touches.
type segCounts map[int64]*segCount

// of returns seg's count, adding it when new.
func (m segCounts) of(seg int64) *segCount {
	c := m[seg]
	if c == nil {
		c = &segCount{}
		m[seg] = c
	}
	return c
}

func (c *segCount) add(seq int64, n int32) {
	if c.entries == 0 || seq < c.lo {
		c.lo = seq
	}
	c.hi = max(c.hi, seq)
	c.entries++
	c.bytes += int64(n)
}

// insertRows is insert, adding the entries to their orgs' usage only when
// usage is set.
func (j *Journal) insertRows(ctx context.Context, entries []*Entry, usage bool) error {
	if j.d.name == "postgres" {
		return j.insertPostgres(ctx, entries)
	}
	tx, err := j.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("journal: begin: %w", err)
	}
	defer tx.Rollback()
	if err := writeBlocks(ctx, tx, entries); err != nil {
		return err
	}
	segs := segCounts{}
	var top int64
	for _, e := range entries {
		top = max(top, e.ID)
		segs.of(e.seg).add(e.ID, e.n)
	}
	for seg, c := range segs {
		if _, err := tx.ExecContext(ctx, segmentCountSQL, seg, c.entries, c.bytes, c.lo, c.hi); err != nil {
			return fmt.Errorf("journal: insert: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, indexedSQL, top); err != nil {
		return fmt.Errorf("journal: insert: %w", err)
	}
	if usage {
		if err := j.addUsage(ctx, tx, entries); err != nil {
			return err
		}
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
// totals (SQLite; pgInsertSQL does it on PostgreSQL).
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
		if _, err := tx.ExecContext(ctx, usageSQL, int64(o), per[o].bytes, per[o].n); err != nil {
			return fmt.Errorf("journal: usage: %w", err)
		}
	}
	return nil
}

// InsertBulk writes many entries at once: on PostgreSQL directly, in
// transactions of up to 5,000 entries; on SQLite through the writer, which
// owns the spool, without waiting for each. It is for loading large
// journals (benchmarks, imports), not for calls.
func (j *Journal) InsertBulk(ctx context.Context, entries []*Entry) error {
	if j.sp != nil {
		j.mu.RLock()
		defer j.mu.RUnlock()
		if j.closed {
			return ErrClosed
		}
		for start := 0; start < len(entries); start += 4096 {
			if err := j.spoolAlone(entries[start:min(start+4096, len(entries))]); err != nil {
				return err
			}
		}
		return nil
	}
	for start := 0; start < len(entries); start += 5000 {
		if err := j.insert(ctx, entries[start:min(start+5000, len(entries))]); err != nil {
			return err
		}
	}
	return nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
