package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var soak = flag.Duration("soak", 0, "run the soak test for this long (e.g. 10m); off by default")

// TestSoak runs a mixed load against the real binary and checks that
// memory, goroutines and open files stay flat and p99 does not drift.
// Opt-in: go test ./cmd/localsquared -run TestSoak -soak 10m -timeout 15m
func TestSoak(t *testing.T) {
	if *soak <= 0 {
		t.Skip("soak test is opt-in: -soak 10m")
	}
	dir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dir)
	defer p.stop(t)
	c := readCreds(t, dir)
	pid := p.cmd.Process.Pid

	var mu sync.Mutex
	var ids []string
	var lat []time.Duration
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var req *http.Request
				mu.Lock()
				n := len(ids)
				mu.Unlock()
				if n == 0 || rng.IntN(10) < 3 {
					req, _ = http.NewRequest("POST", "http://"+p.addr+"/v2/LeadManagement.svc/Lead.Create",
						strings.NewReader(fmt.Sprintf(`[{"Attribute":"EmailAddress","Value":"soak-%d-%d@example.com"}]`, w, i)))
					req.Header.Set("Content-Type", "application/json")
				} else {
					mu.Lock()
					id := ids[rng.IntN(len(ids))]
					mu.Unlock()
					req, _ = http.NewRequest("GET", "http://"+p.addr+"/v2/LeadManagement.svc/Leads.GetById?id="+id, nil)
				}
				req.Header.Set("x-LSQ-AccessKey", c.AccessKey)
				req.Header.Set("x-LSQ-SecretKey", c.SecretKey)
				t0 := time.Now()
				r, err := client.Do(req)
				if err != nil {
					t.Errorf("request: %v", err)
					return
				}
				var body [256]byte
				k, _ := r.Body.Read(body[:])
				r.Body.Close()
				mu.Lock()
				lat = append(lat, time.Since(t0))
				if req.Method == "POST" && r.StatusCode == 200 && k > 73 {
					ids = append(ids, string(body[37:73]))
				}
				mu.Unlock()
			}
		}()
	}
	type sample struct {
		at         time.Duration
		rssKB, fds int
		goroutines int
		p99        time.Duration
		calls      int
	}
	var samples []sample
	start := time.Now()
	window := max(*soak/10, 10*time.Second)
	for time.Since(start) < *soak {
		time.Sleep(window)
		mu.Lock()
		l := lat
		lat = nil
		mu.Unlock()
		slices.Sort(l)
		s := sample{at: time.Since(start).Round(time.Second), rssKB: rss(pid), fds: fds(pid), goroutines: goroutines(p.addr), calls: len(l)}
		if len(l) > 0 {
			s.p99 = l[len(l)*99/100]
		}
		samples = append(samples, s)
		t.Logf("t=%v calls=%d p99=%v rss=%dKB goroutines=%d fds=%d", s.at, s.calls, s.p99, s.rssKB, s.goroutines, s.fds)
	}
	close(stop)
	wg.Wait()
	if len(samples) < 3 {
		t.Fatal("too few samples")
	}
	first, last := samples[1], samples[len(samples)-1] // samples[0] is warm-up
	if last.rssKB > first.rssKB*3/2+32*1024 {
		t.Errorf("memory grew: %d KB → %d KB", first.rssKB, last.rssKB)
	}
	if last.goroutines > first.goroutines+50 {
		t.Errorf("goroutines grew: %d → %d", first.goroutines, last.goroutines)
	}
	if last.fds > first.fds+20 {
		t.Errorf("open files grew: %d → %d", first.fds, last.fds)
	}
	if last.p99 > 3*first.p99+5*time.Millisecond {
		t.Errorf("p99 drifted: %v → %v", first.p99, last.p99)
	}
}

func rss(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	return 0
}

func fds(pid int) int {
	e, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(e)
}

func goroutines(addr string) int {
	r, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0
	}
	defer r.Body.Close()
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}
