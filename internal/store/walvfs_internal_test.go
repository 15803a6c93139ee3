package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"
)

// walDB opens path through vfs as the store's writer does (one
// connection, WAL, synchronous=FULL), with cache pages of page cache.
func walDB(t *testing.T, path, vfs string, cache int) *sql.DB {
	t.Helper()
	if err := registerWALVFS(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"+
		"&_pragma=cache_size("+strconv.Itoa(cache)+")&_pragma=wal_autocheckpoint(0)&vfs="+vfs)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE r (k INTEGER PRIMARY KEY, v BLOB NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return db
}

// plainDB opens path through SQLite's own VFS: another connection, as a
// reader or the checkpointer is.
func plainDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// checkRows: db holds n rows, each v 3,000 bytes long, and passes
// integrity_check.
func checkRows(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	var count, sum int
	if err := db.QueryRow(`SELECT COUNT(*), COALESCE(SUM(length(v)), 0) FROM r`).Scan(&count, &sum); err != nil {
		t.Fatal(err)
	}
	if count != n || sum != n*3000 {
		t.Errorf("rows %d, bytes %d; want %d, %d", count, sum, n, n*3000)
	}
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check = %q, %v", ok, err)
	}
}

func insertRows(t *testing.T, q interface {
	Exec(string, ...any) (sql.Result, error)
}, from, to int) {
	t.Helper()
	for k := from; k <= to; k++ {
		if _, err := q.Exec(`INSERT INTO r (k, v) VALUES (?, randomblob(3000))`, k); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWALVFSGathers: a commit's frames reach the WAL in a few large
// writes, and another connection sees the commit as soon as it returns.
func TestWALVFSGathers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	db := walDB(t, path, walVFSName, 2000)
	writes, flushes := walStats.writes.Load(), walStats.flushes.Load()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	insertRows(t, tx, 1, 500)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	writes, flushes = walStats.writes.Load()-writes, walStats.flushes.Load()-flushes
	// 500 rows of 3,000 bytes are about 500 pages: 1,000 writes (a
	// header and a page each), 124 KiB (30 frames) a flush.
	if writes < 1000 || flushes == 0 || writes < 20*flushes {
		t.Errorf("%d WAL writes in %d flushes; want at least 1,000 in a twentieth as many", writes, flushes)
	}
	checkRows(t, plainDB(t, path), 500)
}

// TestWALVFSSpill: a transaction larger than the page cache spills
// frames to the WAL before its commit, reads them back, and overwrites
// some after rolling back to a savepoint; the committed database is
// exactly what the transaction left, before and after a checkpoint.
func TestWALVFSSpill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	db := walDB(t, path, walVFSName, 10)
	insertRows(t, db, 1, 50)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	insertRows(t, tx, 51, 300)
	if _, err := tx.Exec(`SAVEPOINT s`); err != nil {
		t.Fatal(err)
	}
	insertRows(t, tx, 301, 600)
	if _, err := tx.Exec(`ROLLBACK TO SAVEPOINT s`); err != nil {
		t.Fatal(err)
	}
	insertRows(t, tx, 301, 400)
	// Rewrite each row and read back the one rewritten 15 rows before:
	// its page has been spilled since and left the 10-page cache, so it is
	// read from a frame of the WAL, one still gathered in memory.
	const fill = `replace(hex(zeroblob(1500)), '0', char(65 + ? % 26))`
	for k := 1; k <= 400; k++ {
		if _, err := tx.Exec(`UPDATE r SET v = `+fill+` WHERE k = ?`, k, k); err != nil {
			t.Fatal(err)
		}
		if k <= 15 {
			continue
		}
		var same bool
		if err := tx.QueryRow(`SELECT v = `+fill+` FROM r WHERE k = ?`, k-15, k-15).Scan(&same); err != nil || !same {
			t.Fatalf("row %d read back inside the transaction: same %v, %v", k-15, same, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	plain := plainDB(t, path)
	checkRows(t, plain, 400)
	if _, err := plain.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	checkRows(t, plain, 400)
	// The WAL starts over (its header rewritten) and takes commits again.
	insertRows(t, db, 401, 420)
	checkRows(t, plain, 420)
}

// TestWALVFSSync: at durability normal a commit's sync only flushes; at
// full every commit reaches the disk.
func TestWALVFSSync(t *testing.T) {
	for _, c := range []struct {
		vfs        string
		atLeast    int64
		atMost     int64
		durability string
	}{{walVFSName, 0, 2, "normal"}, {walVFSFullName, 20, 1 << 30, "full"}} {
		path := filepath.Join(t.TempDir(), "w.db")
		db := walDB(t, path, c.vfs, 2000)
		syncs := walStats.syncs.Load()
		insertRows(t, db, 1, 20) // 20 commits
		if n := walStats.syncs.Load() - syncs; n < c.atLeast || n > c.atMost {
			t.Errorf("%s: %d WAL syncs for 20 commits; want %d to %d", c.durability, n, c.atLeast, c.atMost)
		}
		checkRows(t, plainDB(t, path), 20)
	}
}

// TestStoreDurability: Open's durability picks the VFS: at "normal" the
// writer's commits are not synced, at "full" each one is.
func TestStoreDurability(t *testing.T) {
	for _, c := range []struct {
		durability string
		synced     bool
	}{{"normal", false}, {"", false}, {"full", true}} {
		s, err := Open(context.Background(), Options{DataDir: t.TempDir(), Durability: c.durability})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.w.Exec(`CREATE TABLE k (v INTEGER PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		syncs := walStats.syncs.Load()
		for i := range 10 {
			if err := s.write(context.Background(), func(tx *sql.Tx) error {
				_, err := tx.Exec(`INSERT INTO k (v) VALUES (?)`, i)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if n := walStats.syncs.Load() - syncs; (n >= 10) != c.synced {
			t.Errorf("durability %q: %d WAL syncs for 10 commits", c.durability, n)
		}
		s.Close()
	}
}
