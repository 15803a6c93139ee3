// Package quota emulates LeadSquared's plan rate limits: calls per org in
// fixed 5-second windows, a separate bucket for bulk APIs, and a daily cap
// that resets at midnight UTC of the org's clock. Counting happens behind a
// small Counter interface: in process on SQLite (one process owns the
// database) and in the database on PostgreSQL, so several instances
// enforce one limit.
package quota

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Plan is an org's limits. Zero Per5s means unlimited.
type Plan struct {
	Name         string `json:"name"`
	Per5s        int    `json:"per5s"`        // standard calls per 5-second window
	BulkPer5s    int    `json:"bulkPer5s"`    // bulk calls per 5-second window
	DailyBase    int64  `json:"dailyBase"`    // calls per day (0: no daily cap)
	PerUserDaily int64  `json:"perUserDaily"` // extra calls per active user per day
	DailyCeiling int64  `json:"dailyCeiling"` // the daily cap never exceeds this (0: no ceiling)
}

// Unlimited reports whether the plan limits nothing, so no counting is done.
func (p Plan) Unlimited() bool { return p.Per5s == 0 && p.BulkPer5s == 0 && p.DailyBase == 0 }

// DailyLimit is the day's cap for an org with activeUsers active users, or
// 0 for none.
func (p Plan) DailyLimit(activeUsers int) int64 {
	if p.DailyBase == 0 {
		return 0
	}
	n := p.DailyBase + p.PerUserDaily*int64(activeUsers)
	if p.DailyCeiling > 0 && n > p.DailyCeiling {
		n = p.DailyCeiling
	}
	return n
}

// legacy builds a plan of LeadSquared's older table: bulk 1 per 5 s and a
// daily cap of the 5-second limit × 17,280 windows.
func legacy(name string, per5s int) Plan {
	return Plan{Name: name, Per5s: per5s, BulkPer5s: 1, DailyBase: int64(per5s) * 17280}
}

// Plans are the named plans (reference lsq-api-leads.md §1.7).
var Plans = map[string]Plan{
	"unlimited":         {Name: "unlimited"},
	"pro":               {Name: "pro", Per5s: 10, BulkPer5s: 5, DailyBase: 10_000, PerUserDaily: 1_000, DailyCeiling: 250_000},
	"super":             {Name: "super", Per5s: 20, BulkPer5s: 10, DailyBase: 100_000, PerUserDaily: 1_000, DailyCeiling: 1_000_000},
	"legacy-lite":       legacy("legacy-lite", 2),
	"legacy-pro":        legacy("legacy-pro", 5),
	"legacy-super":      legacy("legacy-super", 10),
	"legacy-basic":      legacy("legacy-basic", 10),
	"legacy-standard":   legacy("legacy-standard", 15),
	"legacy-enterprise": legacy("legacy-enterprise", 25),
}

// PlanNames lists the named plans, sorted.
func PlanNames() []string {
	names := make([]string, 0, len(Plans))
	for n := range Plans {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Custom returns the stored form of a custom plan:
// "custom:per5s=N,bulk=N,daily=N,perUser=N,ceiling=N".
func Custom(p Plan) string {
	return fmt.Sprintf("custom:per5s=%d,bulk=%d,daily=%d,perUser=%d,ceiling=%d", p.Per5s, p.BulkPer5s, p.DailyBase, p.PerUserDaily, p.DailyCeiling)
}

// ParsePlan reads a plan from its stored form: a name from Plans or a
// Custom string. Unknown names and bad numbers are errors.
func ParsePlan(s string) (Plan, error) {
	if p, ok := Plans[s]; ok {
		return p, nil
	}
	spec, ok := strings.CutPrefix(s, "custom:")
	if !ok {
		return Plan{}, fmt.Errorf("unknown plan %q (want one of %s, or custom numbers)", s, strings.Join(PlanNames(), ", "))
	}
	p := Plan{Name: "custom"}
	for _, kv := range strings.Split(spec, ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > 1<<40 {
			return Plan{}, fmt.Errorf("custom plan: %q must be a non-negative integer", kv)
		}
		switch k {
		case "per5s":
			p.Per5s = int(n)
		case "bulk":
			p.BulkPer5s = int(n)
		case "daily":
			p.DailyBase = n
		case "perUser":
			p.PerUserDaily = n
		case "ceiling":
			p.DailyCeiling = n
		default:
			return Plan{}, fmt.Errorf("custom plan: unknown key %q", k)
		}
	}
	if p.Per5s == 0 || p.BulkPer5s == 0 {
		return Plan{}, fmt.Errorf("custom plan: per5s and bulk must be at least 1 (use the unlimited plan for no limits)")
	}
	return p, nil
}
