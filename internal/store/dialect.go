package store

import (
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite3 "modernc.org/sqlite"
)

// dialect is what differs between SQLite and PostgreSQL. Queries are written
// once with ? placeholders; q rewrites them for PostgreSQL.
type dialect struct {
	name      string
	forUpdate string // row-lock suffix for SELECTs inside write transactions
	// forNoKeyUpdate locks a row whose key stays (a lead whose score or
	// values change); forKeyShare keeps a row from being deleted while a
	// row naming it commits. The two do not conflict with each other; both
	// conflict with a delete. Empty on SQLite, whose single writer
	// serialises.
	forNoKeyUpdate, forKeyShare string
	jsonText                    func(col, key string) string
	collateC                    string // makes PostgreSQL compare text byte-wise, as SQLite does, matching the key indexes whatever the locale
}

var (
	sqlite = dialect{
		name:      "sqlite",
		forUpdate: "",
		jsonText: func(col, key string) string {
			return "json_extract(" + col + ", '$.\"" + key + "\"')"
		},
	}
	postgres = dialect{
		name:           "postgres",
		forUpdate:      " FOR UPDATE",
		forNoKeyUpdate: " FOR NO KEY UPDATE",
		forKeyShare:    " FOR KEY SHARE",
		collateC:       ` COLLATE "C"`,
		jsonText: func(col, key string) string {
			return "(" + col + "::jsonb ->> '" + key + "')"
		},
	}
)

var rebound sync.Map // query text → PostgreSQL text

// q returns query with ? placeholders rewritten as $1, $2… for PostgreSQL.
// Queries never contain ? inside string literals.
func (d dialect) q(query string) string {
	if d.name != "postgres" {
		return query
	}
	if v, ok := rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
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
	out := b.String()
	rebound.Store(query, out)
	return out
}

// deadlock reports whether err is PostgreSQL's deadlock_detected: the
// server rolled the transaction back to break a lock cycle, and running it
// again succeeds.
func deadlock(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "40P01"
}

// uniqueViolation reports whether err is a unique-constraint violation and
// returns text naming the constraint or its columns (SQLite names columns,
// PostgreSQL the index), for the caller to map to a field.
func uniqueViolation(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName, pe.Code == "23505"
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		// SQLITE_CONSTRAINT_UNIQUE (2067) or SQLITE_CONSTRAINT_PRIMARYKEY (1555)
		if se.Code() == 2067 || se.Code() == 1555 {
			return se.Error(), true
		}
	}
	return "", false
}
