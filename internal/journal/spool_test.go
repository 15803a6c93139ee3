package journal

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/localsquared/localsquared/internal/crm"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openSQLite(t *testing.T, dir string, cfg Config) *Journal {
	t.Helper()
	cfg.DataDir, cfg.Logger, cfg.PruneInterval = dir, quiet, -1
	j, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// sample is an entry with every field set; i varies the texts.
func sample(org crm.OrgID, i int, at time.Time) *Entry {
	return &Entry{
		Time: at.Add(time.Duration(i) * time.Millisecond).UTC(), OrgID: org, UserID: "user-1", AccessKey: "u$ak1",
		Method: "POST", Path: "/v2/LeadManagement.svc/Lead.Create", Operation: "LeadManagement.svc/Lead.Create",
		Query: fmt.Sprintf("n=%d", i), RequestBody: fmt.Sprintf(`[{"Attribute":"EmailAddress","Value":"l%d@example.com"}]`, i),
		RequestTruncated: i%3 == 0, Status: 200 + i%2*300, ExceptionType: "", ExceptionMessage: "",
		ResponseBody: `{"Status":"Success","Message":{"Id":"lead-` + fmt.Sprint(i) + `"}}`, ResponseTruncated: i%5 == 0,
		Latency: time.Duration(i) * time.Microsecond, RequestID: fmt.Sprintf("req-%d", i), ClientAddr: "127.0.0.1",
		UserAgent: "test/1 ünïcode", Level: crm.JournalFull,
	}
}

var entryCmp = cmpopts.IgnoreUnexported(Entry{})

func TestRecordRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	cases := []*Entry{sample(7, 1, at), sample(7, 3, at), {ID: 1, Time: at}, func() *Entry {
		e := sample(1<<40, 5, at)
		e.ResponseBody = strings.Repeat("é", 40_000)
		e.Latency = -time.Millisecond // clocks can step back; it must survive
		return e
	}()}
	for i, e := range cases {
		e.ID = int64(i + 1)
		b := appendRecord(nil, e)
		got, err := decodeRecord(b[8:])
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if d := cmp.Diff(e, got, entryCmp); d != "" {
			t.Errorf("case %d: round trip (-want +got):\n%s", i, d)
		}
		for cut := range len(b) - 8 {
			if _, err := decodeRecord(b[8 : 8+cut]); err == nil {
				t.Fatalf("case %d: a payload cut to %d bytes decoded", i, cut)
			}
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		e := sample(3, i, at)
		e.ID = int64(i + 1)
		f.Add(appendRecord(nil, e)[8:])
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		e, err := decodeRecord(p)
		if err != nil {
			return
		}
		again, err := decodeRecord(appendRecord(nil, e)[8:])
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if d := cmp.Diff(e, again, entryCmp); d != "" {
			t.Fatalf("re-encoding changed the entry (-first +second):\n%s", d)
		}
	})
}

