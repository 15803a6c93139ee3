package store

import (
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// On SQLite a commit appends the pages it changed to the WAL, and the
// WAL is copied back into the database file by a checkpoint. By default
// the committing connection runs that checkpoint itself, inside the
// commit that takes the WAL past 1,000 pages, with an fsync of the
// database file: under a bulk import that was a fifth of the writer's
// time, spent while every other write waited.
//
// So a goroutine of its own, on a connection of its own, checkpoints in
// the background, at most every ckptInterval while writes go on. SQLite
// lets a passive checkpoint run beside the writer and the readers; it
// copies what is committed and leaves the rest for the next one. The
// writer keeps an automatic checkpoint, at walBackstop pages: it restarts
// the WAL from its beginning, which a background checkpoint cannot do
// while writes never pause, and it bounds the WAL if the background ever
// falls behind.

const (
	ckptInterval = 100 * time.Millisecond
	walBackstop  = 8192 // pages: 32 MiB of WAL
)

type checkpointer struct {
	once sync.Once
	db   *sql.DB
	kick chan struct{}
	quit chan struct{}
	done chan struct{}
}

func startCheckpointer(path string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("store.Open: checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

// wrote tells the checkpointer that a group's transaction has ended.
func (c *checkpointer) wrote() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTimer(ckptInterval)
	t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-c.kick:
		}
		t.Reset(ckptInterval)
		select {
		case <-c.quit:
			t.Stop()
			return
		case <-t.C:
		}
		// A failed checkpoint loses nothing: the pages stay in the WAL
		// for the next one, or for the writer's own at walBackstop.
		_, _ = c.db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// close stops the checkpointer; a second call does nothing.
func (c *checkpointer) close() error {
	var err error
	c.once.Do(func() {
		close(c.quit)
		<-c.done
		err = c.db.Close()
	})
	return err
}
