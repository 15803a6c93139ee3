package procs

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// step feeds the governor one interval and checks the count it returns.
type step struct {
	queue float64
	want  int
}

// drive feeds g the steps, Interval apart from t0, and returns the time
// after the last.
func drive(t *testing.T, g *Governor, t0 time.Time, steps ...step) time.Time {
	t.Helper()
	now := t0
	for i, s := range steps {
		now = now.Add(Interval)
		if got := g.Next(now, Load{Queue: s.queue, Wait: 100 * time.Microsecond}); got != s.want {
			t.Fatalf("step %d (queue %v): %d processors, want %d", i, s.queue, got, s.want)
		}
	}
	return now
}

// repeat is n steps of the same interval.
func repeat(n int, s step) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestGovernorOneWhileOneKeepsUp(t *testing.T) {
	g := NewGovernor(4)
	drive(t, g, time.Unix(0, 0), repeat(50, step{UpQueue, 1})...)
}

func TestGovernorAllUnderAQueue(t *testing.T) {
	g := NewGovernor(4)
	now := drive(t, g, time.Unix(0, 0), step{0.5, 1}, step{UpQueue + 0.1, 4})
	// Held at 4 for MinHold whatever the queue, then one fewer.
	n := int(MinHold/Interval) - 1
	now = drive(t, g, now, repeat(n, step{0, 4})...)
	now = drive(t, g, now, step{0, 3})
	// Each step down waits the hold again.
	now = drive(t, g, now, repeat(n, step{0, 3})...)
	drive(t, g, now, step{0, 2})
}

// A queue is per processor: 3 processors with 3×UpQueue waiting keep up.
func TestGovernorQueuePerProcessor(t *testing.T) {
	g := NewGovernor(4)
	now := drive(t, g, time.Unix(0, 0), step{100, 4})
	now = drive(t, g, now, repeat(int(MinHold/Interval)-1, step{100, 4})...)
	now = drive(t, g, now, step{100, 3})
	drive(t, g, now, step{3 * UpQueue, 3}, step{3*UpQueue + 1, 4})
}

// A try of one fewer that finds a queue at once goes back up and doubles
// the hold, up to MaxHold; a load that comes back later starts over at
// MinHold.
func TestGovernorFailedTriesBackOff(t *testing.T) {
	g := NewGovernor(2)
	now := drive(t, g, time.Unix(0, 0), step{50, 2})
	for _, hold := range []time.Duration{MinHold, 2 * MinHold, 4 * MinHold, 8 * MinHold, MaxHold, MaxHold} {
		now = drive(t, g, now, repeat(int(hold/Interval)-1, step{50, 2})...)
		now = drive(t, g, now, step{50, 1}, step{50, 2}) // the try, and back
	}
	// The second interval after a try still counts as the try's.
	now = drive(t, g, now, repeat(int(MaxHold/Interval)-1, step{50, 2})...)
	now = drive(t, g, now, step{50, 1}, step{1, 1}, step{50, 2})
	// A try that held: the load returning later waits only MinHold.
	now = drive(t, g, now, repeat(int(MaxHold/Interval)-1, step{50, 2})...)
	now = drive(t, g, now, step{1, 1}, step{1, 1}, step{1, 1}, step{50, 2})
	now = drive(t, g, now, repeat(int(MinHold/Interval)-1, step{50, 2})...)
	drive(t, g, now, step{50, 1})
}

// After tries failed under one load, a lighter one (its queue's moving
// average half of what it was) gets its try at once, not after the grown
// hold.
func TestGovernorLoadFalls(t *testing.T) {
	g := NewGovernor(2)
	now := drive(t, g, time.Unix(0, 0), step{50, 2})
	for _, hold := range []time.Duration{MinHold, 2 * MinHold, 4 * MinHold} {
		now = drive(t, g, now, repeat(int(hold/Interval)-1, step{8, 2})...)
		now = drive(t, g, now, step{8, 1}, step{50, 2})
	}
	// The hold is 8 s now; a queue of more than half of 8 keeps it.
	now = drive(t, g, now, repeat(40, step{4.5, 2})...)
	// A queue of 1: the average passes 4 within a few intervals, and
	// one fewer is tried at once.
	steps := 0
	for ; g.Next(now.Add(Interval), Load{Queue: 1}) == 2; steps++ {
		now = now.Add(Interval)
		if steps > 5 {
			t.Fatalf("still at 2 processors %d intervals after the queue fell", steps)
		}
	}
	now = now.Add(Interval)
	now = drive(t, g, now, step{1, 1}, step{1, 1}, step{1, 1})
	// The next failed try doubles from MinHold again.
	now = drive(t, g, now, step{50, 2})
	now = drive(t, g, now, repeat(int(MinHold/Interval)-1, step{8, 2})...)
	now = drive(t, g, now, step{8, 1}, step{50, 2})
	now = drive(t, g, now, repeat(int(2*MinHold/Interval)-1, step{8, 2})...)
	drive(t, g, now, step{8, 1})
}

// A few goroutines that each wait long (a few long calls taking turns on
// one processor) take every processor too.
func TestGovernorLongWaits(t *testing.T) {
	g := NewGovernor(2)
	now := time.Unix(0, 0)
	for i, c := range []struct {
		l    Load
		want int
	}{
		{Load{Queue: 3, Wait: UpWait}, 1},
		{Load{Queue: 0.5, Wait: UpWait + time.Microsecond}, 2},
		{Load{Queue: 0.5, Wait: time.Second}, 2},
	} {
		now = now.Add(Interval)
		if got := g.Next(now, c.l); got != c.want {
			t.Fatalf("step %d (%+v): %d processors, want %d", i, c.l, got, c.want)
		}
	}
}

func TestGovernorOneProcessor(t *testing.T) {
	g := NewGovernor(0)
	drive(t, g, time.Unix(0, 0), step{1000, 1}, step{0, 1})
}

// The runtime the tests run on has the histogram Run reads; without it
// Run would leave the count alone.
func TestSupported(t *testing.T) {
	if !supported() {
		t.Fatalf("%s is not a histogram in this runtime", latencies)
	}
}

// TestRun drives the real scheduler: Run starts at one processor, takes
// two while more goroutines want to run than one can carry, goes back to
// one when they stop, and restores two when its context ends.
func TestRun(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		Run(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), 2)
		close(done)
	}()
	waitProcs(t, 1, "idle")

	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for !stop.Load() {
				spin()
			}
		})
	}
	waitProcs(t, 2, "16 goroutines spinning")
	stop.Store(true)
	wg.Wait()
	waitProcs(t, 1, "the goroutines stopped")

	cancel()
	<-done
	if n := runtime.GOMAXPROCS(0); n != 2 {
		t.Fatalf("after Run: %d processors, want 2 restored", n)
	}
}

// waitProcs waits (a bounded while: this checks what happens, not how
// fast) for GOMAXPROCS to be n.
func waitProcs(t *testing.T, n int, when string) {
	t.Helper()
	for range 300 { // 30 s
		if runtime.GOMAXPROCS(0) == n {
			return
		}
		time.Sleep(Interval)
	}
	t.Fatalf("%s: %d processors, want %d", when, runtime.GOMAXPROCS(0), n)
}

var sink uint64

// spin burns about a hundred microseconds of CPU.
func spin() {
	x := uint64(1)
	for i := range 100_000 {
		x = x*6364136223846793005 + uint64(i)
	}
	atomic.AddUint64(&sink, x)
}
