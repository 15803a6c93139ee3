package journal

import (
	"container/heap"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Index blocks (SQLite). journal.db does not index entries one row at a
// time: the indexer groups each batch by org and operation, sorts each
// group by (time, seq) and writes it as blocks, one journal_blocks row
// each, whose recs column packs what queries filter on and where each
// record is in the spool (ixRec). A row per entry with three secondary
// indexes cost the indexer about 18 µs an entry, a fifth of a GetById's
// CPU; a block costs one row and four index entries for up to blockMax
// entries.
//
// A block's entries lie within blockSpan milliseconds of each other by
// time, and by the time in their request id (a UUID v7), and within
// blockSeqSpan of each other by seq. Those bounds are what let queries
// find blocks through indexes on the upper end of each range alone:
//
//   - time: an entry at time t is in a block with t_hi in [t, t+blockSpan],
//     so a query reads blocks by t_hi and merges their records
//     (recScan);
//   - request id: an id made at millisecond w is in a block with w_hi in
//     [w, w+blockSpan]; ids that are not v7 count as made at -1;
//   - seq: entry s is in a block with seq_hi in [s, s+blockSeqSpan).

// ixRec is what the index keeps of one entry.
type ixRec struct {
	seq, time int64
	status    int
	exc, rid  string
	size      int64
	seg, off  int64
	n         int32
}

const (
	blockSpan    = 10_000 // ms
	blockSeqSpan = 2048
	blockMax     = 1024
)

func recOf(e *Entry) ixRec {
	return ixRec{seq: e.ID, time: e.Time.UnixMilli(), status: e.Status, exc: e.ExceptionType, rid: e.RequestID,
		size: e.size(), seg: e.seg, off: e.off, n: e.n}
}

// ridWall returns the millisecond a v7 request id was made in, or -1.
func ridWall(rid string) int64 {
	if len(rid) != 36 || rid[8] != '-' || rid[14] != '7' {
		return -1
	}
	v, err := strconv.ParseUint(rid[0:8]+rid[9:13], 16, 64)
	if err != nil {
		return -1
	}
	return int64(v)
}

// appendRecs packs recs, relative to the block's lowest seq and time.
func appendRecs(b []byte, recs []ixRec, seqLo, tLo int64) []byte {
	for i := range recs {
		r := &recs[i]
		b = binary.AppendUvarint(b, uint64(r.seq-seqLo))
		b = binary.AppendUvarint(b, uint64(r.time-tLo))
		b = binary.AppendUvarint(b, uint64(r.status))
		b = binary.AppendUvarint(b, uint64(len(r.exc)))
		b = append(b, r.exc...)
		b = binary.AppendUvarint(b, uint64(len(r.rid)))
		b = append(b, r.rid...)
		b = binary.AppendUvarint(b, uint64(r.size))
		b = binary.AppendVarint(b, r.seg)
		b = binary.AppendUvarint(b, uint64(r.off))
		b = binary.AppendUvarint(b, uint64(r.n))
	}
	return b
}

var errBlock = errors.New("journal: corrupt index block")

// decodeRecs appends to out the records packed in b.
func decodeRecs(b []byte, seqLo, tLo int64, out []ixRec) ([]ixRec, error) {
	bad := false
	u := func() uint64 {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			bad, b = true, nil
			return 0
		}
		b = b[k:]
		return v
	}
	str := func() string {
		n := u()
		if n > uint64(len(b)) {
			bad, b = true, nil
			return ""
		}
		s := string(b[:n])
		b = b[n:]
		return s
	}
	for len(b) > 0 {
		var r ixRec
		r.seq = seqLo + int64(u())
		r.time = tLo + int64(u())
		r.status = int(u())
		r.exc = str()
		r.rid = str()
		r.size = int64(u())
		seg, k := binary.Varint(b)
		if k <= 0 {
			return out, errBlock
		}
		b = b[k:]
		r.seg = seg
		r.off = int64(u())
		n := u()
		if bad || n > maxRecord {
			return out, errBlock
		}
		r.n = int32(n)
		out = append(out, r)
	}
	return out, nil
}

