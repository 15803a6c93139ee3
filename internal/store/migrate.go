package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed migrations
var migrationFS embed.FS

// migrationNames lists a dialect's migration files in the order they apply.
func migrationNames(d dialect) []string {
	entries, err := fs.ReadDir(migrationFS, "migrations/"+d.name)
	if err != nil {
		panic(err) // embedded at build time; cannot fail at run time
	}
	var names []string
	for _, e := range entries {
		if path.Ext(e.Name()) == ".sql" {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// migrate applies, in order and each in its own transaction, every embedded
// migration not yet recorded in schema_migrations. Migrations are forward
// only. On PostgreSQL an advisory lock keeps two starting instances from
// migrating at once.
func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store.migrate: %w", err)
	}
	defer conn.Close()
	if s.d.name == "postgres" {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7316001)`); err != nil {
			return fmt.Errorf("store.migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7316001)`)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_on BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("store.migrate: %w", err)
	}
	applied := map[string]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("store.migrate: %w", err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("store.migrate: %w", err)
		}
		applied[n] = true
	}
	rows.Close()
	for _, name := range migrationNames(s.d) {
		if applied[name] {
			continue
		}
		body, err := migrationFS.ReadFile("migrations/" + s.d.name + "/" + name)
		if err != nil {
			return fmt.Errorf("store.migrate: %w", err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store.migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("store.migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO schema_migrations (name, applied_on) VALUES (?, ?)`),
			name, ms(s.clock.Now())); err != nil {
			tx.Rollback()
			return fmt.Errorf("store.migrate %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store.migrate %s: %w", name, err)
		}
	}
	return nil
}
