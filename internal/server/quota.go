package server

import (
	"context"
	"sync"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/quota"
	"github.com/localsquared/localsquared/internal/store"
)

// newLimiter counts in the database on PostgreSQL, so every instance on
// one database enforces one limit, and in this process on SQLite, where one
// process owns the database.
func newLimiter(st *store.Store) *quota.Limiter {
	var c quota.Counter = quota.NewMemory()
	if st.Dialect() == "postgres" {
		c = newDBCounter(st)
	}
	return quota.New(c, quota.Env{Now: st.Now, ActiveUsers: st.ActiveUserCount})
}

// dbCounter adapts the store's counters to quota.Counter. Small limits are
// counted call by call, exactly. When both of a call's limits are large
// (leaseFrom and up), the instance leases a block of limit/1000 slots in one
// statement and hands them out locally until the window or day ends, so a
// high limit costs almost nothing; slots an instance leased but did not use
// are lost, at most 0.1% of the limit per instance.
type dbCounter struct {
	st     *store.Store
	mu     sync.Mutex
	leases map[leaseKey]*lease
}

const leaseFrom = 10_000

type leaseKey struct {
	org  crm.OrgID
	bulk bool
}

type lease struct {
	window, day int64
	left        int
}

func newDBCounter(st *store.Store) *dbCounter {
	return &dbCounter{st: st, leases: map[leaseKey]*lease{}}
}

// block is how many slots to lease for limits of these sizes (1: none).
func block(limit int, dayLimit int64) int {
	k := 1
	if limit >= leaseFrom {
		k = limit / 1000
	}
	if dayLimit > 0 {
		if dayLimit < leaseFrom {
			return 1
		}
		k = min(k, int(dayLimit/1000))
	}
	return k
}

func (d *dbCounter) Take(ctx context.Context, t quota.Take) (quota.Refusal, error) {
	k := block(t.Limit, t.DayLimit)
	key := leaseKey{t.Org, t.Bulk}
	if k > 1 {
		d.mu.Lock()
		l := d.leases[key]
		if l != nil && l.window == t.WindowStart && l.day == t.Day && l.left > 0 {
			l.left--
			d.mu.Unlock()
			return quota.RefusedNone, nil
		}
		d.mu.Unlock()
		r, err := d.st.TakeQuota(ctx, t.Org, t.Bulk, t.WindowStart, t.Limit, t.Day, t.DayLimit, k)
		if err != nil {
			return 0, err
		}
		if r == store.QuotaTaken {
			d.mu.Lock()
			d.leases[key] = &lease{window: t.WindowStart, day: t.Day, left: k - 1}
			d.mu.Unlock()
			return quota.RefusedNone, nil
		}
		// Near the limit: count this call alone, exactly.
	}
	r, err := d.st.TakeQuota(ctx, t.Org, t.Bulk, t.WindowStart, t.Limit, t.Day, t.DayLimit, 1)
	switch r {
	case store.QuotaWindowRefused:
		return quota.RefusedWindow, err
	case store.QuotaDayRefused:
		return quota.RefusedDay, err
	}
	return quota.RefusedNone, err
}

func (d *dbCounter) Usage(ctx context.Context, org crm.OrgID, windowStart, day int64) (quota.Usage, error) {
	std, bulk, dayN, err := d.st.QuotaUsage(ctx, org, windowStart, day)
	return quota.Usage{Standard: std, Bulk: bulk, Day: dayN}, err
}

func (s *Server) quotaAdminEnv() quota.AdminEnv {
	return quota.AdminEnv{
		Org: s.Store.Org,
		SetPlan: func(ctx context.Context, id crm.OrgID, plan string) (*crm.Org, error) {
			return s.Store.UpdateOrg(ctx, id, store.OrgSettings{Plan: &plan})
		},
	}
}
