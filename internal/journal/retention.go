package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

// Retention is how long and how much of an org's journal is kept.
type Retention struct {
	MaxAge   time.Duration // entries older than this are pruned; 0 keeps them forever
	MaxBytes int64         // the oldest entries beyond this total are pruned; 0 means no limit
	Default  bool          // the org has no setting of its own
}

// Usage is what an org's journal holds.
type Usage struct {
	Entries int64
	Bytes   int64
}

// Retention returns the org's retention: its own setting, or the default
// (DefaultMaxAge, no size limit).
func (j *Journal) Retention(ctx context.Context, org crm.OrgID) (Retention, error) {
	var age, bytes int64
	err := j.r.QueryRowContext(ctx, j.d.q(`SELECT max_age_ms, max_bytes FROM journal_settings WHERE org_id = ?`), int64(org)).Scan(&age, &bytes)
	if errors.Is(err, sql.ErrNoRows) {
		return Retention{MaxAge: max(j.cfg.DefaultMaxAge, 0), Default: true}, nil
	}
	if err != nil {
		return Retention{}, crm.Internal(fmt.Errorf("journal.Retention: %w", err))
	}
	return Retention{MaxAge: time.Duration(age) * time.Millisecond, MaxBytes: bytes}, nil
}

// SetRetention stores the org's retention. KindInvalid for negative values.
func (j *Journal) SetRetention(ctx context.Context, org crm.OrgID, r Retention) error {
	if r.MaxAge < 0 || r.MaxBytes < 0 {
		return crm.Errorf(crm.KindInvalid, "journal retention must not be negative")
	}
	_, err := j.w.ExecContext(ctx, j.d.q(`INSERT INTO journal_settings (org_id, max_age_ms, max_bytes) VALUES (?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET max_age_ms = excluded.max_age_ms, max_bytes = excluded.max_bytes`),
		int64(org), r.MaxAge.Milliseconds(), r.MaxBytes)
	if err != nil {
		return crm.Internal(fmt.Errorf("journal.SetRetention: %w", err))
	}
	return nil
}

// Usage returns the entries and bytes the org's journal holds.
func (j *Journal) Usage(ctx context.Context, org crm.OrgID) (Usage, error) {
	if err := j.caughtUp(ctx); err != nil {
		return Usage{}, err
	}
	var u Usage
	err := j.r.QueryRowContext(ctx, j.d.q(`SELECT entries, bytes FROM journal_usage WHERE org_id = ?`), int64(org)).Scan(&u.Entries, &u.Bytes)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Usage{}, crm.Internal(fmt.Errorf("journal.Usage: %w", err))
	}
	return u, nil
}

func (j *Journal) pruner() {
	defer j.pruned.Done()
	t := time.NewTicker(j.cfg.PruneInterval)
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				select {
				case <-j.stop:
					cancel()
				case <-ctx.Done():
				}
			}()
			if _, err := j.Prune(ctx); err != nil && ctx.Err() == nil {
				j.cfg.Logger.Warn("journal pruning failed", "err", err)
			}
			cancel()
		}
	}
}