// execer is a transaction or a connection pool.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const blockInsertSQL = `INSERT INTO journal_blocks (org_id, op_key, t_lo, t_hi, w_lo, w_hi, seq_lo, seq_hi, n, recs)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// putBlocks writes recs of one org and operation, sorted by (time, seq),
// as blocks.
func putBlocks(ctx context.Context, tx execer, org int64, op string, recs []ixRec, buf []byte) ([]byte, error) {
	for len(recs) > 0 {
		r := &recs[0]
		tLo, tHi := r.time, r.time
		w := ridWall(r.rid)
		wLo, wHi, seqLo, seqHi := w, w, r.seq, r.seq
		k := 1
		for ; k < len(recs) && k < blockMax; k++ {
			r := &recs[k]
			w := ridWall(r.rid)
			nwLo, nwHi, nsLo, nsHi := min(wLo, w), max(wHi, w), min(seqLo, r.seq), max(seqHi, r.seq)
			if r.time-tLo > blockSpan || nwHi-nwLo > blockSpan || nsHi-nsLo >= blockSeqSpan {
				break
			}
			tHi, wLo, wHi, seqLo, seqHi = r.time, nwLo, nwHi, nsLo, nsHi
		}
		buf = appendRecs(buf[:0], recs[:k], seqLo, tLo)
		if _, err := tx.ExecContext(ctx, blockInsertSQL, org, op, tLo, tHi, wLo, wHi, seqLo, seqHi, k, buf); err != nil {
			return buf, fmt.Errorf("journal: insert: %w", err)
		}
		recs = recs[k:]
	}
	return buf, nil
}

// sortRecs sorts recs by (time, seq).
func sortRecs(recs []ixRec) {
	slices.SortFunc(recs, func(a, b ixRec) int {
		if a.time != b.time {
			return cmpInt(a.time, b.time)
		}
		return cmpInt(a.seq, b.seq)
	})
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// writeBlocks indexes entries: grouped by org and operation, as blocks.
func writeBlocks(ctx context.Context, tx execer, entries []*Entry) error {
	var g recGroups
	lower := map[string]string{}
	for _, e := range entries {
		op, ok := lower[e.Operation]
		if !ok {
			op = strings.ToLower(e.Operation)
			lower[e.Operation] = op
		}
		g.add(int64(e.OrgID), op, recOf(e))
	}
	return g.write(ctx, tx)
}

// recGroups gathers records by org and operation (lower-case), in the
// order the groups first appear.
type recGroups struct {
	keys   []groupKey
	groups map[groupKey][]ixRec
}

type groupKey struct {
	org int64
	op  string
}

func (g *recGroups) add(org int64, op string, r ixRec) {
	k := groupKey{org, op}
	if g.groups == nil {
		g.groups = map[groupKey][]ixRec{}
	}
	recs, ok := g.groups[k]
	if !ok {
		g.keys = append(g.keys, k)
	}
	g.groups[k] = append(recs, r)
}

// write writes each group as blocks.
func (g *recGroups) write(ctx context.Context, tx execer) error {
	var buf []byte
	var err error
	for _, k := range g.keys {
		recs := g.groups[k]
		sortRecs(recs)
		if buf, err = putBlocks(ctx, tx, k.org, k.op, recs, buf); err != nil {
			return err
		}
	}
	return nil
}

// loadBlock reads block id.
func loadBlock(ctx context.Context, tx execer, id int64) (org int64, op string, recs []ixRec, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT org_id, op_key, seq_lo, t_lo, recs FROM journal_blocks WHERE id = ?`, id)
	if err != nil {
		return 0, "", nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, "", nil, err
		}
		return 0, "", nil, sql.ErrNoRows
	}
	var seqLo, tLo int64
	var b []byte
	if err := rows.Scan(&org, &op, &seqLo, &tLo, &b); err != nil {
		return 0, "", nil, err
	}
	recs, err = decodeRecs(b, seqLo, tLo, nil)
	return org, op, recs, err
}

// rewriteBlock replaces block id by blocks of the records keep keeps
// (none when it keeps none), and returns the records it dropped.
func rewriteBlock(ctx context.Context, tx execer, id int64, keep func(*ixRec) bool) ([]ixRec, error) {
	org, op, recs, err := loadBlock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	var dropped []ixRec
	kept := recs[:0]
	for _, r := range recs {
		if keep(&r) {
			kept = append(kept, r)
		} else {
			dropped = append(dropped, r)
		}
	}
	if len(dropped) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM journal_blocks WHERE id = ?`, id); err != nil {
		return nil, err
	}
	if _, err := putBlocks(ctx, tx, org, op, kept, nil); err != nil {
		return nil, err
	}
	return dropped, nil
}

