package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/localsquared/localsquared/internal/crm"
)

// On SQLite every write goes through one connection, and a commit costs
// far more than most writes: it writes every page the transaction
// dirtied to the WAL, page by page. A lead insert dirties a page in each
// of a dozen indexes; so does the next one, mostly the same pages. So
// concurrent writes share a transaction (group commit): a call joins the
// pending queue and waits; one goroutine, the writer, takes everything
// pending (up to maxGroup), runs it in one transaction, each write inside
// its own savepoint, commits once and wakes the callers. A write that
// fails is rolled back to its savepoint alone; the others commit. Nothing
// is acknowledged before the commit.
//
// The writer is a goroutine of its own rather than whichever caller
// finds the connection free: handing the connection from one caller to
// the next meant waking a goroutine and waiting for the scheduler to run
// it, and on two cores the connection sat idle for a third of a bulk
// import. The writer goes from one group to the next without waiting.
//
// If the group's transaction itself fails (the commit, a savepoint, a
// statement interrupted by its caller's cancelled context, which makes
// SQLite roll back the whole transaction), every write of the group that
// had not failed on its own is run again in a transaction of its own, as
// if there had been no group. Writes are functions of the database's
// state, written to be run again (bulk and find-or-create already do).
//
// A write sees the uncommitted writes grouped before it, exactly as it
// would see them committed without grouping: the order is the order the
// writes joined.

// groupWrite is one write waiting for its group. The writer sets settled
// and result, then closes done.
type groupWrite struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan struct{}

	settled bool
	result  error
}

// writeGroup serialises SQLite's writes into group transactions.
type writeGroup struct {
	mu      sync.Mutex
	cond    *sync.Cond // signalled when work arrives or the group closes
	pending []*groupWrite
	alone   []func() // run by the writer between groups, before pending writes
	closed  bool
	stopped chan struct{}
}

// errClosed answers a write made after Close.
var errClosed = errors.New("store: closed")

func newWriteGroup() *writeGroup {
	g := &writeGroup{stopped: make(chan struct{})}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// maxGroup bounds the writes in one transaction, so a burst does not hold
// every caller until one enormous commit.
const maxGroup = 64

// do runs fn in a transaction shared with the writes pending beside it
// and returns once that transaction is committed (or fn has failed).
func (g *writeGroup) do(ctx context.Context, fn func(tx *sql.Tx) error) error {
	w := &groupWrite{ctx: ctx, fn: fn, done: make(chan struct{})}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return crm.Internal(errClosed)
	}
	g.pending = append(g.pending, w)
	if len(g.pending) == 1 {
		g.cond.Signal()
	}
	g.mu.Unlock()
	<-w.done
	return w.result
}

// exclusive runs fn while no group is being written: writes that arrive
// meanwhile wait, as they wait for a group.
func (g *writeGroup) exclusive(fn func()) {
	done := make(chan struct{})
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		fn()
		return
	}
	g.alone = append(g.alone, func() { fn(); close(done) })
	g.cond.Signal()
	g.mu.Unlock()
	<-done
}

// run is the writer: it writes groups until the writeGroup is closed and
// nothing is left pending.
func (g *writeGroup) run(s *Store) {
	defer close(g.stopped)
	var batch []*groupWrite
	for {
		g.mu.Lock()
		for len(g.pending) == 0 && len(g.alone) == 0 && !g.closed {
			g.cond.Wait()
		}
		if len(g.alone) > 0 {
			fn := g.alone[0]
			g.alone = g.alone[1:]
			g.mu.Unlock()
			fn()
			continue
		}
		if len(g.pending) == 0 { // closed and drained
			g.mu.Unlock()
			return
		}
		n := min(len(g.pending), maxGroup)
		batch = append(batch[:0], g.pending[:n]...)
		g.pending = append(g.pending[:0], g.pending[n:]...)
		g.mu.Unlock()
		s.writeGroup(batch)
		s.auth.settle()
		s.ckpt.wrote()
		for _, w := range batch {
			close(w.done)
		}
		clear(batch)
	}
}

// close writes what is pending, stops the writer and makes later writes
// fail; a second call does nothing.
func (g *writeGroup) close() {
	g.mu.Lock()
	g.closed = true
	g.cond.Broadcast()
	g.mu.Unlock()
	<-g.stopped
}

// writeGroup runs batch as one transaction and settles every write in it.
func (s *Store) writeGroup(batch []*groupWrite) {
	settle := func(w *groupWrite, err error) { w.settled, w.result = true, err }
	if len(batch) == 1 {
		settle(batch[0], s.writeAlone(batch[0].ctx, batch[0].fn))
		return
	}
	// The group's transaction is no single caller's: it must not end
	// because one of them has gone.
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		for _, w := range batch {
			settle(w, crm.Internal(fmt.Errorf("begin: %w", err)))
		}
		return
	}
	var ok []*groupWrite // written, waiting for the commit
	broken := -1         // index of the write after which the transaction failed
	for i, w := range batch {
		if err := w.ctx.Err(); err != nil {
			settle(w, crm.Internal(fmt.Errorf("begin: %w", err)))
			continue
		}
		if _, err := tx.Exec("SAVEPOINT grouped"); err != nil {
			broken = i
			break
		}
		if err := w.fn(tx); err != nil {
			_, rerr := tx.Exec("ROLLBACK TO SAVEPOINT grouped")
			if rerr == nil {
				_, rerr = tx.Exec("RELEASE SAVEPOINT grouped")
			}
			if rerr != nil {
				broken = i
				break
			}
			settle(w, err)
			continue
		}
		if _, err := tx.Exec("RELEASE SAVEPOINT grouped"); err != nil {
			broken = i
			break
		}
		ok = append(ok, w)
	}
	if broken < 0 {
		if err := tx.Commit(); err == nil {
			for _, w := range ok {
				settle(w, nil)
			}
			return
		}
	} else {
		_ = tx.Rollback()
	}
	// The transaction is gone: run again, alone, every write it held
	// and every write it did not reach.
	for _, w := range batch {
		if !w.settled {
			settle(w, s.writeAlone(w.ctx, w.fn))
		}
	}
}
