package journal

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/sqlplan"
)

// toRows rewrites db's index blocks as the row-per-entry journal_entries
// of the layout before blocks, as an older release left it.
func toRows(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec(`CREATE TABLE journal_entries (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL,
		org_id INTEGER NOT NULL, op_key TEXT NOT NULL, status INTEGER NOT NULL, exception_type TEXT NOT NULL,
		request_id TEXT NOT NULL, size INTEGER NOT NULL, seg INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL);
		CREATE INDEX journal_org_time ON journal_entries (org_id, time);
		CREATE INDEX journal_org_op_time ON journal_entries (org_id, op_key, time);
		CREATE INDEX journal_request_id ON journal_entries (request_id)`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT org_id, op_key, seq_lo, t_lo, recs FROM journal_blocks`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		org int64
		op  string
		ixRec
	}
	var all []row
	for rows.Next() {
		var org, seqLo, tLo int64
		var op string
		var b []byte
		if err := rows.Scan(&org, &op, &seqLo, &tLo, &b); err != nil {
			t.Fatal(err)
		}
		recs, err := decodeRecs(b, seqLo, tLo, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			all = append(all, row{org, op, r})
		}
	}
	rows.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if _, err := tx.Exec(`INSERT INTO journal_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.seq, r.time, r.org, r.op,
			r.status, r.exc, r.rid, r.size, r.seg, r.off, r.n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec(`DROP TABLE journal_blocks`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// closeToRows closes j and gives the journal.db in dir the layout before
// blocks (toRows); the caller closes the database it returns.
func closeToRows(t *testing.T, j *Journal, dir string) *sql.DB {
	t.Helper()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	toRows(t, db)
	return db
}

// ops and rids for scattered entries.
var scatterOps = []string{"LeadManagement.svc/Lead.Create", "LeadManagement.svc/Leads.GetById", "ProspectActivity.svc/Create"}

// scatter records n entries of orgs 1 and 2 whose times jump about: runs
// of calls a few milliseconds apart, ties, late arrivals and clock moves
// of hours either way, so that blocks overlap and are cut by every
// bound. Request ids are v7 ids, made at the entry's time, or not.
func scatter(t *testing.T, j *Journal, rng *rand.Rand, n int) []*Entry {
	t.Helper()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := base
	var out []*Entry
	for i := range n {
		switch k := rng.IntN(100); {
		case k < 60:
			at = at.Add(time.Duration(rng.IntN(4)) * time.Millisecond)
		case k < 80:
			at = at.Add(-time.Duration(rng.IntN(15_000)) * time.Millisecond) // a slow call finishing now
		case k < 90:
			at = at.Add(time.Duration(rng.IntN(30_000)) * time.Millisecond)
		default:
			at = base.Add(time.Duration(rng.IntN(48)-24) * time.Hour)
		}
		e := sample(crm.OrgID(1+rng.IntN(2)), i, at)
		e.Time = at
		e.Operation = scatterOps[rng.IntN(len(scatterOps))]
		e.Status = []int{200, 200, 400, 404, 500}[rng.IntN(5)]
		if e.Status >= 400 {
			e.ExceptionType = fmt.Sprintf("MXE%d", e.Status)
		}
		if rng.IntN(4) > 0 {
			ms := at.UnixMilli() + int64(rng.IntN(20))
			e.RequestID = fmt.Sprintf("%08x-%04x-7%03x-8000-%012x", ms>>16, ms&0xffff, i&0xfff, i)
		}
		out = append(out, e)
	}
	// Record in batches, as concurrent calls are.
	for start := 0; start < n; {
		end := min(n, start+1+rng.IntN(300))
		if err := j.commit(out[start:end]); err != nil {
			t.Fatal(err)
		}
		start = end
	}
	if err := j.caughtUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out
}

// want is what a query of f must return, page after page: the entries
// matching it, in (time, seq) order, by brute force.
func want(entries []*Entry, f Filter) []int64 {
	var m []*Entry
	for _, e := range entries {
		if e.OrgID != f.Org || (f.Operation != "" && e.Operation != f.Operation) ||
			(f.Status != 0 && e.Status/100 != f.Status) || (f.ExceptionType != "" && e.ExceptionType != f.ExceptionType) ||
			(f.RequestID != "" && e.RequestID != f.RequestID) || (!f.From.IsZero() && e.Time.Before(f.From)) ||
			(!f.To.IsZero() && e.Time.After(f.To)) {
			continue
		}
		m = append(m, e)
	}
	slices.SortFunc(m, func(a, b *Entry) int {
		c := a.Time.Compare(b.Time)
		if c == 0 {
			c = cmpInt(a.ID, b.ID)
		}
		if f.Ascending {
			return c
		}
		return -c
	})
	var ids []int64
	for _, e := range m {
		ids = append(ids, e.ID)
	}
	return ids
}

// pages reads every page of f (Each, page by page of f.Limit) and
// returns the entries' ids.
func pages(t *testing.T, j *Journal, f Filter) []int64 {
	t.Helper()
	var ids []int64
	if err := j.Each(context.Background(), f, func(e *Entry) error {
		ids = append(ids, e.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestBlocksQueryOrder: whatever the order entries arrive in and however
// their blocks overlap, every query returns exactly the matching entries
// in (time, seq) order, page after page, both ways; Get finds each one,
// whole; and a journal indexed a row per entry (the layout before blocks)
// reads the same once Open has converted it.
func TestBlocksQueryOrder(t *testing.T) {
	dir := t.TempDir()
	j := openSQLite(t, dir, Config{DefaultMaxAge: -1})
	rng := rand.New(rand.NewPCG(1, 2))
	entries := scatter(t, j, rng, 3000)
	var filters []Filter
	for _, org := range []crm.OrgID{1, 2} {
		for _, asc := range []bool{false, true} {
			for _, limit := range []int{7, 1000} {
				filters = append(filters, Filter{Org: org, Ascending: asc, Limit: limit},
					Filter{Org: org, Ascending: asc, Limit: limit, Operation: scatterOps[1]},
					Filter{Org: org, Ascending: asc, Limit: limit, Status: 4, Operation: scatterOps[2]},
					Filter{Org: org, Ascending: asc, Limit: limit, ExceptionType: "MXE500"})
			}
		}
		for range 20 {
			e := entries[rng.IntN(len(entries))]
			from := e.Time.Add(-time.Duration(rng.IntN(60_000)) * time.Millisecond)
			filters = append(filters,
				Filter{Org: org, From: from, To: from.Add(time.Duration(rng.IntN(90_000)) * time.Millisecond), Limit: 5},
				Filter{Org: org, From: from, Ascending: true, Limit: 11},
				Filter{Org: org, To: from, Limit: 13, Operation: e.Operation},
				Filter{Org: org, RequestID: e.RequestID})
		}
	}
	check := func(stage string) {
		t.Helper()
		for _, f := range filters {
			if diff := cmp.Diff(want(entries, f), pages(t, j, f)); diff != "" {
				t.Fatalf("%s: %+v (-want +got):\n%s", stage, f, diff)
			}
		}
		for _, e := range entries[:300] {
			got, err := j.Get(context.Background(), e.OrgID, e.ID)
			if err != nil {
				t.Fatalf("%s: Get(%d): %v", stage, e.ID, err)
			}
			if diff := cmp.Diff(e, got, entryCmp); diff != "" {
				t.Fatalf("%s: Get(%d) (-want +got):\n%s", stage, e.ID, diff)
			}
			if _, err := j.Get(context.Background(), 3-e.OrgID, e.ID); crm.KindOf(err) != crm.KindNotFound {
				t.Fatalf("%s: Get(%d) of the other org: %v", stage, e.ID, err)
			}
		}
	}
	check("blocks")
	closeToRows(t, j, dir).Close()
	j = openSQLite(t, dir, Config{DefaultMaxAge: -1})
	defer j.Close()
	var n int
	if err := j.r.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'journal_entries_v2'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("journal_entries_v2 left after conversion: %d, %v", n, err)
	}
	check("converted")
}

// TestBlocksPruneOldestFirst: pruning by size takes entries oldest first
// by time across overlapping blocks, and by age every entry before the
// cutoff and none after.
func TestBlocksPruneOldestFirst(t *testing.T) {
	j := openSQLite(t, t.TempDir(), Config{DefaultMaxAge: -1, PruneBatch: 97})
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	entries := scatter(t, j, rng, 2000)
	all := want(entries, Filter{Org: 1, Ascending: true})
	u, err := j.Usage(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.SetRetention(ctx, 1, Retention{MaxBytes: u.Bytes / 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	got := pages(t, j, Filter{Org: 1, Ascending: true, Limit: 1000})
	if len(got) == 0 || len(got) == len(all) || !slices.Equal(got, all[len(all)-len(got):]) {
		t.Fatalf("after pruning by size kept %d of %d entries, not the newest", len(got), len(all))
	}
	after, err := j.Usage(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if after.Entries != int64(len(got)) || after.Bytes > u.Bytes/2 {
		t.Errorf("usage after pruning %+v for %d entries, limit %d bytes", after, len(got), u.Bytes/2)
	}
	cut := entries[rng.IntN(len(entries))].Time
	j.cfg.Clock = crm.ClockFunc(func() time.Time { return cut.Add(time.Hour) })
	if err := j.SetRetention(ctx, 2, Retention{MaxAge: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want(entries, Filter{Org: 2, From: cut}), pages(t, j, Filter{Org: 2, Limit: 500})); diff != "" {
		t.Errorf("after pruning by age (-want +got):\n%s", diff)
	}
}

// FuzzDecodeRecs: a corrupt block is an error, never a panic.
func FuzzDecodeRecs(f *testing.F) {
	f.Add(appendRecs(nil, []ixRec{{seq: 5, time: 9, status: 200, rid: "r", size: 3, seg: -2, off: 7, n: 40}}, 5, 9))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := decodeRecs(b, 0, 0, nil)
		if err == nil && len(b) > 0 && len(recs) == 0 {
			t.Fatal("no records and no error")
		}
	})
}

// TestBlockQueryPlans: each way of finding blocks reads the index made
// for it, never every block of an org.
func TestBlockQueryPlans(t *testing.T) {
	j := openSQLite(t, t.TempDir(), Config{DefaultMaxAge: -1})
	defer j.Close()
	scatter(t, j, rand.New(rand.NewPCG(5, 6)), 500)
	if _, err := j.w.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cur := &cursor{at.UnixMilli(), 100}
	for _, c := range []struct {
		spec  scanSpec
		index string
	}{
		{scanSpec{org: 1, from: math.MinInt64, to: math.MaxInt64}, "journal_blocks_org_time (org_id=? AND t_hi>? AND t_hi<?)"},
		{scanSpec{org: 1, from: at.UnixMilli(), to: math.MaxInt64, asc: true, cur: cur}, "journal_blocks_org_time (org_id=? AND t_hi>? AND t_hi<?)"},
		{scanSpec{org: 1, op: "leadmanagement.svc/lead.create", from: math.MinInt64, to: math.MaxInt64},
			"journal_blocks_org_op_time (org_id=? AND op_key=? AND t_hi>? AND t_hi<?)"},
		{scanSpec{org: 1, rid: "01a2486b-0c1f-7213-ab8f-978ef9d06818", from: math.MinInt64, to: math.MaxInt64},
			"journal_blocks_org_wall (org_id=? AND w_hi>? AND w_hi<?)"},
	} {
		q, args := scanSQL(&c.spec)
		if got := plan(t, j, q, args); !strings.Contains(got, c.index) {
			t.Errorf("%+v: plan %q, want %s", c.spec, got, c.index)
		}
	}
	for _, org := range []int64{1, -1} {
		q, args := seqSQL(org, 40, 40)
		if got := plan(t, j, q, args); !strings.Contains(got, "journal_blocks_seq (seq_hi>? AND seq_hi<?)") {
			t.Errorf("seq lookup, org %d: plan %q", org, got)
		}
	}
}

// plan is SQLite's query plan for q.
func plan(t *testing.T, j *Journal, q string, args []any) string {
	t.Helper()
	out, err := sqlplan.Explain(j.r, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestConvertRowsInBatches: a journal.db with more rows than one
// conversion transaction takes is converted whole, every entry readable
// by query and by id.
func TestConvertRowsInBatches(t *testing.T) {
	dir := t.TempDir()
	j := openSQLite(t, dir, Config{DefaultMaxAge: -1})
	entries := scatter(t, j, rand.New(rand.NewPCG(7, 8)), 2*indexBatch+123)
	closeToRows(t, j, dir).Close()
	j = openSQLite(t, dir, Config{DefaultMaxAge: -1})
	defer j.Close()
	for _, org := range []crm.OrgID{1, 2} {
		f := Filter{Org: org, Ascending: true, Limit: 1000}
		if diff := cmp.Diff(want(entries, f), pages(t, j, f)); diff != "" {
			t.Fatalf("org %d after conversion (-want +got):\n%s", org, diff)
		}
	}
	for _, e := range []*Entry{entries[0], entries[indexBatch], entries[len(entries)-1]} {
		if got, err := j.Get(context.Background(), e.OrgID, e.ID); err != nil || got.RequestID != e.RequestID {
			t.Errorf("Get(%d) after conversion: %+v, %v", e.ID, got, err)
		}
	}
}
