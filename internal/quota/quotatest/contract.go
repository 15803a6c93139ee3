// Package quotatest holds the contract every quota.Counter must meet, for
// the tests of each implementation.
package quotatest

import (
	"context"
	"testing"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/quota"
)

// CounterContract checks any Counter: buckets are independent, the window
// resets, refused calls do not count, the day caps both buckets.
func CounterContract(t *testing.T, c quota.Counter, org crm.OrgID) {
	t.Helper()
	ctx := context.Background()
	take := func(bulk bool, win int64, limit int, dayLimit int64) quota.Refusal {
		t.Helper()
		r, err := c.Take(ctx, quota.Take{Org: org, Bulk: bulk, WindowStart: win, Limit: limit, Day: 0, DayLimit: dayLimit})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for i := 0; i < 3; i++ {
		if r := take(false, 5000, 3, 10); r != quota.RefusedNone {
			t.Fatalf("standard call %d refused: %v", i, r)
		}
	}
	if r := take(false, 5000, 3, 10); r != quota.RefusedWindow {
		t.Errorf("4th standard call: %v", r)
	}
	for i := 0; i < 2; i++ {
		if r := take(true, 5000, 2, 10); r != quota.RefusedNone {
			t.Errorf("bulk call %d refused with a full standard bucket: %v", i, r)
		}
	}
	if r := take(true, 5000, 2, 10); r != quota.RefusedWindow {
		t.Errorf("3rd bulk call: %v", r)
	}
	u, err := c.Usage(ctx, org, 5000, 0)
	if err != nil || u.Standard != 3 || u.Bulk != 2 || u.Day != 5 {
		t.Errorf("usage = %+v, %v; refused calls must not count", u, err)
	}
	// Next window: the day cap (7) now refuses after 2 more.
	for i := 0; i < 2; i++ {
		if r := take(false, 10000, 3, 7); r != quota.RefusedNone {
			t.Errorf("next window call %d: %v", i, r)
		}
	}
	if r := take(false, 10000, 3, 7); r != quota.RefusedDay {
		t.Errorf("over the day cap: %v", r)
	}
	if r := take(true, 10000, 2, 7); r != quota.RefusedDay {
		t.Errorf("bulk over the day cap: %v", r)
	}
}

// CounterHugeLimits: limits beyond 32 bits work.
func CounterHugeLimits(t *testing.T, c quota.Counter, org crm.OrgID) {
	t.Helper()
	r, err := c.Take(context.Background(), quota.Take{Org: org, WindowStart: 5000, Limit: 1 << 40, DayLimit: 1 << 50})
	if err != nil || r != quota.RefusedNone {
		t.Errorf("Take with huge limits = %v, %v", r, err)
	}
}
