package journal

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// dialect is what differs between SQLite and PostgreSQL.
type dialect struct {
	name   string
	schema string
}

// The journal's schema is its own (journal.db on SQLite, journal_* tables
// on PostgreSQL) and is created idempotently at Open.
//
// Index plan: every query is scoped to one org and ordered by (time, seq),
// newest first. On PostgreSQL a row is the whole entry: journal_org_time
// serves time ranges and the filters that are checked row by row
// (status, ExceptionType, text); journal_org_op_time serves the common
// "this operation in this window" query as a pure index range, whatever
// the journal's size; journal_request_id finds one call. On SQLite the
// entries are in the spool (see spool.go) and journal_blocks indexes them
// in blocks (see block.go), with indexes to the same ends.
var (
	sqlite = dialect{name: "sqlite", schema: `
CREATE TABLE IF NOT EXISTS journal_blocks (
    id     INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    op_key TEXT    NOT NULL,
    t_lo   INTEGER NOT NULL,
    t_hi   INTEGER NOT NULL,
    w_lo   INTEGER NOT NULL,
    w_hi   INTEGER NOT NULL,
    seq_lo INTEGER NOT NULL,
    seq_hi INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    recs   BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_blocks_org_time ON journal_blocks (org_id, t_hi, t_lo);
CREATE INDEX IF NOT EXISTS journal_blocks_org_op_time ON journal_blocks (org_id, op_key, t_hi, t_lo);
CREATE INDEX IF NOT EXISTS journal_blocks_org_wall ON journal_blocks (org_id, w_hi, w_lo);
CREATE INDEX IF NOT EXISTS journal_blocks_seq ON journal_blocks (seq_hi, seq_lo);
CREATE TABLE IF NOT EXISTS journal_segments (
    seg     INTEGER PRIMARY KEY,
    entries INTEGER NOT NULL,
    bytes   INTEGER NOT NULL DEFAULT 0,
    lo      INTEGER NOT NULL DEFAULT 0,
    hi      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS journal_indexed (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS journal_usage (
    org_id  INTEGER PRIMARY KEY,
    bytes   INTEGER NOT NULL,
    entries INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS journal_settings (
    org_id     INTEGER PRIMARY KEY,
    max_age_ms INTEGER NOT NULL,
    max_bytes  INTEGER NOT NULL
);
`}
	postgres = dialect{name: "postgres", schema: `
CREATE TABLE IF NOT EXISTS journal_entries (
    seq                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time               BIGINT  NOT NULL,
    org_id             BIGINT  NOT NULL,
    user_id            TEXT    NOT NULL,
    access_key         TEXT    NOT NULL,
    method             TEXT    NOT NULL,
    path               TEXT    NOT NULL,
    operation          TEXT    NOT NULL,
    op_key             TEXT    NOT NULL,
    query              TEXT    NOT NULL,
    request_body       TEXT    NOT NULL,
    request_truncated  BIGINT  NOT NULL,
    status             BIGINT  NOT NULL,
    exception_type     TEXT    NOT NULL,
    exception_message  TEXT    NOT NULL,
    response_body      TEXT    NOT NULL,
    response_truncated BIGINT  NOT NULL,
    latency_us         BIGINT  NOT NULL,
    request_id         TEXT    NOT NULL,
    client_addr        TEXT    NOT NULL,
    user_agent         TEXT    NOT NULL,
    level              TEXT    NOT NULL,
    size               BIGINT  NOT NULL
);
-- An entry of up to a page stays in its row as written: TOAST would
-- compress every row over 2 KB (a GetById at level full), which cost the
-- writer's backend a quarter of its CPU (BENCHMARKS.md, "Journal writers
-- on PostgreSQL"). Entries are written once and read rarely.
ALTER TABLE journal_entries SET (toast_tuple_target = 8160);
CREATE INDEX IF NOT EXISTS journal_org_time ON journal_entries (org_id, time, seq);
CREATE INDEX IF NOT EXISTS journal_org_op_time ON journal_entries (org_id, op_key, time, seq);
CREATE INDEX IF NOT EXISTS journal_request_id ON journal_entries (request_id);
CREATE TABLE IF NOT EXISTS journal_usage (
    org_id  BIGINT PRIMARY KEY,
    bytes   BIGINT NOT NULL,
    entries BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS journal_settings (
    org_id     BIGINT PRIMARY KEY,
    max_age_ms BIGINT NOT NULL,
    max_bytes  BIGINT NOT NULL
);
`}
)

