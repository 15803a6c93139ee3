package journal_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/journal"
	"github.com/localsquared/localsquared/internal/store/storetest"
)

// TestPostgresEntriesStayWhole: on PostgreSQL an entry of a few KB (a
// GetById's at level full) is stored as written, neither compressed nor
// moved out of its row, so that the writer's backend does not compress
// every call's response on the way in.
func TestPostgresEntriesStayWhole(t *testing.T) {
	opts := storetest.Options(t, "postgres")
	ctx := context.Background()
	j, err := journal.Open(ctx, journal.Config{DataDir: t.TempDir(), DatabaseURL: opts.DatabaseURL, PruneInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	// 4 KB of lead JSON compresses well: TOAST would compress it.
	body := `{"Status":"Success","Message":[` + strings.Repeat(`{"Attribute":"mx_Field","Value":"some value"},`, 90) + `{}]}`
	e := &journal.Entry{Time: time.Now().UTC(), OrgID: crm.OrgID(1), Method: "GET", Path: "/v2/LeadManagement.svc/Leads.GetById",
		Operation: "LeadManagement.svc/Leads.GetById", Status: 200, ResponseBody: body, RequestID: crm.NewID(), Level: "full"}
	if err := j.Record(e); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", opts.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var compressed sql.NullString
	var toasted int64
	err = db.QueryRowContext(ctx, `SELECT pg_column_compression(response_body),
		(SELECT COALESCE(SUM(pg_relation_size(reltoastrelid)), 0) FROM pg_class WHERE oid = 'journal_entries'::regclass)
		FROM journal_entries WHERE request_id = $1`, e.RequestID).Scan(&compressed, &toasted)
	if err != nil {
		t.Fatal(err)
	}
	if compressed.Valid || toasted != 0 {
		t.Errorf("a %d-byte response body: compression %q, TOAST table %d bytes; want neither", len(body), compressed.String, toasted)
	}
}
