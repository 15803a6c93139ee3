package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/localsquared/localsquared/internal/store/storetest"
)

// buildBinary builds localsquared once per test binary run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "lsqbin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "localsquared")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type proc struct {
	cmd     *exec.Cmd
	stdout  *bytes.Buffer
	stderr  *syncBuffer
	addr    string
	exited  chan struct{} // closed when the process has exited
	waitErr error         // its exit status, once exited is closed
}

// wait waits for the process to exit and returns its exit status.
func (p *proc) wait() error {
	<-p.exited
	return p.waitErr
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs the real binary and waits until /readyz answers.
func startServe(t *testing.T, dataDir string, env ...string) *proc {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	// freeAddr's port can be taken by another process before the server
	// binds it; then the server exits at once and we try another port.
	for attempt := 0; ; attempt++ {
		p := &proc{stdout: &bytes.Buffer{}, stderr: &syncBuffer{}, addr: freeAddr(t), exited: make(chan struct{})}
		p.cmd = exec.Command(bin, "serve", "--addr", p.addr, "--data-dir", dataDir)
		p.cmd.Env = append(os.Environ(), env...)
		p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
		t.Cleanup(func() { p.cmd.Process.Kill(); p.wait() })
		if p.ready() {
			return p
		}
		if !strings.Contains(p.stderr.String(), "address already in use") || attempt == 4 {
			t.Fatalf("server did not become ready; stderr:\n%s", p.stderr.String())
		}
	}
}

// ready polls /readyz for up to 20 seconds; false when the process exits
// or the time runs out.
func (p *proc) ready() bool {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get("http://" + p.addr + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return true
			}
		}
		select {
		case <-p.exited:
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
	return false
}

func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(); err != nil {
		t.Fatalf("exit: %v\nstderr:\n%s", err, p.stderr.String())
	}
}

type credentials struct {
	OrgID      int64  `json:"orgId"`
	AccessKey  string `json:"accessKey"`
	SecretKey  string `json:"secretKey"`
	AdminToken string `json:"adminToken"`
}

func TestServeBootstrapsOnceAndReusesData(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			var env []string
			if backend == "postgres" {
				env = append(env, "LOCALSQUARED_DATABASE_URL="+storetest.Options(t, "postgres").DatabaseURL)
			}
			p := startServe(t, dir, env...)
			credsPath := filepath.Join(dir, "credentials.json")
			fi, err := os.Stat(credsPath)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("credentials.json mode = %v, want 0600", fi.Mode().Perm())
			}
			b, _ := os.ReadFile(credsPath)
			var c credentials
			if err := json.Unmarshal(b, &c); err != nil || c.SecretKey == "" || c.AdminToken == "" || !strings.HasPrefix(c.AccessKey, "u$r") {
				t.Fatalf("credentials.json = %s", b)
			}
			// Secrets printed once, on stdout.
			call := func(addr string) *http.Response {
				req, _ := http.NewRequest("POST", "http://"+addr+"/v2/LeadManagement.svc/Lead.Create",
					strings.NewReader(`[{"Attribute":"EmailAddress","Value":"boot@example.com"}]`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("x-LSQ-AccessKey", c.AccessKey)
				req.Header.Set("x-LSQ-SecretKey", c.SecretKey)
				r, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, r.Body)
				r.Body.Close()
				return r
			}
			if r := call(p.addr); r.StatusCode != 200 {
				t.Fatalf("create with bootstrap keys: %d", r.StatusCode)
			}
			p.stop(t)
			out := p.stdout.String()
			for _, secret := range []string{c.SecretKey, c.AdminToken} {
				if strings.Count(out, secret) != 1 {
					t.Errorf("first start should print each secret once; stdout:\n%s", out)
				}
				if strings.Contains(p.stderr.String(), secret) {
					t.Error("a secret reached the log")
				}
			}
			// Second start: same data, no secrets printed, same keys work, data kept.
			p2 := startServe(t, dir, env...)
			if r := call(p2.addr); r.StatusCode != 500 { // the lead from the first run is still there
				t.Errorf("duplicate create after restart: %d, want 500", r.StatusCode)
			}
			p2.stop(t)
			if s := p2.stdout.String(); strings.Contains(s, c.SecretKey) || strings.Contains(s, c.AdminToken) || strings.Contains(s, "secretKey") {
				t.Errorf("second start printed secrets:\n%s", s)
			}
		})
	}
}

