// Package procs sets the number of Go processors (GOMAXPROCS) to what the
// server's load needs, between one and the machine's count.
//
// On a machine the server shares with its clients (a CI runner, a laptop),
// a call readied by the network can wait for a processor whose thread the
// kernel has just given to another process, until the kernel's next tick:
// on two cores shared with bench/lsqload, GetById at 4 clients read 4.3 ms
// p99 with two processors and 1.1–1.9 ms with one, at the same rate. At 32
// clients one processor cost GetById a third of its rate. So the server
// runs on one processor while one keeps up, and on all of them while it
// does not (BENCHMARKS.md, "Processors that follow the load").
//
// Every Interval the governor reads from the scheduler's own latency
// histogram how many goroutines waited to run, on average (the time they
// spent runnable over the interval's length), and how long each wait
// was. More than UpQueue waiting per processor (many calls at once), or
// waits over UpWait on average (a few long calls taking turns), and it
// takes every processor at once. With more than one it tries one fewer
// after a hold; a try that finds a queue again within the next intervals
// goes back up and doubles the hold (up to MaxHold), so a load that needs
// them all pays a TryWindow every MaxHold; when the queue (a moving
// average) falls to half what it was before that try, the load has
// changed: it tries at once, and the hold starts over.
package procs

import (
	"context"
	"log/slog"
	"math"
	"runtime"
	"runtime/metrics"
	"time"
)

// Tuning, from the 1M-lead set at one processor (BENCHMARKS.md): lookups
// and searches at 4 clients queue 1.7–3 goroutines that wait 0.3–1.5 ms;
// activity Create at 4 clients queues 8, GetById at 32 clients 14, bulk
// calls 45–100; RecentlyModified pages at 4 clients queue 3–5 that wait
// 17 ms.
const (
	Interval = 100 * time.Millisecond
	UpQueue  = 4.0
	UpWait   = 2 * time.Millisecond
	MinHold  = time.Second
	MaxHold  = 16 * time.Second
	// A try of one fewer is judged after TryWindow, not a whole
	// Interval: under a load that needs more, calls wait during the try.
	TryWindow = 20 * time.Millisecond
)

// Governor decides the processor count from one interval's load at a
// time. It holds no clock of its own, so tests drive it directly.
type Governor struct {
	Max     int // the most processors it sets (at least 1)
	cur     int
	hold    time.Duration
	downAt  time.Time // when to try one fewer
	triedAt time.Time // the last try
	avg     float64   // the queue's moving average over intervals with more than one processor
	before  float64   // avg at the last try
	failed  float64   // avg at the last try that failed, while the hold grows
}

// NewGovernor starts at one processor.
func NewGovernor(maxProcs int) *Governor {
	return &Governor{Max: max(maxProcs, 1), cur: 1, hold: MinHold}
}

// Load is what the scheduler saw of one interval.
type Load struct {
	Queue float64       // goroutines waiting to run, on average
	Wait  time.Duration // each one's wait, on average
}

func (l Load) over(procs int) bool {
	return l.Queue > UpQueue*float64(procs) || l.Wait > UpWait
}

// Next returns the processor count for the interval after one that ended
// at now with load l.
func (g *Governor) Next(now time.Time, l Load) int {
	if g.cur > 1 {
		if g.avg == 0 {
			g.avg = l.Queue
		} else {
			g.avg += (l.Queue - g.avg) / 5
		}
	}
	if g.cur > 1 && g.avg < g.failed/2 {
		// Half the queue that made the last try fail: the load has
		// changed, so the hold starts over with a try now.
		g.hold, g.failed, g.downAt = MinHold, 0, now
	}
	switch {
	case g.cur < g.Max && l.over(g.cur):
		if now.Sub(g.triedAt) <= 2*Interval {
			g.hold = min(2*g.hold, MaxHold) // the last try was too few
			g.failed = g.before
		} else {
			g.hold, g.failed = MinHold, 0
		}
		g.cur, g.downAt = g.Max, now.Add(g.hold)
	case g.cur > 1 && !now.Before(g.downAt):
		g.cur--
		g.before, g.triedAt, g.downAt = g.avg, now, now.Add(g.hold)
	}
	return g.cur
}

// Run sets GOMAXPROCS from the governor every Interval (TryWindow after a
// try of one fewer) until ctx ends, between one and maxProcs, then
// restores maxProcs.
func Run(ctx context.Context, log *slog.Logger, maxProcs int) {
	if !supported() {
		log.Warn("processors: the scheduler's latency histogram is missing; keeping the count", "n", runtime.GOMAXPROCS(0))
		return
	}
	g := NewGovernor(maxProcs)
	runtime.GOMAXPROCS(g.cur)
	defer runtime.GOMAXPROCS(g.Max)
	q := newQueueReader()
	t := time.NewTimer(Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			l := q.read(now)
			next := Interval
			was := g.cur
			if n := g.Next(now, l); n != was {
				if n < was {
					next = TryWindow
				}
				runtime.GOMAXPROCS(n)
				log.Debug("processors", "n", n, "queue", math.Round(l.Queue*10)/10, "wait", l.Wait)
			}
			t.Reset(next)
		}
	}
}

// queueReader turns the scheduler's latency histogram into the Load since
// the last read: the time goroutines waited (each bucket's count by its
// midpoint) over the time passed, and over the number of waits.
type queueReader struct {
	m    []metrics.Sample
	last time.Time
	prev []uint64
}

// latencies is the runtime metric the governor reads.
const latencies = "/sched/latencies:seconds"

// supported reports whether this Go runtime has latencies as a histogram.
func supported() bool {
	for _, d := range metrics.All() {
		if d.Name == latencies {
			return d.Kind == metrics.KindFloat64Histogram
		}
	}
	return false
}

func newQueueReader() *queueReader {
	q := &queueReader{m: []metrics.Sample{{Name: latencies}}}
	q.read(time.Now())
	return q
}

func (q *queueReader) read(now time.Time) Load {
	metrics.Read(q.m)
	h := q.m[0].Value.Float64Histogram()
	var waited, waits float64 // seconds, count
	for i, c := range h.Counts {
		if i >= len(q.prev) || c == q.prev[i] {
			continue
		}
		lo, hi := h.Buckets[i], h.Buckets[i+1]
		if math.IsInf(lo, -1) {
			lo = 0
		}
		if math.IsInf(hi, 1) {
			hi = lo
		}
		waits += float64(c - q.prev[i])
		waited += float64(c-q.prev[i]) * (lo + hi) / 2
	}
	el := now.Sub(q.last).Seconds()
	q.last, q.prev = now, append(q.prev[:0], h.Counts...)
	if el <= 0 || waits == 0 {
		return Load{}
	}
	return Load{Queue: waited / el, Wait: time.Duration(waited / waits * 1e9)}
}
