// Package sqlplan reads SQLite's query plans, for tests that hold a
// statement to the index it must use.
package sqlplan

import (
	"context"
	"database/sql"
	"strings"
)

// Querier is what Explain reads the plan through (a *sql.DB, or the
// store's statement-caching reader pool).
type Querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// Explain returns SQLite's plan for q (EXPLAIN QUERY PLAN), its lines
// joined by " | ". args stand for q's placeholders; without them, nil
// values do.
func Explain(db Querier, q string, args ...any) (string, error) {
	if len(args) == 0 {
		args = make([]any, strings.Count(q, "?")) // placeholders need values, unused by EXPLAIN
	}
	rows, err := db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, " | "), rows.Err()
}
