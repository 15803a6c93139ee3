package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/localsquared/localsquared/internal/crm"
)

// On SQLite every write goes through one connection, and a commit costs
// far more than most writes: it writes every page the transaction
// dirtied to the WAL, page by page. A lead insert dirties a page in each
// of a dozen indexes; so does the next one, mostly the same pages. So
// concurrent writes share a transaction (group commit): a call joins the
// pending group and, when no group is being written, leads: it runs every
// pending write in one transaction, each inside its own savepoint, and
// commits once. A write that fails is rolled back to its savepoint alone;
// the others commit. Nothing is acknowledged before the commit.
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

// groupWrite is one write waiting for its group. done and err are
// guarded by the writeGroup's mu; the leader works on settled and result.
type groupWrite struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done bool
	err  error

	settled bool
	result  error
}

// writeGroup serialises SQLite's writes into group transactions.
type writeGroup struct {
	mu      sync.Mutex
	cond    *sync.Cond
	busy    bool // a leader is writing a group
	pending []*groupWrite
	spare   []*groupWrite
}

func newWriteGroup() *writeGroup {
	g := &writeGroup{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// maxGroup bounds the writes in one transaction, so a burst does not hold
// every caller until one enormous commit.
const maxGroup = 64

// do runs fn in a transaction shared with the writes pending beside it
// and returns once that transaction is committed (or fn has failed).
func (g *writeGroup) do(s *Store, ctx context.Context, fn func(tx *sql.Tx) error) error {
	w := &groupWrite{ctx: ctx, fn: fn}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pending = append(g.pending, w)
	for !w.done {
		if g.busy {
			g.cond.Wait()
			continue
		}
		n := min(len(g.pending), maxGroup)
		batch := append(g.spare[:0], g.pending[:n]...)
		g.pending = append(g.pending[:0], g.pending[n:]...)
		g.spare = nil
		g.busy = true
		g.mu.Unlock()
		s.writeGroup(batch)
		s.auth.settle()
		s.ckpt.wrote()
		g.mu.Lock()
		for _, b := range batch {
			b.done, b.err = true, b.result
		}
		clear(batch)
		g.spare = batch
		g.busy = false
		g.cond.Broadcast()
	}
	return w.err
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