// Prune applies every org's retention and returns how many entries it
// deleted. Each transaction deletes at most PruneBatch entries, so calls
// being recorded wait for one small delete at most.
func (j *Journal) Prune(ctx context.Context) (int, error) {
	j.pruneMu.Lock()
	defer j.pruneMu.Unlock()
	if err := j.caughtUp(ctx); err != nil {
		return 0, err
	}
	rows, err := j.r.QueryContext(ctx, `SELECT u.org_id, u.bytes, s.max_age_ms, s.max_bytes
		FROM journal_usage u LEFT JOIN journal_settings s ON s.org_id = u.org_id ORDER BY u.org_id`)
	if err != nil {
		return 0, fmt.Errorf("journal.Prune: %w", err)
	}
	type orgRet struct {
		org   int64
		bytes int64
		age   sql.NullInt64
		max   sql.NullInt64
	}
	var orgs []orgRet
	for rows.Next() {
		var o orgRet
		if err := rows.Scan(&o.org, &o.bytes, &o.age, &o.max); err != nil {
			rows.Close()
			return 0, fmt.Errorf("journal.Prune: %w", err)
		}
		orgs = append(orgs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("journal.Prune: %w", err)
	}
	total := 0
	now := j.cfg.Clock.Now()
	for _, o := range orgs {
		age := j.cfg.DefaultMaxAge
		if o.age.Valid {
			age = time.Duration(o.age.Int64) * time.Millisecond
		}
		if age > 0 {
			cutoff := now.Add(-age).UnixMilli()
			for {
				n, err := j.pruneOldest(ctx, o.org, cutoff, -1)
				total += n
				if err != nil {
					return total, err
				}
				if n < j.cfg.PruneBatch {
					break
				}
			}
		}
		if o.max.Valid && o.max.Int64 > 0 {
			for {
				u, err := j.Usage(ctx, crm.OrgID(o.org))
				if err != nil {
					return total, err
				}
				over := u.Bytes - o.max.Int64
				if over <= 0 {
					break
				}
				n, err := j.pruneOldest(ctx, o.org, math.MaxInt64, over)
				total += n
				if err != nil {
					return total, err
				}
				if n == 0 {
					break
				}
			}
		}
	}
	if j.sp != nil {
		if err := j.dropSegments(ctx); err != nil {
			return total, err
		}
		if _, err := j.compact(ctx); err != nil {
			return total, err
		}
	}
	return total, nil
}

// pruneOldest deletes, in one transaction, up to PruneBatch of the org's
// oldest entries from before the millisecond before: all of them, or when
// free >= 0 only as many as free up at least free bytes. It returns how
// many it deleted.
func (j *Journal) pruneOldest(ctx context.Context, org, before, free int64) (int, error) {
	if j.sp != nil {
		return j.pruneBlocks(ctx, org, before, free)
	}
	return j.pruneBatch(ctx, org, `SELECT seq, size FROM journal_entries WHERE org_id = ? AND time < ? ORDER BY time, seq LIMIT `+
		strconv.Itoa(j.cfg.PruneBatch), []any{org, before}, free)
}

// pruneBlocks is pruneOldest on SQLite: it takes the oldest records from
// the org's index blocks and rewrites the blocks that held them.
func (j *Journal) pruneBlocks(ctx context.Context, org, before, free int64) (int, error) {
	tx, err := j.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("journal.Prune: %w", err)
	}
	defer tx.Rollback()
	spec := scanSpec{org: org, from: math.MinInt64, to: before - 1, asc: true}
	sc, err := scanRecs(ctx, tx, spec)
	if err != nil {
		return 0, fmt.Errorf("journal.Prune: %w", err)
	}
	gone := map[int64]map[int64]bool{} // block: seqs
	var blocks []int64
	var bytes int64
	for n := 0; n < j.cfg.PruneBatch && (free < 0 || bytes < free); n++ {
		r, ok := sc.next()
		if !ok {
			break
		}
		if gone[r.block] == nil {
			gone[r.block] = map[int64]bool{}
			blocks = append(blocks, r.block)
		}
		gone[r.block][r.seq] = true
		bytes += r.size
	}
	if err := sc.close(); err != nil {
		return 0, fmt.Errorf("journal.Prune: %w", err)
	}
	if len(blocks) == 0 {
		return 0, nil
	}
	var n int
	var freed int64
	segs := segCounts{}
	for _, b := range blocks {
		dropped, err := rewriteBlock(ctx, tx, b, func(r *ixRec) bool { return !gone[b][r.seq] })
		if err != nil {
			return 0, fmt.Errorf("journal.Prune: %w", err)
		}
		for _, r := range dropped {
			n++
			freed += r.size
			c := segs.of(r.seg)
			c.entries++
			c.bytes += int64(r.n)
		}
	}
	if err := j.unaccount(ctx, tx, org, n, freed, segs); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("journal.Prune: %w", err)
	}
	return n, nil
}

