package quota_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	. "github.com/localsquared/localsquared/internal/quota"
	"github.com/localsquared/localsquared/internal/quota/quotatest"
)

func TestParsePlan(t *testing.T) {
	for s, want := range map[string]Plan{
		"pro":               Plans["pro"],
		"legacy-lite":       {Name: "legacy-lite", Per5s: 2, BulkPer5s: 1, DailyBase: 34560},
		"legacy-enterprise": {Name: "legacy-enterprise", Per5s: 25, BulkPer5s: 1, DailyBase: 432000},
		"custom:per5s=3,bulk=2,daily=10,perUser=1,ceiling=20": {Name: "custom", Per5s: 3, BulkPer5s: 2, DailyBase: 10, PerUserDaily: 1, DailyCeiling: 20},
	} {
		got, err := ParsePlan(s)
		if err != nil || got != want {
			t.Errorf("ParsePlan(%q) = %+v, %v; want %+v", s, got, err, want)
		}
	}
	for _, bad := range []string{"gold", "custom:per5s=x", "custom:per5s=1", "custom:per5s=1,bulk=1,colour=2", "custom:per5s=-1,bulk=1", ""} {
		if _, err := ParsePlan(bad); err == nil {
			t.Errorf("ParsePlan(%q) succeeded", bad)
		}
	}
	if got := Custom(Plan{Per5s: 3, BulkPer5s: 2}); got != "custom:per5s=3,bulk=2,daily=0,perUser=0,ceiling=0" {
		t.Errorf("Custom = %q", got)
	}
	p := Plans["super"]
	if p.DailyLimit(0) != 100_000 || p.DailyLimit(10) != 110_000 || p.DailyLimit(5000) != 1_000_000 {
		t.Errorf("super daily limits: %d %d %d", p.DailyLimit(0), p.DailyLimit(10), p.DailyLimit(5000))
	}
}

func TestMemoryCounter(t *testing.T) {
	quotatest.CounterContract(t, NewMemory(), 1)
	quotatest.CounterHugeLimits(t, NewMemory(), 2)
}

func TestLimiterUnlimitedCostsNothing(t *testing.T) {
	l := New(failingCounter{}, Env{Now: func(*crm.Org) time.Time { return time.Now() },
		ActiveUsers: func(context.Context, crm.OrgID) (int, error) { return 1, nil }})
	if err := l.Allow(context.Background(), &crm.Org{ID: 1, Plan: "unlimited"}, false); err != nil {
		t.Errorf("unlimited: %v", err)
	}
	err := l.Allow(context.Background(), &crm.Org{ID: 1, Plan: "pro"}, false)
	if crm.KindOf(err) != crm.KindInternal {
		t.Errorf("a failing counter must give an internal error, got %v", err)
	}
	err = l.Allow(context.Background(), &crm.Org{ID: 1, Plan: "no-such-plan"}, false)
	if crm.KindOf(err) != crm.KindInternal {
		t.Errorf("an unknown stored plan: %v", err)
	}
}

type failingCounter struct{}

func (failingCounter) Take(context.Context, Take) (Refusal, error) { return 0, errors.New("down") }
func (failingCounter) Usage(context.Context, crm.OrgID, int64, int64) (Usage, error) {
	return Usage{}, errors.New("down")
}