// TestGracefulShutdown: SIGTERM while requests are in flight finishes them;
// every acknowledged create is in the database after a restart.
func TestGracefulShutdown(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dir)
	b, _ := os.ReadFile(filepath.Join(dir, "credentials.json"))
	var c credentials
	json.Unmarshal(b, &c)

	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				email := fmt.Sprintf("w%d-%d@example.com", w, i)
				req, _ := http.NewRequest("POST", "http://"+p.addr+"/v2/LeadManagement.svc/Lead.Create",
					strings.NewReader(`[{"Attribute":"EmailAddress","Value":"`+email+`"}]`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("x-LSQ-AccessKey", c.AccessKey)
				req.Header.Set("x-LSQ-SecretKey", c.SecretKey)
				r, err := client.Do(req)
				if err != nil {
					return // the server has stopped accepting
				}
				body, _ := io.ReadAll(r.Body)
				r.Body.Close()
				if r.StatusCode == 200 {
					var out struct{ Message struct{ Id string } }
					json.Unmarshal(body, &out)
					mu.Lock()
					acked = append(acked, out.Message.Id)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	p.stop(t)
	close(stop)
	wg.Wait()
	if !strings.Contains(p.stderr.String(), "stopped") {
		t.Errorf("no clean stop in log:\n%s", p.stderr.String())
	}
	if len(acked) == 0 {
		t.Fatal("no create was acknowledged before shutdown")
	}
	p2 := startServe(t, dir)
	defer p2.stop(t)
	missing := 0
	for _, id := range acked {
		req, _ := http.NewRequest("GET", "http://"+p2.addr+"/v2/LeadManagement.svc/Leads.GetById?id="+id, nil)
		req.Header.Set("x-LSQ-AccessKey", c.AccessKey)
		req.Header.Set("x-LSQ-SecretKey", c.SecretKey)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if !bytes.Contains(body, []byte(id)) {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged creates missing after graceful shutdown", missing, len(acked))
	}
}

func TestServeFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"--durability", "sometimes"}, {"--log-level", "loud"}, {"--nope"}, {"--pprof-addr", "0.0.0.0:6060"}, {"--pprof-addr", "6060"}, {"--procs", "0"}, {"--procs", "many"}} {
		var out, errb bytes.Buffer
		if code := run(append([]string{"serve"}, args...), &out, &errb); code != 2 {
			t.Errorf("serve %v: exit %d, want 2", args, code)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"bogus"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Errorf("bogus command: %d %q", code, errb.String())
	}
	sc := bufio.NewScanner(strings.NewReader(errb.String()))
	found := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), "serve") {
			found = true
		}
	}
	if !found {
		t.Error("usage does not list serve")
	}
}

// TestServePprof: --pprof-addr serves Go's profiles on its own listener,
// and the API's listener does not.
func TestServePprof(t *testing.T) {
	addr := freeAddr(t)
	p := startServe(t, t.TempDir(), "LOCALSQUARED_PPROF_ADDR="+addr)
	r, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !strings.Contains(string(body), "serve") {
		t.Fatalf("pprof cmdline: %d %q", r.StatusCode, body)
	}
	r, err = http.Get("http://" + p.addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 404 {
		t.Fatalf("API listener serves pprof: %d", r.StatusCode)
	}
	p.stop(t)
}

// TestServeGCSettings: serve runs the collector at GOGC=400 under a
// 64 MiB soft limit unless GOGC or GOMEMLIMIT say otherwise, as the Go
// collector's gauges in /metrics report.
func TestServeGCSettings(t *testing.T) {
	for _, c := range []struct {
		env         []string
		gogc, limit float64
	}{
		{[]string{"GOGC=", "GOMEMLIMIT="}, 400, 64 << 20},
		{[]string{"GOGC=150", "GOMEMLIMIT=300MiB"}, 150, 300 << 20},
	} {
		p := startServe(t, t.TempDir(), c.env...)
		gauge := func(name string) float64 { return metricGauge(t, p.addr, name) }
		if got := gauge("go_gc_gogc_percent"); got != c.gogc {
			t.Errorf("%v: GOGC %v, want %v", c.env, got, c.gogc)
		}
		if got := gauge("go_gc_gomemlimit_bytes"); got != c.limit {
			t.Errorf("%v: GOMEMLIMIT %v, want %v", c.env, got, c.limit)
		}
		p.stop(t)
	}
}

// metricGauge reads one unlabelled gauge from the server's /metrics.
func metricGauge(t *testing.T, addr, name string) float64 {
	t.Helper()
	r, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("%s not in /metrics", name)
	return 0
}

// TestServeProcs: serve adapts its processors (internal/procs), starting
// at one, unless --procs or GOMAXPROCS fixes the count.
func TestServeProcs(t *testing.T) {
	cases := []struct {
		env  []string
		want float64
	}{
		{[]string{"GOMAXPROCS=", "LOCALSQUARED_PROCS=3"}, 3},
		{[]string{"GOMAXPROCS=3", "LOCALSQUARED_PROCS="}, 3},
		{[]string{"GOMAXPROCS=", "LOCALSQUARED_PROCS="}, 1}, // idle (on one core it never leaves one)
	}
	for _, c := range cases {
		p := startServe(t, t.TempDir(), c.env...)
		var got float64
		for range 100 { // the governor starts beside the listener
			if got = metricGauge(t, p.addr, "go_sched_gomaxprocs_threads"); got == c.want {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got != c.want {
			t.Errorf("%v: %v processors, want %v", c.env, got, c.want)
		}
		p.stop(t)
	}
}