// unaccount takes n deleted entries of freed bytes off the org's usage
// and, on SQLite, their records off their segments' counts.
func (j *Journal) unaccount(ctx context.Context, tx *sql.Tx, org int64, n int, freed int64, segs segCounts) error {
	if _, err := tx.ExecContext(ctx, j.d.q(`UPDATE journal_usage SET bytes = bytes - ?, entries = entries - ? WHERE org_id = ?`),
		freed, n, org); err != nil {
		return fmt.Errorf("journal.Prune: %w", err)
	}
	for seg, c := range segs {
		if _, err := tx.ExecContext(ctx, `UPDATE journal_segments SET entries = entries - ?, bytes = bytes - ? WHERE seg = ?`,
			c.entries, c.bytes, seg); err != nil {
			return fmt.Errorf("journal.Prune: %w", err)
		}
	}
	return nil
}

// pruneBatch is pruneOldest on PostgreSQL: it deletes, in one
// transaction, the entries sel picks (oldest first): all of them, or when
// free >= 0 only as many as free up at least free bytes. It returns how
// many it deleted.
func (j *Journal) pruneBatch(ctx context.Context, org int64, sel string, args []any, free int64) (int, error) {
	tx, err := j.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("journal.Prune: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, j.d.q(sel), args...)
	if err != nil {
		return 0, fmt.Errorf("journal.Prune: %w", err)
	}
	var seqs []string
	var bytes int64
	for rows.Next() {
		var seq, size int64
		if err := rows.Scan(&seq, &size); err != nil {
			rows.Close()
			return 0, fmt.Errorf("journal.Prune: %w", err)
		}
		if free >= 0 && bytes >= free {
			break
		}
		seqs = append(seqs, strconv.FormatInt(seq, 10))
		bytes += size
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("journal.Prune: %w", err)
	}
	if len(seqs) == 0 {
		return 0, nil
	}
	// seq values are integers we just read, so they are safe to inline.
	res, err := tx.QueryContext(ctx, `DELETE FROM journal_entries WHERE seq IN (`+strings.Join(seqs, ",")+`) RETURNING size`)
	if err != nil {
		return 0, fmt.Errorf("journal.Prune: %w", err)
	}
	var n int
	var freed int64
	for res.Next() {
		var size int64
		if err := res.Scan(&size); err != nil {
			res.Close()
			return 0, fmt.Errorf("journal.Prune: %w", err)
		}
		n++
		freed += size
	}
	res.Close()
	if err := res.Err(); err != nil {
		return 0, fmt.Errorf("journal.Prune: %w", err)
	}
	if err := j.unaccount(ctx, tx, org, n, freed, nil); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("journal.Prune: %w", err)
	}
	return n, nil
}

// closedBelow returns the segment being appended to (or, before this
// run's first append, a bound above every segment so far): every segment
// below it is closed. ok is false while the indexer has not caught up
// with the start of that segment, since until then an older segment may
// hold records it has yet to count.
func (j *Journal) closedBelow() (int64, bool) {
	next := j.seq.Load() + 1 // a segment started from now on is named after a later seq
	cur := j.sp.cur.Load()
	if cur == 0 {
		return next, true // recovery indexed every earlier segment
	}
	return cur, j.indexed.Load() >= cur-1
}

// dropSegments deletes the spool segments no index row points to any
// more. It spares the segment being appended to, and every segment while
// the indexer has not caught up with the start of that one: until then
// an older segment may hold records it has yet to count.
func (j *Journal) dropSegments(ctx context.Context) error {
	below, ok := j.closedBelow()
	if !ok {
		return nil
	}
	rows, err := j.r.QueryContext(ctx, `SELECT seg FROM journal_segments WHERE entries <= 0 AND seg < ?`, below)
	if err != nil {
		return fmt.Errorf("journal.Prune: %w", err)
	}
	var segs []int64
	for rows.Next() {
		var seg int64
		if err := rows.Scan(&seg); err != nil {
			rows.Close()
			return fmt.Errorf("journal.Prune: %w", err)
		}
		segs = append(segs, seg)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("journal.Prune: %w", err)
	}
	for _, seg := range segs {
		if err := os.Remove(segmentPath(j.sp.dir, seg)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("journal.Prune: %w", err)
		}
		if _, err := j.w.ExecContext(ctx, `DELETE FROM journal_segments WHERE seg = ? AND entries <= 0`, seg); err != nil {
			return fmt.Errorf("journal.Prune: %w", err)
		}
	}
	return nil
}
