package store

import (
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
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
// copies what is committed and leaves the rest for the next one. A page
// written by many commits between two checkpoints is copied once, so
// the interval is long enough for a bulk load's hot index pages to be
// rewritten many times in the WAL before they are copied: a 1,000,000-row
// import rewrites every leaf of the name and company indexes within a
// second, and checkpointing every 4 s instead of every second took it
// from 118 to 109 s.
//
// The WAL only starts again from its beginning once a checkpoint has
// copied all of it, which a passive checkpoint never manages while
// writes go on. So once the WAL holds walRestart pages the checkpointer
// follows its passive pass with a second one and then, with the group
// writer paused (waiting on SQLite's busy timeout instead lost that race
// to the writer for seconds at a time, while the WAL grew past a
// gigabyte), a RESTART: it copies the few pages committed since the
// second pass and lets the next write start the WAL over, so the WAL
// file stays within walRestart pages and one interval's writes however
// long a load runs. The writer
// keeps an automatic checkpoint at walBackstop pages, which bounds the
// WAL if the checkpointer ever falls behind.

const (
	ckptInterval = 4 * time.Second
	walRestart   = 65536  // pages: 256 MiB of WAL
	walBackstop  = 262144 // pages: 1 GiB of WAL
)

type checkpointer struct {
	once  sync.Once
	db    *sql.DB
	pause func(func()) // runs its argument while no write is in progress

	interval  time.Duration // ckptInterval; shortened by tests
	restartAt int           // walRestart; lowered by tests
	restarts  atomic.Int64  // RESTART checkpoints that completed
	kick      chan struct{}
	quit      chan struct{}
	done      chan struct{}
}

func startCheckpointer(path string, pause func(func())) (*checkpointer, error) {
	// A RESTART waits for the readers still reading the WAL, with the
	// writer paused: a short busy timeout bounds that pause, and a RESTART
	// that gives up is tried again after the next interval.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(250)")
	if err != nil {
		return nil, fmt.Errorf("store.Open: checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	c := &checkpointer{db: db, pause: pause, interval: ckptInterval, restartAt: walRestart, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
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
		t.Reset(c.interval)
		select {
		case <-c.quit:
			t.Stop()
			return
		case <-t.C:
		}
		// A failed checkpoint loses nothing: the pages stay in the WAL
		// for the next one, or for the writer's own at walBackstop.
		if _, log, err := c.checkpoint("PASSIVE"); err == nil && log >= c.restartAt {
			// A second pass copies what was committed during the
			// first, so the writer pauses only for the little
			// committed during the second.
			if _, _, err := c.checkpoint("PASSIVE"); err == nil {
				c.pause(c.restart)
			}
		}
	}
}

// restart copies the whole WAL so that the next write starts it over.
func (c *checkpointer) restart() {
	if busy, _, err := c.checkpoint("RESTART"); err == nil && busy == 0 {
		c.restarts.Add(1)
	}
}

// checkpoint runs one checkpoint in mode and returns whether it was held
// up (busy, 1) and the WAL's size in pages before it.
func (c *checkpointer) checkpoint(mode string) (busy, log int, err error) {
	var copied int
	err = c.db.QueryRow("PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &log, &copied)
	return busy, log, err
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
