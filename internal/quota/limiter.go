package quota

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

// Window is the length of LeadSquared's burst window.
const Window = 5 * time.Second

// Take is one call's request to count against an org's limits.
type Take struct {
	Org         crm.OrgID
	Bulk        bool  // counts in the bulk bucket instead of the standard one
	WindowStart int64 // ms, start of the 5-second window
	Limit       int   // the bucket's limit per window
	Day         int64 // ms, midnight UTC (org clock) of the call's day
	DayLimit    int64 // 0: no daily cap
}

// Counter counts calls. Take counts the call in its window bucket and its
// day, atomically, only if neither is full; when it refuses, it reports
// which one was full. Implementations must be safe for concurrent use.
type Counter interface {
	Take(ctx context.Context, t Take) (refused Refusal, err error)
	Usage(ctx context.Context, org crm.OrgID, windowStart, day int64) (Usage, error)
}

// Refusal says why a call was refused: RefusedNone when it was counted.
type Refusal int

const (
	RefusedNone Refusal = iota
	RefusedWindow
	RefusedDay
)

// Usage is an org's current counts.
type Usage struct {
	WindowStart int64 `json:"-"`
	Standard    int   `json:"standard"`
	Bulk        int   `json:"bulk"`
	Day         int64 `json:"day"`
}

// Env is what the limiter needs from the rest of the server.
type Env struct {
	// Now returns the org's current time (store clock plus the org's offset).
	Now func(org *crm.Org) time.Time
	// ActiveUsers counts the org's active users, for per-user daily allowances.
	ActiveUsers func(ctx context.Context, org crm.OrgID) (int, error)
}

// Limiter enforces plans; it implements lsqapi.Limiter.
type Limiter struct {
	counter Counter
	env     Env

	mu    sync.Mutex
	plans map[string]Plan // parsed plan strings
	users map[crm.OrgID]userCount
}

type userCount struct {
	n  int
	at time.Time
}

// userTTL bounds how stale the active-user count behind per-user daily
// allowances may be.
const userTTL = 10 * time.Second

// New returns a limiter counting with c.
func New(c Counter, env Env) *Limiter {
	return &Limiter{counter: c, env: env, plans: map[string]Plan{}, users: map[crm.OrgID]userCount{}}
}

// RateLimitError is a refused call: KindRateLimited with Retry-After.
type RateLimitError struct {
	err        crm.Error
	retryAfter int
}

func (e *RateLimitError) Error() string { return e.err.Msg }

// RetryAfterSeconds is the whole seconds until the refused bucket resets.
func (e *RateLimitError) RetryAfterSeconds() int { return e.retryAfter }

// Unwrap exposes the crm error for crm.KindOf.
func (e *RateLimitError) Unwrap() error { return &e.err }

func (l *Limiter) plan(s string) (Plan, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := l.plans[s]; ok {
		return p, nil
	}
	p, err := ParsePlan(s)
	if err != nil {
		return p, err
	}
	l.plans[s] = p
	return p, nil
}

// activeUsers is cached for userTTL of the org's clock, so moving the
// clock (as tests do) refreshes it too.
func (l *Limiter) activeUsers(ctx context.Context, org *crm.Org) (int, error) {
	now := l.env.Now(org)
	l.mu.Lock()
	uc, ok := l.users[org.ID]
	l.mu.Unlock()
	if ok && now.Sub(uc.at) < userTTL && now.Sub(uc.at) >= 0 {
		return uc.n, nil
	}
	n, err := l.env.ActiveUsers(ctx, org.ID)
	if err != nil {
		return 0, err
	}
	l.mu.Lock()
	l.users[org.ID] = userCount{n, now}
	l.mu.Unlock()
	return n, nil
}