// seqSQL selects the blocks eachBlockBySeq reads. Without the INDEXED BY
// the planner may take an org index and read every block of the org.
func seqSQL(org, lo, hi int64) (string, []any) {
	q := `SELECT id, seq_lo, t_lo, recs FROM journal_blocks INDEXED BY journal_blocks_seq
		WHERE seq_hi BETWEEN ? AND ? AND seq_lo <= ?`
	args := []any{lo, satAdd(hi, blockSeqSpan), hi}
	if org >= 0 {
		q += ` AND org_id = ?`
		args = append(args, org)
	}
	return q, args
}

// blockRef is a block found by seq.
type blockRef struct {
	id, seqLo, tLo int64
	recs           []ixRec
}

// eachBlockBySeq calls fn with each block that may hold seqs lo to hi (of
// org, when org >= 0), one at a time: b and its records are valid only
// during the call. It stops at fn's first error and returns it.
func eachBlockBySeq(ctx context.Context, tx execer, org, lo, hi int64, fn func(b *blockRef) error) error {
	q, args := seqSQL(org, lo, hi)
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var b blockRef
	var raw []byte
	for rows.Next() {
		if err := rows.Scan(&b.id, &b.seqLo, &b.tLo, &raw); err != nil {
			return err
		}
		if b.recs, err = decodeRecs(raw, b.seqLo, b.tLo, b.recs[:0]); err != nil {
			return err
		}
		if err := fn(&b); err != nil {
			return err
		}
	}
	return rows.Err()
}

// satAdd is a+b for b >= 0, saturating at math.MaxInt64 (an open bound).
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// scanSpec is what a recScan reads: one org's records, filtered.
type scanSpec struct {
	org      int64
	op       string // lower-case; "" for every operation
	status   int    // as Filter.Status
	exc      string
	rid      string // "" for every request id
	from, to int64  // inclusive, ms
	asc      bool
	cur      *cursor
}

// specOf is f as a scanSpec; cur is its parsed cursor, if any.
func specOf(f *Filter, cur *cursor) scanSpec {
	s := scanSpec{org: int64(f.Org), op: strings.ToLower(f.Operation), status: f.Status, exc: f.ExceptionType,
		rid: f.RequestID, from: math.MinInt64, to: math.MaxInt64, asc: f.Ascending, cur: cur}
	if !f.From.IsZero() {
		s.from = f.From.UnixMilli()
	}
	if !f.To.IsZero() {
		s.to = f.To.UnixMilli()
	}
	return s
}

func (s *scanSpec) match(r *ixRec) bool {
	if r.time < s.from || r.time > s.to {
		return false
	}
	switch {
	case s.status >= 1 && s.status <= 5:
		if r.status < s.status*100 || r.status > s.status*100+99 {
			return false
		}
	case s.status != 0:
		if r.status != s.status {
			return false
		}
	}
	if (s.exc != "" && r.exc != s.exc) || (s.rid != "" && r.rid != s.rid) {
		return false
	}
	if c := s.cur; c != nil {
		if s.asc {
			return r.time > c.time || (r.time == c.time && r.seq > c.seq)
		}
		return r.time < c.time || (r.time == c.time && r.seq < c.seq)
	}
	return true
}

// scanRec is a record a recScan yields, with the block it is in.
type scanRec struct {
	ixRec
	block int64
}

// recScan yields the records matching a scanSpec in (time, seq) order,
// newest first unless asc. It reads blocks by t_hi and holds their
// matching records in a heap; a record is yielded once no block still
// unread can hold one that comes before it.
type recScan struct {
	spec scanSpec
	rows *sql.Rows
	more bool // rows has a block read into peek
	peek struct{ id, tLo, tHi, seqLo int64 }
	raw  []byte
	heap recHeap
	recs []ixRec // the last block decoded
	err  error
}

