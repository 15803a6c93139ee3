package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localsquared/localsquared/internal/store/storetest"
)

// v2 sends one /v2 call with the key pair in headers.
func v2(client *http.Client, addr string, c credentials, method, op, body string) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, "http://"+addr+"/v2/"+op, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("x-LSQ-AccessKey", c.AccessKey)
	req.Header.Set("x-LSQ-SecretKey", c.SecretKey)
	r, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	return r, b, err
}

// TestJournalSurvivesKill9: under concurrent Lead.Create load the server
// is killed with SIGKILL; after a restart every call whose response the
// client received is in the journal, and every acknowledged create is in
// the leads table.
func TestJournalSurvivesKill9(t *testing.T) {
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			var env []string
			if backend == "postgres" {
				env = append(env, "LOCALSQUARED_DATABASE_URL="+storetest.NewSchema(t, os.Getenv(storetest.EnvPostgres)))
			}
			p := startServe(t, dir, env...)
			c := readCreds(t, dir)

			var mu sync.Mutex
			received := map[string]int{} // request id → status
			var acked []string           // lead ids
			var wg sync.WaitGroup
			deadline := time.Now().Add(5 * time.Second) // bounded even if the kill were late
			client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
			for w := range 24 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; time.Now().Before(deadline); i++ {
						body := fmt.Sprintf(`[{"Attribute":"EmailAddress","Value":"k%d-%d@example.com"}]`, w, i)
						if i%5 == 4 { // some business errors too
							body = `[{"Attribute":"Company","Value":"no identity"}]`
						}
						r, b, err := v2(client, p.addr, c, "POST", "LeadManagement.svc/Lead.Create", body)
						if err != nil {
							return // killed
						}
						mu.Lock()
						received[r.Header.Get("X-Request-Id")] = r.StatusCode
						if r.StatusCode == 200 {
							var out struct{ Message struct{ Id string } }
							json.Unmarshal(b, &out)
							acked = append(acked, out.Message.Id)
						}
						mu.Unlock()
					}
				}()
			}
			time.Sleep(1200 * time.Millisecond)
			if err := p.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			p.wait()
			wg.Wait()
			if len(acked) < 10 {
				t.Fatalf("only %d creates acknowledged before the kill", len(acked))
			}

			p2 := startServe(t, dir, env...)
			defer p2.stop(t)
			req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/api/v1/orgs/%d/journal/export?format=jsonl", p2.addr, c.OrgID), nil)
			req.Header.Set("Authorization", "Bearer "+c.AdminToken)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			journaled := map[string]int{}
			sc := bufio.NewScanner(res.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				var e struct {
					RequestID string `json:"requestId"`
					Status    int    `json:"status"`
				}
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
					t.Fatal(err)
				}
				journaled[e.RequestID] = e.Status
			}
			res.Body.Close()
			missing := 0
			for rid, status := range received {
				if got, ok := journaled[rid]; !ok || got != status {
					missing++
				}
			}
			if missing > 0 {
				t.Errorf("%d of %d received responses missing from the journal (journal holds %d)", missing, len(received), len(journaled))
			}
			lost := 0
			for _, id := range acked {
				_, b, err := v2(http.DefaultClient, p2.addr, c, "GET", "LeadManagement.svc/Leads.GetById?id="+id, "")
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(b, []byte(id)) {
					lost++
				}
			}
			if lost > 0 {
				t.Errorf("%d of %d acknowledged creates lost", lost, len(acked))
			}
			t.Logf("%s: %d responses received, %d creates acknowledged, %d entries journaled (calls in flight at the kill may be journaled without a response)",
				backend, len(received), len(acked), len(journaled))
		})
	}
}

// TestJournalCLI: search, export and tail against a running server, with
// the admin token read from the data directory.
func TestJournalCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dir)
	defer p.stop(t)
	c := readCreds(t, dir)
	t.Setenv("LOCALSQUARED_ADMIN_TOKEN", "")
	t.Setenv("LOCALSQUARED_URL", "http://"+p.addr)
	t.Setenv("LOCALSQUARED_DATA_DIR", dir)
	cli := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"journal"}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	var rids []string
	for _, call := range []struct{ method, op, body string }{
		{"POST", "LeadManagement.svc/Lead.Create", `[{"Attribute":"EmailAddress","Value":"cli@example.com"}]`},
		{"POST", "LeadManagement.svc/Lead.Update", `[{"Attribute":"Company","Value":"X"}]`},
		{"GET", "LeadManagement.svc/Lead.Creat", ""},
	} {
		r, _, err := v2(http.DefaultClient, p.addr, c, call.method, call.op, call.body)
		if err != nil {
			t.Fatal(err)
		}
		rids = append(rids, r.Header.Get("X-Request-Id"))
	}

	code, out, errs := cli("search")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.Contains(lines[0], rids[2]) || !strings.Contains(lines[1], "MXMandatoryAttributeMissingException") ||
		!strings.Contains(lines[2], "LeadManagement.svc/Lead.Create") {
		t.Errorf("search: %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = cli("search", "--status", "5xx", "--json")
	var e struct{ RequestID string }
	if code != 0 || strings.Count(out, "\n") != 1 || json.Unmarshal([]byte(out), &e) != nil || e.RequestID != rids[1] {
		t.Errorf("search --status 5xx --json: %d %s", code, out)
	}
	code, _, errs = cli("search", "--limit", "1")
	if code != 0 || !strings.HasPrefix(errs, "more: --cursor ") {
		t.Errorf("paging hint: %d %q", code, errs)
	}
	code, _, errs = cli("search", "--token", "wrong")
	if code != 1 || !strings.Contains(errs, "401") || strings.Contains(errs, c.AdminToken) {
		t.Errorf("bad token: %d %q", code, errs)
	}

	file := filepath.Join(t.TempDir(), "j.csv")
	if code, _, errs := cli("export", "--format", "csv", "--out", file, "--operation", "leadmanagement.svc/lead.create"); code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	b, _ := os.ReadFile(file)
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][17] != rids[0] {
		t.Errorf("export csv: %v %q", err, rows)
	}

	// tail prints only what arrives after it starts.
	done := make(chan string)
	go func() {
		_, out, _ := cli("tail", "--n", "0", "--interval", "100ms", "--for", "1500ms")
		done <- out
	}()
	time.Sleep(500 * time.Millisecond)
	r, _, err := v2(http.DefaultClient, p.addr, c, "GET", "Authentication.svc/UserByAccessKey.Get", "")
	if err != nil {
		t.Fatal(err)
	}
	out = <-done
	if !strings.Contains(out, r.Header.Get("X-Request-Id")) || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("tail printed:\n%s", out)
	}
}
