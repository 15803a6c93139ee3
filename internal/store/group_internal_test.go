package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// groupStore opens an SQLite store with a scratch table k(v).
func groupStore(t *testing.T) *Store {
	t.Helper()
	s := emptyStore(t)
	if _, err := s.w.Exec(`CREATE TABLE k (v INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return s
}

// grouped runs writes[i] concurrently while a first write holds the
// writer, so that they queue up in index order and run as groups, and
// returns each write's error.
func grouped(s *Store, writes []func(tx *sql.Tx) error) []error {
	hold, held := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.write(context.Background(), func(tx *sql.Tx) error {
			close(held)
			<-hold
			return nil
		})
	}()
	<-held
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	// Each write joins the pending group before the next starts, so the
	// group runs them in index order; then the holder lets go.
	for i, w := range writes {
		wg.Go(func() { errs[i] = s.write(context.Background(), w) })
		for {
			s.group.mu.Lock()
			n := len(s.group.pending)
			s.group.mu.Unlock()
			if n == i+1 {
				break
			}
			runtime.Gosched()
		}
	}
	close(hold)
	wg.Wait()
	<-first
	return errs
}

func keys(t *testing.T, s *Store) []int {
	t.Helper()
	rows, err := s.r.Query(`SELECT v FROM k ORDER BY v`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// TestGroupCommitIsolatesFailures: in one group, a write that fails after
// writing is rolled back alone; the others commit; each caller gets its
// own result.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	s := groupStore(t)
	boom := errors.New("boom")
	var writes []func(tx *sql.Tx) error
	for i := range 40 {
		writes = append(writes, func(tx *sql.Tx) error {
			if _, err := tx.Exec(`INSERT INTO k (v) VALUES (?)`, i); err != nil {
				return err
			}
			if i%3 == 0 {
				return boom
			}
			return nil
		})
	}
	errs := grouped(s, writes)
	var want []int
	for i, err := range errs {
		if (i%3 == 0) != errors.Is(err, boom) || (i%3 != 0 && err != nil) {
			t.Errorf("write %d: %v", i, err)
		}
		if i%3 != 0 {
			want = append(want, i)
		}
	}
	if got := keys(t, s); !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
}

// TestGroupCommitSurvivesBrokenTransaction: when one write ends the
// group's transaction (as SQLite does when a caller's cancelled context
// interrupts a statement), every write of the group runs again alone and
// commits; the write that broke it gets its second run's result.
func TestGroupCommitSurvivesBrokenTransaction(t *testing.T) {
	s := groupStore(t)
	var runs [20]atomic.Int32
	var writes []func(tx *sql.Tx) error
	for i := range 20 {
		writes = append(writes, func(tx *sql.Tx) error {
			n := runs[i].Add(1)
			if _, err := tx.Exec(`INSERT INTO k (v) VALUES (?)`, i); err != nil {
				return err
			}
			if i == 7 && n == 1 {
				_, err := tx.Exec(`ROLLBACK`)
				return err
			}
			return nil
		})
	}
	errs := grouped(s, writes)
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	want := make([]int, 20)
	for i := range want {
		want[i] = i
	}
	if got := keys(t, s); !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	if runs[0].Load() != 2 || runs[7].Load() != 2 {
		t.Errorf("runs of writes 0 and 7: %d, %d; want 2 each (grouped, then alone)", runs[0].Load(), runs[7].Load())
	}
}

// TestGroupCommitSeesEarlierWrites: a write sees the uncommitted writes
// grouped before it, as it would see them committed.
func TestGroupCommitSeesEarlierWrites(t *testing.T) {
	s := groupStore(t)
	var writes []func(tx *sql.Tx) error
	for range 30 {
		writes = append(writes, func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO k (v) SELECT COALESCE(MAX(v), 0) + 1 FROM k`)
			return err
		})
	}
	for i, err := range grouped(s, writes) {
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if got := keys(t, s); len(got) != 30 || got[29] != 30 {
		t.Errorf("rows %v, want 1…30", got)
	}
}

// TestBackgroundCheckpoint: committed pages reach the database file
// without a write crossing the writer's own checkpoint threshold and
// without closing the store: the background checkpointer copied them.
func TestBackgroundCheckpoint(t *testing.T) {
	s := groupStore(t)
	size := func() int64 {
		fi, err := os.Stat(s.path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	// About 400 pages of rows: far below walBackstop.
	err := s.write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE blob (b BLOB)`)
		for i := 0; err == nil && i < 400; i++ {
			_, err = tx.Exec(`INSERT INTO blob VALUES (zeroblob(4000))`)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() < before+400*4000 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes after 10s, want at least %d: the WAL was not checkpointed", size(), before+400*4000)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCheckpointRestartsWAL: once the WAL passes the checkpointer's
// threshold under writes that go on, the checkpointer pauses the writer
// and completes a RESTART checkpoint (one no reader or writer held up),
// and every write made around it commits.
func TestCheckpointRestartsWAL(t *testing.T) {
	s := groupStore(t)
	s.ckpt.interval = 100 * time.Millisecond
	s.ckpt.restartAt = 64 // pages
	ctx := context.Background()
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE blob (b BLOB)`)
		for i := 0; err == nil && i < 10; i++ {
			_, err = tx.Exec(`INSERT INTO blob VALUES (zeroblob(4000))`)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Four writers each rewrite the blobs and add a key until the
	// checkpointer has restarted the WAL twice; between two of its
	// passes the WAL grows far past 64 pages.
	var wrote atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(30 * time.Second)
	for g := range 4 {
		wg.Go(func() {
			for i := 0; s.ckpt.restarts.Load() < 2 && time.Now().Before(deadline); i++ {
				err := s.write(ctx, func(tx *sql.Tx) error {
					if _, err := tx.Exec(`UPDATE blob SET b = zeroblob(4000)`); err != nil {
						return err
					}
					_, err := tx.Exec(`INSERT INTO k VALUES (?)`, g*1_000_000+i)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				wrote.Add(1)
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	if n := s.ckpt.restarts.Load(); n < 2 {
		t.Fatalf("%d RESTART checkpoints after 30s of writes, want 2", n)
	}
	if got := len(keys(t, s)); int64(got) != wrote.Load() {
		t.Errorf("%d keys after %d acknowledged writes", got, wrote.Load())
	}
}