// Allow counts one call of org, in the bulk bucket when bulk is true, and
// returns nil, or a *RateLimitError when a limit is reached (the call is
// then not counted). Unlimited orgs cost nothing.
func (l *Limiter) Allow(ctx context.Context, org *crm.Org, bulk bool) error {
	if org.Plan == "" || org.Plan == "unlimited" {
		return nil
	}
	p, err := l.plan(org.Plan)
	if err != nil {
		return crm.Internal(fmt.Errorf("quota: org %d: %w", org.ID, err))
	}
	if p.Unlimited() {
		return nil
	}
	now := l.env.Now(org)
	t := Take{Org: org.ID, Bulk: bulk, Limit: p.Per5s}
	if bulk {
		t.Limit = p.BulkPer5s
	}
	nowMS := now.UnixMilli()
	t.WindowStart = nowMS - nowMS%Window.Milliseconds()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	t.Day = day.UnixMilli()
	if p.DailyBase > 0 {
		users := 0
		if p.PerUserDaily > 0 {
			if users, err = l.activeUsers(ctx, org); err != nil {
				return err
			}
		}
		t.DayLimit = p.DailyLimit(users)
	}
	refused, err := l.counter.Take(ctx, t)
	if err != nil {
		return crm.Internal(fmt.Errorf("quota.Allow: %w", err))
	}
	switch refused {
	case RefusedWindow:
		wait := t.WindowStart + Window.Milliseconds() - nowMS
		return &RateLimitError{crm.Error{Kind: crm.KindRateLimited,
			Msg: fmt.Sprintf("API calls exceeded the limit of %d in 5 second(s)", t.Limit)}, ceilSeconds(wait)}
	case RefusedDay:
		wait := day.Add(24*time.Hour).UnixMilli() - nowMS
		return &RateLimitError{crm.Error{Kind: crm.KindRateLimited,
			Msg: fmt.Sprintf("API calls exceeded the limit of %d in 1 day(s)", t.DayLimit)}, ceilSeconds(wait)}
	}
	return nil
}

func ceilSeconds(ms int64) int { return int(max(1, (ms+999)/1000)) }

// Usage returns the org's plan and current counts.
func (l *Limiter) Usage(ctx context.Context, org *crm.Org) (Plan, Usage, int64, error) {
	p, err := l.plan(org.Plan)
	if err != nil {
		return p, Usage{}, 0, err
	}
	now := l.env.Now(org)
	nowMS := now.UnixMilli()
	ws := nowMS - nowMS%Window.Milliseconds()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).UnixMilli()
	u, err := l.counter.Usage(ctx, org.ID, ws, day)
	if err != nil {
		return p, u, 0, err
	}
	u.WindowStart = ws
	var dayLimit int64
	if p.DailyBase > 0 {
		users, err := l.activeUsers(ctx, org)
		if err != nil {
			return p, u, 0, err
		}
		dayLimit = p.DailyLimit(users)
	}
	return p, u, dayLimit, nil
}

// Memory counts in this process. It is the counter for SQLite, where one
// process owns the database.
type Memory struct {
	mu   sync.Mutex
	orgs map[crm.OrgID]*memState
}

type memState struct {
	win, day     int64
	std, bulk    int
	dayN         int64
	stdWin, bWin int64
}

// NewMemory returns an empty in-process counter.
func NewMemory() *Memory { return &Memory{orgs: map[crm.OrgID]*memState{}} }

// Take implements Counter.
func (m *Memory) Take(_ context.Context, t Take) (Refusal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.orgs[t.Org]
	if s == nil {
		s = &memState{}
		m.orgs[t.Org] = s
	}
	if s.stdWin != t.WindowStart {
		s.stdWin, s.std = t.WindowStart, 0
	}
	if s.bWin != t.WindowStart {
		s.bWin, s.bulk = t.WindowStart, 0
	}
	if s.day != t.Day {
		s.day, s.dayN = t.Day, 0
	}
	n := &s.std
	if t.Bulk {
		n = &s.bulk
	}
	if *n >= t.Limit {
		return RefusedWindow, nil
	}
	if t.DayLimit > 0 && s.dayN >= t.DayLimit {
		return RefusedDay, nil
	}
	*n++
	s.dayN++
	return RefusedNone, nil
}

// Usage implements Counter.
func (m *Memory) Usage(_ context.Context, org crm.OrgID, windowStart, day int64) (Usage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var u Usage
	if s := m.orgs[org]; s != nil {
		if s.stdWin == windowStart {
			u.Standard = s.std
		}
		if s.bWin == windowStart {
			u.Bulk = s.bulk
		}
		if s.day == day {
			u.Day = s.dayN
		}
	}
	return u, nil
}