// spoolWithout writes entries straight into a segment of dir's spool, as
// a run that stopped before indexing them would have left them.
func spoolWithout(t *testing.T, dir string, entries []*Entry) string {
	t.Helper()
	sp, err := openSpool(filepath.Join(dir, "journal.spool"), false, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.append(entries); err != nil {
		t.Fatal(err)
	}
	if err := sp.close(); err != nil {
		t.Fatal(err)
	}
	return segmentPath(sp.dir, entries[0].ID)
}

func all(t *testing.T, j *Journal, org crm.OrgID) []Entry {
	t.Helper()
	var got []Entry
	if err := j.Each(context.Background(), Filter{Org: org, Ascending: true}, func(e *Entry) error {
		got = append(got, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestRecoverSpool: entries in the spool that journal.db lacks are
// indexed at Open, a torn record at the end of a segment is cut off, and
// numbering goes on after the last whole record.
func TestRecoverSpool(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var want []*Entry
	for i := range 10 {
		e := sample(4, i, at)
		e.ID = int64(i + 1)
		want = append(want, e)
	}
	seg := spoolWithout(t, dir, want)
	whole, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	torn := appendRecord(nil, &Entry{ID: 11, Time: at, OrgID: 4, ResponseBody: "never acknowledged"})
	if err := os.WriteFile(seg, append(whole, torn[:len(torn)-3]...), 0o600); err != nil {
		t.Fatal(err)
	}

	j := openSQLite(t, dir, Config{})
	got := all(t, j, 4)
	wantVals := make([]Entry, len(want))
	for i, e := range want {
		wantVals[i] = *e
	}
	if d := cmp.Diff(wantVals, got, entryCmp); d != "" {
		t.Errorf("recovered entries (-want +got):\n%s", d)
	}
	if fi, err := os.Stat(seg); err != nil || fi.Size() != int64(len(whole)) {
		t.Errorf("torn tail not cut: size %v, err %v; want %d", fi.Size(), err, len(whole))
	}
	u, err := j.Usage(context.Background(), 4)
	if err != nil || u.Entries != 10 {
		t.Errorf("usage after recovery = %+v, %v; want 10 entries", u, err)
	}
	next := sample(4, 99, at)
	if err := j.Record(next); err != nil {
		t.Fatal(err)
	}
	if next.ID != 11 {
		t.Errorf("first entry after recovery got seq %d, want 11", next.ID)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	// A clean reopen indexes nothing twice.
	j = openSQLite(t, dir, Config{})
	defer j.Close()
	if got := all(t, j, 4); len(got) != 11 || got[10].ResponseBody != next.ResponseBody {
		t.Errorf("after reopening: %d entries, want 11 ending with the new one", len(got))
	}
}

// v1Schema is journal.db's table before the spool, with whole entries.
const v1Schema = `
CREATE TABLE journal_entries (
    seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, org_id INTEGER NOT NULL, user_id TEXT NOT NULL,
    access_key TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, operation TEXT NOT NULL,
    op_key TEXT NOT NULL, query TEXT NOT NULL, request_body TEXT NOT NULL, request_truncated INTEGER NOT NULL,
    status INTEGER NOT NULL, exception_type TEXT NOT NULL, exception_message TEXT NOT NULL,
    response_body TEXT NOT NULL, response_truncated INTEGER NOT NULL, latency_us INTEGER NOT NULL,
    request_id TEXT NOT NULL, client_addr TEXT NOT NULL, user_agent TEXT NOT NULL, level TEXT NOT NULL,
    size INTEGER NOT NULL);
CREATE INDEX journal_org_time ON journal_entries (org_id, time);
CREATE INDEX journal_org_op_time ON journal_entries (org_id, op_key, time);
CREATE INDEX journal_request_id ON journal_entries (request_id);
CREATE TABLE journal_usage (org_id INTEGER PRIMARY KEY, bytes INTEGER NOT NULL, entries INTEGER NOT NULL);
CREATE TABLE journal_settings (org_id INTEGER PRIMARY KEY, max_age_ms INTEGER NOT NULL, max_bytes INTEGER NOT NULL);`

// TestConvertV1: a journal.db holding whole entries is converted at Open:
// every entry keeps its seq and fields, usage is not counted twice, the
// old table is gone, and new entries number on.
func TestConvertV1(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(v1Schema); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var want []Entry
	if _, err := db.Exec(`BEGIN`); err != nil {
		t.Fatal(err)
	}
	for i := range 7003 { // more than one conversion batch
		e := sample(9, i, at)
		e.ID = int64(2*i + 5) // gaps, as retention leaves
		if _, err := db.Exec(`INSERT INTO journal_entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			e.ID, e.Time.UnixMilli(), 9, e.UserID, e.AccessKey, e.Method, e.Path, e.Operation, strings.ToLower(e.Operation),
			e.Query, e.RequestBody, boolInt(e.RequestTruncated), e.Status, e.ExceptionType, e.ExceptionMessage,
			e.ResponseBody, boolInt(e.ResponseTruncated), e.Latency.Microseconds(), e.RequestID, e.ClientAddr,
			e.UserAgent, e.Level, e.size()); err != nil {
			t.Fatal(err)
		}
		want = append(want, *e)
	}
	if _, err := db.Exec(`INSERT INTO journal_usage VALUES (9, 123456, 7003); COMMIT`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	j := openSQLite(t, dir, Config{DefaultMaxAge: -1})
	defer j.Close()
	if d := cmp.Diff(want, all(t, j, 9), entryCmp); d != "" {
		t.Errorf("converted entries (-want +got):\n%s", d)
	}
	u, err := j.Usage(context.Background(), 9)
	if err != nil || u != (Usage{Entries: 7003, Bytes: 123456}) {
		t.Errorf("usage = %+v, %v; want it unchanged", u, err)
	}
	var n int
	if err := j.r.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'journal_entries_v1'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("old table still there (%d, %v)", n, err)
	}
	e := sample(9, 1, at)
	if err := j.Record(e); err != nil {
		t.Fatal(err)
	}
	if last := want[len(want)-1].ID; e.ID != last+1 {
		t.Errorf("new entry got seq %d, want %d", e.ID, last+1)
	}
	if got, err := j.Get(context.Background(), 9, want[100].ID); err != nil || got.RequestBody != want[100].RequestBody {
		t.Errorf("Get(%d) = %+v, %v", want[100].ID, got, err)
	}
}

// TestRetentionDropsSegments: once retention has deleted every entry of
// a segment, its file goes; the segment being written stays.
func TestRetentionDropsSegments(t *testing.T) {
	dir := t.TempDir()
	j := openSQLite(t, dir, Config{SegmentSize: 4 << 10, DefaultMaxAge: -1})
	defer j.Close()
	ctx := context.Background()
	at := time.Now().Add(-time.Hour)
	for i := range 300 {
		if err := j.Record(sample(5, i, at)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 300 {
		if err := j.Record(sample(6, i, at)); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := segments(j.sp.dir)
	if len(before) < 10 {
		t.Fatalf("%d segments; the test needs many", len(before))
	}
	// Org 5 keeps nothing older than a minute: its entries, the older
	// half of the segments, go.
	if err := j.SetRetention(ctx, 5, Retention{MaxAge: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if n, err := j.Prune(ctx); err != nil || n != 300 {
		t.Fatalf("Prune = %d, %v; want 300", n, err)
	}
	after, _ := segments(j.sp.dir)
	if len(after) >= len(before) || len(after) == 0 {
		t.Fatalf("segments %d → %d; want fewer, not none", len(before), len(after))
	}
	if got := all(t, j, 6); len(got) != 300 {
		t.Errorf("org 6 has %d entries after org 5's pruning, want 300", len(got))
	}
	if got := all(t, j, 5); len(got) != 0 {
		t.Errorf("org 5 has %d entries, want 0", len(got))
	}
	// Then org 6 too: only the segment being written remains.
	if err := j.SetRetention(ctx, 6, Retention{MaxAge: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if left, _ := segments(j.sp.dir); len(left) != 1 || left[0] != j.sp.cur.Load() {
		t.Errorf("segments left %v, want only the current one %d", left, j.sp.cur.Load())
	}
}

// TestTextFilterReadsSpool: text filters match query strings, bodies and
// messages case-insensitively, and paging through matches is complete.
func TestTextFilterReadsSpool(t *testing.T) {
	j := openSQLite(t, t.TempDir(), Config{})
	defer j.Close()
	at := time.Now()
	for i := range 40 {
		e := sample(8, i, at)
		if i%4 == 0 {
			e.ResponseBody = `{"Id":"Needle-` + fmt.Sprint(i) + `"}`
		}
		if err := j.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	f := Filter{Org: 8, Text: "nEEDLE", Limit: 3, Ascending: true}
	for {
		p, err := j.Query(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Entries {
			ids = append(ids, e.ResponseBody)
		}
		if p.Next == "" {
			break
		}
		f.Cursor = p.Next
	}
	if len(ids) != 10 || ids[0] != `{"Id":"Needle-0"}` || ids[9] != `{"Id":"Needle-36"}` {
		t.Errorf("matches %q, want the 10 needles in order", ids)
	}
}
