package journal

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/localsquared/localsquared/internal/crm"
)

// spoolFiles returns the spool's segment files (compacted ones included)
// and their total size without the segment being appended to.
func spoolFiles(t *testing.T, j *Journal) (ids []int64, closed int64) {
	t.Helper()
	ids, err := segmentIDs(j.sp.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if id == j.sp.cur.Load() {
			continue
		}
		st, err := os.Stat(segmentPath(j.sp.dir, id))
		if err != nil {
			t.Fatal(err)
		}
		closed += st.Size()
	}
	return ids, closed
}

// liveBytes is the record bytes journal_segments counts outside the
// segment being appended to.
func liveBytes(t *testing.T, j *Journal) int64 {
	t.Helper()
	var n int64
	if err := j.r.QueryRow(`SELECT COALESCE(SUM(bytes), 0) FROM journal_segments WHERE seg <> ?`, j.sp.cur.Load()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// recordMixed records n entries, every third for org 6 (kept) and the
// rest for org 5 (pruned), and returns org 6's.
func recordMixed(t *testing.T, j *Journal, from, n int, at time.Time) []*Entry {
	t.Helper()
	var kept []*Entry
	for i := from; i < from+n; i++ {
		org := 5
		if i%3 == 0 {
			org = 6
		}
		e := sample(crm.OrgID(org), i, at)
		if err := j.Record(e); err != nil {
			t.Fatal(err)
		}
		if org == 6 {
			kept = append(kept, e)
		}
	}
	return kept
}

// TestCompactionReclaimsPrunedBytes: when one org's entries are pruned
// out of segments another org's entries keep alive, the segments are
// rewritten with only the live records: the closed segments' bytes on
// disk then equal the live records' bytes exactly, every kept entry
// reads back whole, before and after reopening, and once the rest is
// pruned the compacted segments go too.
func TestCompactionReclaimsPrunedBytes(t *testing.T) {
	dir := t.TempDir()
	j := openSQLite(t, dir, Config{SegmentSize: 4 << 10, DefaultMaxAge: -1})
	ctx := context.Background()
	kept := recordMixed(t, j, 0, 600, time.Now().Add(-time.Hour).Truncate(time.Millisecond))
	before, beforeBytes := spoolFiles(t, j)
	if len(before) < 10 {
		t.Fatalf("%d segments; the test needs many", len(before))
	}
	if err := j.SetRetention(ctx, 5, Retention{MaxAge: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if n, err := j.Prune(ctx); err != nil || n != 400 {
		t.Fatalf("Prune = %d, %v; want 400", n, err)
	}
	after, afterBytes := spoolFiles(t, j)
	if live := liveBytes(t, j); afterBytes != live || afterBytes*2 >= beforeBytes {
		t.Errorf("closed segments hold %d bytes (%d before), live records %d; want equal, under half", afterBytes, beforeBytes, live)
	}
	compacted := 0
	for _, id := range after {
		if id < 0 {
			compacted++
		}
	}
	if compacted == 0 || len(after) >= len(before) {
		t.Errorf("segments %v → %v; want fewer, some compacted", before, after)
	}
	check := func(when string) {
		t.Helper()
		got := all(t, j, 6)
		want := make([]Entry, len(kept))
		for i, e := range kept {
			want[i] = *e
		}
		if diff := cmp.Diff(want, got, entryCmp); diff != "" {
			t.Errorf("%s: org 6's entries differ (-want +got):\n%s", when, diff)
		}
		for _, e := range kept[:3] {
			if g, err := j.Get(ctx, 6, e.ID); err != nil || g.RequestBody != e.RequestBody {
				t.Errorf("%s: Get(%d) = %v, %v", when, e.ID, g, err)
			}
		}
	}
	check("after compaction")
	// Compacting again finds nothing to do.
	if n, err := j.compact(ctx); err != nil || n != 0 {
		t.Errorf("second compaction replaced %d segments, %v", n, err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = openSQLite(t, dir, Config{SegmentSize: 4 << 10, DefaultMaxAge: -1})
	defer func() { j.Close() }()
	check("after reopening")
	if err := j.SetRetention(ctx, 6, Retention{MaxAge: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if n, err := j.Prune(ctx); err != nil || n != len(kept) {
		t.Fatalf("Prune = %d, %v; want %d", n, err, len(kept))
	}
	if left, _ := segmentIDs(j.sp.dir); len(left) > 1 {
		t.Errorf("segments left %v, want at most the current one", left)
	}
}

// TestSweepsCompactionLeftovers: a compaction that stopped between its
// steps leaves a copy no index row points to, or an old segment it had
// copied; Open deletes both and the entries read as before.
func TestSweepsCompactionLeftovers(t *testing.T) {
	dir := t.TempDir()
	j := openSQLite(t, dir, Config{SegmentSize: 4 << 10, DefaultMaxAge: -1})
	ctx := context.Background()
	first := j.seq.Load() + 1
	kept := recordMixed(t, j, 0, 300, time.Now().Add(-time.Hour))
	if err := j.SetRetention(ctx, 5, Retention{MaxAge: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(segmentPath(j.sp.dir, first)); !os.IsNotExist(err) {
		t.Fatalf("the first segment was not compacted away: %v", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(dir, "journal.spool")
	ids, _ := segmentIDs(spool)
	copyOf, err := os.ReadFile(segmentPath(spool, ids[0]))
	if err != nil {
		t.Fatal(err)
	}
	// A copy made before its commit, and an old segment left after it.
	orphans := []string{segmentPath(spool, ids[0]-1000), segmentPath(spool, first)}
	for _, p := range orphans {
		if err := os.WriteFile(p, copyOf, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	j = openSQLite(t, dir, Config{SegmentSize: 4 << 10, DefaultMaxAge: -1})
	defer j.Close()
	for _, p := range orphans {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", filepath.Base(p), err)
		}
	}
	if got := all(t, j, 6); len(got) != len(kept) || got[0].RequestBody != kept[0].RequestBody {
		t.Errorf("org 6 reads %d entries, want %d", len(got), len(kept))
	}
	if got := all(t, j, 5); len(got) != 0 {
		t.Errorf("org 5 reads %d entries after its pruning", len(got))
	}
}

// TestCompactionUnderQueries: queries running while segments are
// compacted always read every entry whole: none missing, none torn.
func TestCompactionUnderQueries(t *testing.T) {
	j := openSQLite(t, t.TempDir(), Config{SegmentSize: 4 << 10, DefaultMaxAge: -1})
	defer j.Close()
	ctx := context.Background()
	if err := j.SetRetention(ctx, 5, Retention{MaxAge: time.Minute}); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour)
	var mu sync.Mutex
	recorded := len(recordMixed(t, j, 0, 150, at))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				want := recorded
				mu.Unlock()
				n := 0
				err := j.Each(ctx, Filter{Org: 6, Limit: 7}, func(e *Entry) error {
					var i int
					if _, err := fmt.Sscanf(e.Query, "n=%d", &i); err != nil || e.RequestBody != sample(6, i, at).RequestBody {
						return fmt.Errorf("entry %d reads %q / %q", e.ID, e.Query, e.RequestBody)
					}
					n++
					return nil
				})
				if err != nil || n < want {
					t.Errorf("query read %d entries (at least %d recorded), %v", n, want, err)
					return
				}
			}
		}()
	}
	compactions := 0
	for round := 1; round <= 8; round++ {
		k := recordMixed(t, j, round*150, 150, at)
		mu.Lock()
		recorded += len(k)
		mu.Unlock()
		if _, err := j.Prune(ctx); err != nil {
			t.Fatal(err)
		}
		ids, _ := segmentIDs(j.sp.dir)
		if ids[0] < 0 {
			compactions++
		}
	}
	close(stop)
	wg.Wait()
	if compactions == 0 {
		t.Error("no segment was compacted")
	}
	if got := all(t, j, 6); len(got) != recorded {
		t.Errorf("org 6 has %d entries, want %d", len(got), recorded)
	}
}

// TestPrunedTailStaysPruned: entries pruned at the end of the spool (the
// newest ones, an org with a short retention) stay pruned when the
// journal reopens, though their records are still in the last segment.
func TestPrunedTailStaysPruned(t *testing.T) {
	dir := t.TempDir()
	j := openSQLite(t, dir, Config{DefaultMaxAge: -1})
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for i := range 10 {
		org := crm.OrgID(6)
		if i >= 5 {
			org = 5
		}
		if err := j.Record(sample(org, i, at)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.SetRetention(ctx, 5, Retention{MaxAge: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if n, err := j.Prune(ctx); err != nil || n != 5 {
		t.Fatalf("Prune = %d, %v; want 5", n, err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = openSQLite(t, dir, Config{DefaultMaxAge: -1})
	defer j.Close()
	if got := all(t, j, 5); len(got) != 0 {
		t.Errorf("org 5 has %d entries again after reopening", len(got))
	}
	if got := all(t, j, 6); len(got) != 5 {
		t.Errorf("org 6 has %d entries, want 5", len(got))
	}
	if err := j.Record(sample(6, 10, at)); err != nil {
		t.Fatal(err)
	}
	if got := all(t, j, 6); len(got) != 6 || got[5].ID != 11 {
		t.Errorf("after reopening the next entry is %d, want 11", got[len(got)-1].ID)
	}
}

// TestSegmentBytesMigration: a journal.db from before compaction (a row
// per entry, no bytes, lo and hi in journal_segments, no journal_indexed)
// gets them at Open, with the values the indexer would have kept.
func TestSegmentBytesMigration(t *testing.T) {
	dir := t.TempDir()
	j := openSQLite(t, dir, Config{SegmentSize: 4 << 10, DefaultMaxAge: -1})
	recordMixed(t, j, 0, 200, time.Now())
	segRows := func(db interface {
		Query(string, ...any) (*sql.Rows, error)
	}) [][5]int64 {
		t.Helper()
		rows, err := db.Query(`SELECT seg, entries, bytes, lo, hi FROM journal_segments ORDER BY seg`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out [][5]int64
		for rows.Next() {
			var r [5]int64
			if err := rows.Scan(&r[0], &r[1], &r[2], &r[3], &r[4]); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return out
	}
	if err := j.caughtUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := segRows(j.r)
	if len(want) < 5 {
		t.Fatalf("%d segments; the test needs several", len(want))
	}
	db := closeToRows(t, j, dir)
	if _, err := db.Exec(`ALTER TABLE journal_segments DROP COLUMN bytes; ALTER TABLE journal_segments DROP COLUMN lo;
		ALTER TABLE journal_segments DROP COLUMN hi; DROP TABLE journal_indexed`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	j = openSQLite(t, dir, Config{SegmentSize: 4 << 10, DefaultMaxAge: -1})
	defer j.Close()
	if diff := cmp.Diff(want, segRows(j.r)); diff != "" {
		t.Errorf("journal_segments after migration (-want +got):\n%s", diff)
	}
	if got := all(t, j, 6); len(got) != 67 {
		t.Errorf("org 6 has %d entries, want 67", len(got))
	}
}
