package journal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
)

// Compaction (SQLite). Retention deletes index records, and dropSegments
// deletes a segment file once none of its entries is left. When orgs keep
// their entries for different times, or by size, a segment can stay
// mostly pruned for as long as the longest retention; compact copies the
// live records of segments less than half live into a new segment, points
// their index records at it in one transaction, and deletes the old files.
//
// Compacted segments have negative ids (files c<id>.seg), allocated
// downwards, and hold only records that were already indexed, so
// recovery, which reads the spool's own segments in seq order, never
// needs them. The new file is written and synced before the transaction
// commits. A crash before the commit leaves a new file that no
// journal_segments row names; a crash after it leaves old files no row
// names; Open deletes both (sweepSpool).
//
// Queries hold filesMu for reading while they read index records and the
// records those point to; compact deletes the old files under its write
// lock, so a query that read an old location finds the old file still
// there, and one that starts later reads the new locations.

// compactMaxEntries bounds the index records one compaction transaction
// rewrites, so the indexer waits for it only briefly.
const compactMaxEntries = 20_000

// segInfo is a journal_segments row.
type segInfo struct {
	seg                    int64
	entries, bytes, lo, hi int64
}

// compact rewrites the segments (other than the one being appended to)
// whose live records fill less than half their file, grouped into new
// segments of up to SegmentSize bytes. It returns how many segments it
// replaced.
func (j *Journal) compact(ctx context.Context) (int, error) {
	below, ok := j.closedBelow()
	if !ok {
		return 0, nil
	}
	rows, err := j.w.QueryContext(ctx, `SELECT seg, entries, bytes, lo, hi FROM journal_segments
		WHERE entries > 0 AND seg < ? ORDER BY lo`, below)
	if err != nil {
		return 0, fmt.Errorf("journal.compact: %w", err)
	}
	var cands []segInfo
	for rows.Next() {
		var s segInfo
		if err := rows.Scan(&s.seg, &s.entries, &s.bytes, &s.lo, &s.hi); err != nil {
			rows.Close()
			return 0, fmt.Errorf("journal.compact: %w", err)
		}
		st, err := os.Stat(segmentPath(j.sp.dir, s.seg))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			rows.Close()
			return 0, fmt.Errorf("journal.compact: %w", err)
		}
		if err == nil && 2*s.bytes < st.Size() {
			cands = append(cands, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("journal.compact: %w", err)
	}
	done := 0
	for len(cands) > 0 {
		n, bytes, entries := 0, int64(0), int64(0)
		for n < len(cands) && (n == 0 || (bytes+cands[n].bytes <= j.cfg.SegmentSize && entries+cands[n].entries <= compactMaxEntries)) {
			bytes += cands[n].bytes
			entries += cands[n].entries
			n++
		}
		if err := j.compactGroup(ctx, cands[:n]); err != nil {
			return done, err
		}
		done += n
		cands = cands[n:]
	}
	if done > 0 {
		j.cfg.Logger.Info("journal segments compacted", "segments", done)
	}
	return done, nil
}

// move is one record compactGroup copies.
type move struct {
	seq, from, off int64
	n              int32
	to             int64 // offset in the new segment
}

// compactGroup copies the live records of segs into one new segment and
// re-points their index records at it.
func (j *Journal) compactGroup(ctx context.Context, segs []segInfo) error {
	var low int64
	if err := j.w.QueryRowContext(ctx, `SELECT COALESCE(MIN(seg), 0) FROM journal_segments`).Scan(&low); err != nil {
		return fmt.Errorf("journal.compact: %w", err)
	}
	id := min(low, 0) - 1
	path := segmentPath(j.sp.dir, id)
	moves, err := j.copyLive(ctx, segs, path)
	if err != nil {
		os.Remove(path)
		return err
	}
	if err := j.repoint(ctx, segs, id, moves); err != nil {
		os.Remove(path)
		return err
	}
	j.filesMu.Lock()
	defer j.filesMu.Unlock()
	for _, s := range segs {
		if err := os.Remove(segmentPath(j.sp.dir, s.seg)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("journal.compact: %w", err)
		}
	}
	return nil
}

// copyLive writes the records the index blocks of segs point to into a new
// file at path, syncs it, and returns where each went.
func (j *Journal) copyLive(ctx context.Context, segs []segInfo, path string) ([]move, error) {
	var moves []move
	for _, s := range segs {
		first := len(moves)
		err := eachBlockBySeq(ctx, j.w, -1, s.lo, s.hi, func(b *blockRef) error {
			for _, r := range b.recs {
				if r.seg == s.seg && r.seq >= s.lo && r.seq <= s.hi {
					moves = append(moves, move{seq: r.seq, from: s.seg, off: r.off, n: r.n})
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("journal.compact: %w", err)
		}
		slices.SortFunc(moves[first:], func(a, b move) int { return cmpInt(a.seq, b.seq) })
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal.compact: %w", err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	var src *os.File
	var srcSeg, to int64
	defer func() {
		if src != nil {
			src.Close()
		}
	}()
	var b []byte
	for i := range moves {
		m := &moves[i]
		if src == nil || srcSeg != m.from {
			if src != nil {
				src.Close()
			}
			if src, err = os.Open(segmentPath(j.sp.dir, m.from)); err != nil {
				return nil, fmt.Errorf("journal.compact: %w", err)
			}
			srcSeg = m.from
		}
		b = slices.Grow(b[:0], int(m.n))[:m.n]
		if err := readFrame(src, b, m.seq, m.off); err != nil {
			return nil, fmt.Errorf("journal.compact: %w", err)
		}
		if _, err := w.Write(b); err != nil {
			return nil, fmt.Errorf("journal.compact: %w", err)
		}
		m.to = to
		to += int64(m.n)
	}
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("journal.compact: %w", err)
	}
	// Synced whatever the durability: the old copies are deleted next.
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("journal.compact: %w", err)
	}
	return moves, syncDir(j.sp.dir)
}

// repoint points the index records of moves at segment id and replaces the
// journal_segments rows of segs with one for it, in one transaction.
func (j *Journal) repoint(ctx context.Context, segs []segInfo, id int64, moves []move) error {
	tx, err := j.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("journal.compact: %w", err)
	}
	defer tx.Rollback()
	var c segCount
	if len(moves) > 0 {
		at := make(map[int64]*move, len(moves))
		lo, hi := moves[0].seq, moves[0].seq
		for i := range moves {
			m := &moves[i]
			at[m.seq] = m
			lo, hi = min(lo, m.seq), max(hi, m.seq)
		}
		// Collect the rewritten blocks first: the scan reads the table
		// they are written to.
		type rewrite struct {
			id   int64
			recs []byte
		}
		var rewrites []rewrite
		err := eachBlockBySeq(ctx, tx, -1, lo, hi, func(b *blockRef) error {
			moved := false
			for i := range b.recs {
				r := &b.recs[i]
				if m := at[r.seq]; m != nil && r.seg == m.from {
					r.seg, r.off = id, m.to
					c.add(m.seq, m.n)
					moved = true
				}
			}
			if moved {
				rewrites = append(rewrites, rewrite{b.id, appendRecs(nil, b.recs, b.seqLo, b.tLo)})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("journal.compact: %w", err)
		}
		for _, w := range rewrites {
			if _, err := tx.ExecContext(ctx, `UPDATE journal_blocks SET recs = ? WHERE id = ?`, w.recs, w.id); err != nil {
				return fmt.Errorf("journal.compact: %w", err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, segmentCountSQL, id, c.entries, c.bytes, c.lo, c.hi); err != nil {
		return fmt.Errorf("journal.compact: %w", err)
	}
	for _, s := range segs {
		if _, err := tx.ExecContext(ctx, `DELETE FROM journal_segments WHERE seg = ?`, s.seg); err != nil {
			return fmt.Errorf("journal.compact: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("journal.compact: %w", err)
	}
	return nil
}

// sweepSpool deletes, after recovery, the segment files no
// journal_segments row names: copies or originals a compaction left when
// it stopped half-way. Every spool segment whose records recovery indexed
// has a row, and the next append starts a new segment.
func (j *Journal) sweepSpool(ctx context.Context) error {
	files, err := segmentIDs(j.sp.dir)
	if err != nil {
		return fmt.Errorf("journal.Open: %w", err)
	}
	rows, err := j.w.QueryContext(ctx, `SELECT seg FROM journal_segments`)
	if err != nil {
		return fmt.Errorf("journal.Open: %w", err)
	}
	known := map[int64]bool{}
	for rows.Next() {
		var seg int64
		if err := rows.Scan(&seg); err != nil {
			rows.Close()
			return fmt.Errorf("journal.Open: %w", err)
		}
		known[seg] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("journal.Open: %w", err)
	}
	for _, seg := range files {
		if known[seg] {
			continue
		}
		if err := os.Remove(segmentPath(j.sp.dir, seg)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("journal.Open: %w", err)
		}
	}
	return nil
}

// syncDir makes the directory's entries (a new file's name) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("journal.compact: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("journal.compact: %w", err)
	}
	return nil
}
