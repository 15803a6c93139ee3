// Command lsqload drives a running LocalSquared (or any LeadSquared-shaped
// server on this machine) over HTTP with keep-alive connections and prints
// one JSON line per run: request and row rates and latency percentiles.
//
// It only targets loopback addresses and always stops by itself: every run
// is bounded by -d (duration) and -n (request count).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type config struct {
	base        string
	access      string
	secret      string
	op          string
	concurrency int
	duration    time.Duration
	maxRequests int64
	seed        int
	perLead     int
	sample      string
	check       bool
	label       string
	client      string
	eqNames     string
}

// Result is the JSON line printed for a run.
type Result struct {
	Label       string  `json:"label,omitempty"`
	Op          string  `json:"op"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	Requests    int64   `json:"requests"`
	Rows        int64   `json:"rows"`
	Errors      int64   `json:"errors"`
	ReqPerSec   float64 `json:"req_per_s"`
	RowsPerSec  float64 `json:"rows_per_s"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	FirstError  string  `json:"first_error,omitempty"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lsqload:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("lsqload", flag.ContinueOnError)
	var c config
	dataDir := fs.String("data-dir", "localsquared-data", "read keys from this data directory's credentials.json when -access/-secret are not given")
	fs.StringVar(&c.base, "url", "http://127.0.0.1:8080", "server base URL (loopback only)")
	fs.StringVar(&c.access, "access", os.Getenv("LOCALSQUARED_ACCESS_KEY"), "access key")
	fs.StringVar(&c.secret, "secret", os.Getenv("LOCALSQUARED_SECRET_KEY"), "secret key")
	fs.StringVar(&c.op, "op", "get", "operation: "+strings.Join(opNames(), ", "))
	fs.IntVar(&c.concurrency, "c", 32, "concurrent clients")
	fs.DurationVar(&c.duration, "d", 10*time.Second, "run duration (at most 10m)")
	fs.Int64Var(&c.maxRequests, "n", 1_000_000, "stop after this many requests")
	fs.IntVar(&c.seed, "seed", 2000, "leads to create first for the read operations (0 to reuse existing ones with the lsqload- prefix)")
	fs.IntVar(&c.perLead, "acts", 10, "activities posted on each seeded lead for activity-get and activity-details")
	fs.StringVar(&c.sample, "sample", "", "take leads and activities from this lsqseed-sample.json instead of seeding through the API")
	fs.BoolVar(&c.check, "check", true, "check every response body")
	fs.StringVar(&c.label, "label", "", "free text copied into the result line")
	fs.StringVar(&c.client, "client", "raw", "HTTP client of the timed run: raw (one connection per client, lsqload's own HTTP/1.1) or net/http")
	fs.StringVar(&c.eqNames, "eq-names", "load", "search-eq's FirstName values: load (Load1–Load999, which every lsqload run's leads reuse) or seed (Seed0–Seed999, bench/lsqseed's, a thousandth of its leads each)")
	cpuProfile := fs.String("cpuprofile", "", "write lsqload's own CPU profile of the timed run to this file")
	floorAddr := fs.String("serve-floor", "", "instead of a load run, serve for -d a handler that burns -work of CPU per call (loopback address), for -op floor")
	work := fs.Duration("work", 100*time.Microsecond, "CPU each call of -serve-floor burns")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.duration <= 0 || c.duration > 10*time.Minute || c.concurrency < 1 || c.concurrency > 1024 || c.maxRequests < 1 || c.perLead < 0 || c.seed < 0 {
		return errors.New("-d must be in (0, 10m], -c in [1, 1024], -n ≥ 1, -acts and -seed ≥ 0")
	}
	if *floorAddr != "" {
		return serveFloor(*floorAddr, *work, c.duration)
	}
	if c.op == "floor" && c.access == "" && c.secret == "" {
		c.access, c.secret = "floor", "floor" // the floor server reads no keys
	}
	if err := checkLoopback("-url", c.base); err != nil {
		return err
	}
	if c.eqNames != "load" && c.eqNames != "seed" {
		return fmt.Errorf("-eq-names must be load or seed, not %q", c.eqNames)
	}
	if c.client != "raw" && c.client != "net/http" {
		return fmt.Errorf("-client must be raw or net/http, not %q", c.client)
	}
	if c.client == "raw" && !strings.HasPrefix(c.base, "http://") {
		return errors.New("-client raw speaks plain http:// only; use -client net/http")
	}
	if c.access == "" || c.secret == "" {
		b, err := os.ReadFile(filepath.Join(*dataDir, "credentials.json"))
		if err != nil {
			return fmt.Errorf("no keys: pass -access/-secret or -data-dir (%v)", err)
		}
		var creds struct{ AccessKey, SecretKey string }
		if err := json.Unmarshal(b, &creds); err != nil {
			return err
		}
		c.access, c.secret = creds.AccessKey, creds.SecretKey
	}
	op, ok := ops[c.op]
	if !ok {
		return fmt.Errorf("unknown -op %q (want one of %s)", c.op, strings.Join(opNames(), ", "))
	}
	l := newLoader(c)
	if err := l.prepare(op); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	res := l.drive(op)
	pprof.StopCPUProfile() // a no-op without -cpuprofile
	return json.NewEncoder(out).Encode(res)
}

// checkLoopback refuses any address, given by flag, that is not this
// machine.
func checkLoopback(flag, base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return fmt.Errorf("bad %s %q", flag, base)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s must be a loopback address (127.0.0.0/8, ::1, localhost), not %q", flag, host)
	}
	return nil
}

type loader struct {
	cfg    config
	client *http.Client // the seeding, and the timed run of -client net/http
	run    int64        // distinguishes values created by this run
	ids    []string
	emails []string
	seq    atomic.Int64
	phones []string // phones[i] is the Phone of ids[i] (seeded leads only)

	// -client raw: the server's address, Host header and path prefix, and
	// the headers of a call without and with a JSON body
	addr, host, path        string
	keyHeaders, jsonHeaders []string

	code     int          // the LsqLoad activity type
	actLeads []sampleLead // leads with activities, and how many they had
	acts     []string     // activity ids
}

func newLoader(c config) *loader {
	tr := &http.Transport{MaxIdleConns: c.concurrency * 2, MaxIdleConnsPerHost: c.concurrency * 2, IdleConnTimeout: 30 * time.Second}
	l := &loader{cfg: c, client: &http.Client{Transport: tr, Timeout: 30 * time.Second}, run: time.Now().UnixNano() % 1_000_000_000}
	if u, err := url.Parse(c.base); err == nil { // checkLoopback parsed it already
		l.host, l.addr, l.path = u.Host, u.Host, strings.TrimSuffix(u.Path, "/")
		if u.Port() == "" {
			l.addr = net.JoinHostPort(u.Hostname(), "80")
		}
	}
	l.keyHeaders = []string{"x-LSQ-AccessKey", c.access, "x-LSQ-SecretKey", c.secret}
	l.jsonHeaders = append(slices.Clip(l.keyHeaders), "Content-Type", "application/json")
	return l
}

// receivedKey carries a worker's *time.Time, which call sets when it has
// read a response's last byte: an operation's latency ends there, before
// lsqload checks the body.
type receivedKey struct{}

// connKey carries a worker's *rawConn in the timed run of -client raw.
type connKey struct{}

// call sends one request and returns the body; a non-200 status is an error.
func (l *loader) call(ctx context.Context, method, op, query string, body []byte) ([]byte, error) {
	if rc, ok := ctx.Value(connKey{}).(*rawConn); ok {
		target := l.path + "/v2/" + op
		if query != "" {
			target += "?" + query
		}
		hdr := l.keyHeaders
		if body != nil {
			hdr = l.jsonHeaders
		}
		status, b, err := rc.do(ctx, method, target, hdr, body)
		if err != nil {
			return nil, err
		}
		return l.received(ctx, op, status, b)
	}
	u := strings.TrimSuffix(l.cfg.base, "/") + "/v2/" + op
	if query != "" {
		u += "?" + query
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("x-LSQ-AccessKey", l.cfg.access)
	req.Header.Set("x-LSQ-SecretKey", l.cfg.secret)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := l.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return l.received(ctx, op, res.StatusCode, b)
}

// received ends the call's latency (receivedKey) and makes a non-200
// status an error.
func (l *loader) received(ctx context.Context, op string, status int, b []byte) ([]byte, error) {
	if t, ok := ctx.Value(receivedKey{}).(*time.Time); ok {
		*t = time.Now()
	}
	if status != http.StatusOK {
		return b, fmt.Errorf("%s: HTTP %d: %.200s", op, status, b)
	}
	return b, nil
}

// leadBody is a Lead.Create body with unique email and phone.
func (l *loader) leadBody(n int64) []byte {
	return fmt.Appendf(nil, `[{"Attribute":"FirstName","Value":"Load%d"},{"Attribute":"LastName","Value":"Tester"},`+
		`{"Attribute":"EmailAddress","Value":"lsqload-%d-%d@example.com"},{"Attribute":"Phone","Value":"%s"},`+
		`{"Attribute":"Company","Value":"Acme %d"}]`, n%1000, l.run, n, l.phone(n), n%50)
}

// phone is the Phone of leadBody(n).
func (l *loader) phone(n int64) string { return fmt.Sprintf("+1-%09d-%09d", l.run, n) }

// seedLeads creates n leads through Lead/Bulk/Create, 50 a call from 4
// workers, and remembers their ids and emails.
func (l *loader) seedLeads(n int) error {
	ctx := context.Background()
	var mu sync.Mutex
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	next := atomic.Int64{}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				end := next.Add(50)
				if end-50 >= int64(n) {
					return
				}
				count := min(50, int64(n)-(end-50))
				keys := make([]int64, count)
				body := []byte{'['}
				for i := range keys {
					keys[i] = l.seq.Add(1)
					if i > 0 {
						body = append(body, ',')
					}
					body = append(body, l.leadBody(keys[i])...)
				}
				body = append(body, ']')
				b, err := l.call(ctx, "POST", "LeadManagement.svc/Lead/Bulk/Create", "", body)
				if err != nil {
					errc <- err
					return
				}
				var rows []struct {
					LeadId           *string
					ExceptionMessage string
				}
				if err := json.Unmarshal(b, &rows); err != nil || len(rows) != len(keys) {
					errc <- fmt.Errorf("bulk create: unexpected body %.200s", b)
					return
				}
				mu.Lock()
				for i, r := range rows {
					if r.LeadId == nil {
						mu.Unlock()
						errc <- fmt.Errorf("bulk create row %d: %s", i+1, r.ExceptionMessage)
						return
					}
					l.ids = append(l.ids, *r.LeadId)
					l.emails = append(l.emails, fmt.Sprintf("lsqload-%d-%d@example.com", l.run, keys[i]))
					l.phones = append(l.phones, l.phone(keys[i]))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// drive runs op from cfg.concurrency workers until the duration or the
// request budget is used up.
func (l *loader) drive(op opSpec) Result {
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.duration)
	defer cancel()
	var requests, rows, errs atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, l.cfg.concurrency)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < l.cfg.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(l.run)))
			var received time.Time
			wctx := context.WithValue(ctx, receivedKey{}, &received)
			if l.cfg.client == "raw" {
				rc := newRawConn(l.addr, l.host)
				defer rc.close()
				wctx = context.WithValue(wctx, connKey{}, rc)
			}
			for ctx.Err() == nil && requests.Add(1) <= l.cfg.maxRequests {
				t0 := time.Now()
				received = time.Time{}
				n, err := op.do(wctx, l, rng)
				if err != nil && (ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded)) {
					requests.Add(-1) // cut off by the deadline, not a server error
					return
				}
				if received.IsZero() { // no response was read
					received = time.Now()
				}
				lat[w] = append(lat[w], received.Sub(t0))
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				rows.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	r := Result{Label: l.cfg.label, Op: l.cfg.op, Concurrency: l.cfg.concurrency, Seconds: round(elapsed),
		Requests: int64(len(all)), Rows: rows.Load(), Errors: errs.Load(),
		ReqPerSec: round(float64(len(all)) / elapsed), RowsPerSec: round(float64(rows.Load()) / elapsed),
		P50ms: pct(0.50), P90ms: pct(0.90), P99ms: pct(0.99), MaxMs: pct(1)}
	if v, ok := firstErr.Load().(string); ok {
		r.FirstError = v
	}
	return r
}

func round(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
