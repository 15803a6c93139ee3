package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestActivitiesByLeadMigration: migration 0012 rebuilds an existing
// SQLite activities table keyed by lead and keeps every row and every
// ProspectActivityAutoId; the next activity continues the numbering.
func TestActivitiesByLeadMigration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "localsquared.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_on BIGINT NOT NULL)`)
	for _, name := range migrationNames(sqlite) {
		if name >= "0012" {
			break
		}
		body, err := migrationFS.ReadFile("migrations/sqlite/" + name)
		if err != nil {
			t.Fatal(err)
		}
		exec(string(body))
		exec(`INSERT INTO schema_migrations (name, applied_on) VALUES (?, 0)`, name)
	}
	exec(`INSERT INTO orgs (id, name, created_on) VALUES (1, 'Old', 0), (2, 'Other', 0)`)
	// Posted in an order that interleaves the leads and their dates, with a
	// gap in the numbering where an activity was deleted.
	for _, r := range []struct {
		auto      int64
		org       int
		lead      string
		on        int64
		fields    string
		data      any
		engage    int
		locked    int
		createdOn int64
	}{
		{1, 1, "lead-b", 500, `{"mx_Custom_1":"x"}`, nil, 1, 0, 10},
		{2, 1, "lead-a", 900, `{}`, `{"k":"v"}`, 0, 1, 11},
		{3, 2, "lead-a", 100, `{}`, nil, 0, 0, 12},
		{5, 1, "lead-a", 300, `{"mx_Custom_2":"y"}`, nil, 2, 0, 13},
		{6, 1, "lead-b", 500, `{}`, nil, 0, 0, 14},
		{7, 1, "lead-a", 900, `{}`, nil, 0, 0, 15},
	} {
		exec(`INSERT INTO activities (auto_id, id, org_id, lead_id, code, note, status, owner_id, score, engagement, fields, data,
			locked, created_by, modified_by, activity_on, created_on, modified_on)
			VALUES (?, ?, ?, ?, 200, 'n', 's', 'o', 3, ?, ?, ?, ?, 'c', 'm', ?, ?, ?)`,
			r.auto, "act-"+string(rune('0'+r.auto)), r.org, r.lead, r.engage, r.fields, r.data, r.locked, r.on, r.createdOn, r.createdOn+1)
	}
	rows := func(db *sql.DB, order string) [][]any {
		t.Helper()
		rs, err := db.QueryContext(ctx, `SELECT org_id, `+activityColumns+` FROM activities ORDER BY `+order)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		var out [][]any
		for rs.Next() {
			v := make([]any, 18)
			p := make([]any, len(v))
			for i := range v {
				p[i] = &v[i]
			}
			if err := rs.Scan(p...); err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := rows(db, "auto_id")
	db.Close()

	s, err := Open(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if diff := cmp.Diff(before, rows(s.w, "auto_id")); diff != "" {
		t.Errorf("rows changed by the migration (-before +after):\n%s", diff)
	}
	// Stored in key order: a plain scan returns org, lead, date, auto_id order.
	var got []int64
	for _, r := range rows(s.w, "org_id, lead_id, activity_on, auto_id") {
		got = append(got, r[1].(int64))
	}
	if want := []int64{5, 2, 7, 1, 6, 3}; !cmp.Equal(got, want) {
		t.Errorf("key order: auto ids %v, want %v", got, want)
	}
	var ddl string
	if err := s.w.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'activities'`).Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(ddl, "WITHOUT ROWID") || !strings.Contains(ddl, "PRIMARY KEY (org_id, lead_id, activity_on, auto_id)") {
		t.Errorf("activities after the migration:\n%s", ddl)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	next, err := s.reserveAutoIDs(ctx, tx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if next != 8 {
		t.Errorf("next ProspectActivityAutoId %d, want 8", next)
	}
}