func (j *Journal) migrate(ctx context.Context) error {
	conn, err := j.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("journal.migrate: %w", err)
	}
	defer conn.Close()
	if j.d.name == "postgres" {
		// Two instances starting at once would race on CREATE ... IF NOT EXISTS.
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7316005)`); err != nil {
			return fmt.Errorf("journal.migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7316005)`)
	}
	if j.d.name == "sqlite" {
		// A journal.db from before the spool holds whole entries: set its
		// table aside for convertV1, which moves its entries to the spool.
		var whole int
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('journal_entries') WHERE name = 'response_body'`).Scan(&whole); err != nil {
			return fmt.Errorf("journal.migrate: %w", err)
		}
		// One from before index blocks has a row per entry: set it aside
		// for convertV2, which indexes its rows in blocks.
		var rows int
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('journal_entries') WHERE name = 'seg'`).Scan(&rows); err != nil {
			return fmt.Errorf("journal.migrate: %w", err)
		}
		set := map[bool]string{true: "journal_entries_v1", false: "journal_entries_v2"}[whole > 0]
		if whole > 0 || rows > 0 {
			if _, err := conn.ExecContext(ctx, `DROP INDEX IF EXISTS journal_org_time; DROP INDEX IF EXISTS journal_org_op_time;
				DROP INDEX IF EXISTS journal_request_id; ALTER TABLE journal_entries RENAME TO `+set); err != nil {
				return fmt.Errorf("journal.migrate: %w", err)
			}
		}
	}
	if _, err := conn.ExecContext(ctx, j.d.schema); err != nil {
		return fmt.Errorf("journal.migrate: %w", err)
	}
	if j.d.name == "sqlite" {
		return addSegmentBytes(ctx, conn)
	}
	return nil
}

// addSegmentBytes gives a journal_segments table from before compaction
// its bytes, lo and hi columns, filled from the index rows (set aside by
// migrate in journal_entries_v2). Such a
// journal has only spool segments, each holding the seqs from its name
// up to the next one's, so each row's sums read one range of seqs.
func addSegmentBytes(ctx context.Context, conn *sql.Conn) error {
	var has int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('journal_segments') WHERE name = 'hi'`).Scan(&has); err != nil {
		return fmt.Errorf("journal.migrate: %w", err)
	}
	if has > 0 {
		return nil
	}
	_, err := conn.ExecContext(ctx, `BEGIN;
		ALTER TABLE journal_segments ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
		ALTER TABLE journal_segments ADD COLUMN lo INTEGER NOT NULL DEFAULT 0;
		ALTER TABLE journal_segments ADD COLUMN hi INTEGER NOT NULL DEFAULT 0;
		UPDATE journal_segments AS s SET (bytes, lo, hi) = (
			SELECT COALESCE(SUM(e.len), 0), COALESCE(MIN(e.seq), s.seg), COALESCE(MAX(e.seq), s.seg) FROM journal_entries_v2 e
			WHERE e.seq >= s.seg AND e.seq < COALESCE((SELECT MIN(n.seg) FROM journal_segments n WHERE n.seg > s.seg), 9223372036854775807)
			AND e.seg = s.seg);
		COMMIT`)
	if err != nil {
		_, _ = conn.ExecContext(ctx, `ROLLBACK`)
		return fmt.Errorf("journal.migrate: segment bytes: %w", err)
	}
	return nil
}

// q rewrites ? placeholders as $1, $2… on PostgreSQL.
func (d dialect) q(query string) string {
	if d.name != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}