// scanRecs starts a recScan on tx.
func scanRecs(ctx context.Context, tx execer, spec scanSpec) (*recScan, error) {
	q, args := scanSQL(&spec)
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	s := &recScan{spec: spec, rows: rows}
	s.heap.desc = !spec.asc
	s.advance()
	return s, s.err
}

// scanSQL selects the blocks a recScan reads, in its order. A request id
// is found through the wall-time index, which the planner would pass
// over for one that gives the order.
func scanSQL(spec *scanSpec) (string, []any) {
	q := `SELECT id, t_lo, t_hi, seq_lo, recs FROM journal_blocks WHERE org_id = ?`
	args := []any{spec.org}
	if spec.op != "" {
		q += ` AND op_key = ?`
		args = append(args, spec.op)
	}
	if spec.rid != "" {
		w := ridWall(spec.rid)
		q = strings.Replace(q, `journal_blocks WHERE`, `journal_blocks INDEXED BY journal_blocks_org_wall WHERE`, 1)
		q += ` AND w_hi BETWEEN ? AND ? AND w_lo <= ?`
		args = append(args, w, satAdd(w, blockSpan), w)
	}
	lo, hi := spec.from, spec.to
	if c := spec.cur; c != nil {
		if spec.asc {
			lo = max(lo, c.time)
		} else {
			hi = min(hi, c.time)
		}
	}
	// Every entry in [lo, hi] is in a block with t_hi in [lo, hi+blockSpan]
	// and t_lo <= hi.
	q += ` AND t_hi BETWEEN ? AND ? AND t_lo <= ? ORDER BY t_hi`
	args = append(args, lo, satAdd(hi, blockSpan), hi)
	if !spec.asc {
		q += ` DESC`
	}
	return q, args
}

// advance reads the next block row into peek.
func (s *recScan) advance() {
	s.more = s.rows.Next()
	if !s.more {
		s.err = s.rows.Err()
		return
	}
	if err := s.rows.Scan(&s.peek.id, &s.peek.tLo, &s.peek.tHi, &s.peek.seqLo, &s.raw); err != nil {
		s.err, s.more = err, false
	}
}

// load decodes the peeked block into the heap and reads the next one.
func (s *recScan) load() {
	var err error
	s.recs, err = decodeRecs(s.raw, s.peek.seqLo, s.peek.tLo, s.recs[:0])
	if err != nil {
		s.err, s.more = err, false
		return
	}
	for i := range s.recs {
		if s.spec.match(&s.recs[i]) {
			heap.Push(&s.heap, scanRec{s.recs[i], s.peek.id})
		}
	}
	s.advance()
}

// next returns the next record; ok is false at the end or on an error
// (see close).
func (s *recScan) next() (r scanRec, ok bool) {
	for s.more && s.err == nil {
		if len(s.heap.recs) > 0 {
			top := s.heap.recs[0].time
			// An unread block holds nothing after (before, ascending) top
			// once its t_hi is below top (its t_lo above it).
			if (s.heap.desc && s.peek.tHi < top) || (!s.heap.desc && s.peek.tHi-blockSpan > top) {
				break
			}
		}
		s.load()
	}
	if s.err != nil || len(s.heap.recs) == 0 {
		return scanRec{}, false
	}
	return heap.Pop(&s.heap).(scanRec), true
}

// close ends the scan and returns its error, if any.
func (s *recScan) close() error {
	cerr := s.rows.Close()
	if s.err != nil {
		return s.err
	}
	return cerr
}

// recHeap orders records by (time, seq), the greatest first when desc.
type recHeap struct {
	recs []scanRec
	desc bool
}

func (h *recHeap) Len() int { return len(h.recs) }
func (h *recHeap) Less(i, j int) bool {
	a, b := &h.recs[i], &h.recs[j]
	if h.desc {
		a, b = b, a
	}
	return a.time < b.time || (a.time == b.time && a.seq < b.seq)
}
func (h *recHeap) Swap(i, j int) { h.recs[i], h.recs[j] = h.recs[j], h.recs[i] }
func (h *recHeap) Push(x any)    { h.recs = append(h.recs, x.(scanRec)) }
func (h *recHeap) Pop() any {
	r := h.recs[len(h.recs)-1]
	h.recs = h.recs[:len(h.recs)-1]
	return r
}
