package server

import (
	"testing"

	"github.com/localsquared/localsquared/internal/quota"
	"github.com/localsquared/localsquared/internal/quota/quotatest"

	"github.com/localsquared/localsquared/internal/store/storetest"
)

// TestDBCounterContract: the PostgreSQL counters behave like the in-process
// ones (the same contract as quota's TestMemoryCounter).
func TestDBCounterContract(t *testing.T) {
	for _, b := range storetest.Backends() {
		if b != "postgres" {
			continue
		}
		st := storetest.Open(t, b, nil)
		quotatest.CounterContract(t, newDBCounter(st), 1)
		quotatest.CounterHugeLimits(t, newDBCounter(st), 2)
		// Leasing: a large limit costs one statement per block, and the
		// database sees whole blocks.
		c := newDBCounter(st)
		for i := 0; i < 25; i++ {
			if r, err := c.Take(t.Context(), quota.Take{Org: 3, WindowStart: 5000, Limit: 20_000, Day: 0}); err != nil || r != quota.RefusedNone {
				t.Fatalf("take %d: %v %v", i, r, err)
			}
		}
		if std, _, _, err := st.QuotaUsage(t.Context(), 3, 5000, 0); err != nil || std != 40 {
			t.Errorf("database count after 25 calls with blocks of 20 = %d, %v; want 40", std, err)
		}
	}
}
