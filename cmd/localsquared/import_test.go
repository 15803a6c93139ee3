package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/localsquared/localsquared/lsq"
	"github.com/localsquared/localsquared/lsqtest"
)

// fakeBulk is an httptest stand-in for Lead/Bulk/Create with the shape of
// LeadSquared's answer: one result per row, EmailAddress unique, an
// address without "@" refused. LeadsMetaData.Get answers 404 unless
// fields is set.
type fakeBulk struct {
	srv    *httptest.Server
	mu     sync.Mutex
	emails map[string]int // email → times created
	calls  atomic.Int32
	delay  time.Duration
	fields []map[string]any
}

func newFakeBulk(t *testing.T) *fakeBulk {
	f := &fakeBulk{emails: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeBulk) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("x-LSQ-AccessKey") != "AK" || r.Header.Get("x-LSQ-SecretKey") != "SK" {
		w.WriteHeader(401)
		io.WriteString(w, `{"Status":"Error","ExceptionType":"MXUnAuthorizedAccessException","ExceptionMessage":"bad keys"}`)
		return
	}
	switch r.URL.Path {
	case "/v2/LeadManagement.svc/LeadsMetaData.Get":
		if f.fields != nil {
			json.NewEncoder(w).Encode(f.fields)
			return
		}
	case "/v2/LeadManagement.svc/Lead/Bulk/Create":
		f.calls.Add(1)
		var rows [][]struct{ Attribute, Value string }
		if err := json.NewDecoder(r.Body).Decode(&rows); err != nil || len(rows) > 50 {
			w.WriteHeader(400)
			io.WriteString(w, `{"Status":"Error","ExceptionType":"MXInvalidRequestFormatException","ExceptionMessage":"bad body"}`)
			return
		}
		time.Sleep(f.delay)
		out := []map[string]any{}
		f.mu.Lock()
		for i, row := range rows {
			res := map[string]any{"RowNumber": i + 1, "LeadId": nil, "LeadCreated": false, "LeadUpdated": false, "AffectedRows": 0}
			email := ""
			for _, a := range row {
				if a.Attribute == "EmailAddress" {
					email = strings.ToLower(a.Value)
				}
			}
			switch {
			case !strings.Contains(email, "@"):
				res["ExceptionType"], res["ExceptionMessage"] = "MXInvalidDataTypeException", "Invalid email address: "+email
			case f.emails[email] > 0:
				res["ExceptionType"], res["ExceptionMessage"] = "MXDuplicateEntryException", "A Lead with same Email already exists."
			default:
				f.emails[email]++
				res["LeadId"], res["LeadCreated"], res["AffectedRows"] = fmt.Sprintf("lead-%d", len(f.emails)), true, 1
			}
			out = append(out, res)
		}
		f.mu.Unlock()
		json.NewEncoder(w).Encode(out)
		return
	}
	w.WriteHeader(404)
	io.WriteString(w, `{"Status":"Error","ExceptionType":"MXAPINotFoundException","ExceptionMessage":"API not found"}`)
}

func (f *fakeBulk) created() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.emails)
}

// writeCSV writes a header and n rows (email i@example.com), replacing the
// email of the rows in bad (1-based data row numbers) with "not-an-email".
func writeCSV(t *testing.T, n int, bad ...int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("FirstName,LastName,EmailAddress\n")
	isBad := map[int]bool{}
	for _, r := range bad {
		isBad[r] = true
	}
	for i := 1; i <= n; i++ {
		email := fmt.Sprintf("user%d@example.com", i)
		if isBad[i] {
			email = "not-an-email"
		}
		fmt.Fprintf(&b, "First%d,\"Last, %d\",%s\n", i, i, email)
	}
	path := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// cli runs the real binary and returns its exit code, stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return cliEnv(t, []string{"LOCALSQUARED_ACCESS_KEY=AK", "LOCALSQUARED_SECRET_KEY=SK"}, args...)
}

// cliEnv is cli with env added to the environment instead of the fake keys.
func cliEnv(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), env...)
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

func readReport(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestImportReportsRejectedRows(t *testing.T) {
	f := newFakeBulk(t)
	path := writeCSV(t, 120, 3, 77, 120)
	code, out, errOut := cli(t, "import", path, "--url", f.srv.URL, "--parallel", "3")
	if code != exitRejected {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if f.created() != 117 || f.calls.Load() != 3 {
		t.Errorf("created %d in %d calls", f.created(), f.calls.Load())
	}
	report := filepath.Join(filepath.Dir(path), "leads.rejected.csv")
	got := readReport(t, report)
	// Batches finish in any order; the report follows completion order.
	sort.Slice(got[1:], func(i, j int) bool {
		a, _ := strconv.Atoi(got[1+i][0])
		b, _ := strconv.Atoi(got[1+j][0])
		return a < b
	})
	want := [][]string{{"line", "ExceptionType", "ExceptionMessage"},
		{"4", "MXInvalidDataTypeException", "Invalid email address: not-an-email"},
		{"78", "MXInvalidDataTypeException", "Invalid email address: not-an-email"},
		{"121", "MXInvalidDataTypeException", "Invalid email address: not-an-email"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("report:\n%v\nwant\n%v", got, want)
	}
	if !strings.Contains(out, "120 rows sent") || !strings.Contains(out, "3 rejected") || !strings.Contains(errOut, "") {
		t.Errorf("stdout %q", out)
	}
	// A second run finds everything done and sends nothing.
	code, out, _ = cli(t, "import", path, "--url", f.srv.URL)
	if code != 0 || !strings.Contains(out, "nothing to do") || f.calls.Load() != 3 {
		t.Errorf("re-run: exit %d, %q, %d calls", code, out, f.calls.Load())
	}
}

// interruptedImport starts an import of 1000 rows, stops the process with
// sig once some calls are done, then re-runs it to the end.
func interruptedImport(t *testing.T, sig syscall.Signal, wantCode int) {
	f := newFakeBulk(t)
	f.delay = 30 * time.Millisecond
	path := writeCSV(t, 1000)
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	var errb syncBuffer
	cmd := exec.Command(bin, "import", path, "--url", f.srv.URL, "--parallel", "2", "--progress-interval", "10ms")
	cmd.Env = append(os.Environ(), "LOCALSQUARED_ACCESS_KEY=AK", "LOCALSQUARED_SECRET_KEY=SK")
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for f.calls.Load() < 6 {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(sig)
	err = cmd.Wait()
	code := -1
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != wantCode {
		t.Fatalf("interrupted run: exit %d (%v), want %d\nstderr %s", code, err, wantCode, errb.String())
	}
	first := f.created()
	if first == 0 || first >= 1000 {
		t.Fatalf("first run created %d", first)
	}
	if !strings.Contains(errb.String(), "rows/s") && sig == syscall.SIGINT {
		t.Errorf("no progress lines on a non-terminal:\n%s", errb.String())
	}
	code, out, errOut := cli(t, "import", path, "--url", f.srv.URL, "--parallel", "4")
	if code != 0 {
		t.Fatalf("resumed run: exit %d\n%s\n%s", code, out, errOut)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.emails) != 1000 {
		t.Errorf("created %d leads, want 1000", len(f.emails))
	}
	for e, n := range f.emails {
		if n != 1 {
			t.Errorf("%s created %d times", e, n)
		}
	}
	if got := readReport(t, filepath.Join(filepath.Dir(path), "leads.rejected.csv")); len(got) != 1 {
		t.Errorf("report lists rows: %v", got)
	}
}

func TestImportInterruptedResumesWithoutDuplicates(t *testing.T) {
	interruptedImport(t, syscall.SIGINT, exitInterrupted)
}

func TestImportKilledResumesWithoutDuplicates(t *testing.T) {
	interruptedImport(t, syscall.SIGKILL, -1)
}

func TestImportBadCSV(t *testing.T) {
	f := newFakeBulk(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name, body, want string
		args             []string
		fields           []map[string]any
	}{
		{"ragged", "FirstName,EmailAddress\nA,a@x.com\nB\nC,c@x.com\n", "line 3: row has 1 fields, the header has 2", nil, nil},
		{"utf8", "FirstName,EmailAddress\nA,a@x.com\n\xff\xfe,b@x.com\n", "line 3: field 1 is not valid UTF-8", nil, nil},
		{"quote", "FirstName,EmailAddress\nA,a@x.com\n\"B,b@x.com\n", "line 3", nil, nil},
		{"unknown column", "First Name,EmailAddress\nA,a@x.com\n", `line 1: unknown column "First Name"`, nil, nil},
		{"unknown with metadata", "FirstName,Favourite Colour\nA,blue\n", `line 1: unknown column "Favourite Colour": no lead field`, nil,
			[]map[string]any{{"SchemaName": "FirstName", "DisplayName": "First Name"}}},
		{"empty", "", "line 1: the file is empty", nil, nil},
		{"duplicate column", "EmailAddress,emailaddress\n", `line 1: column "emailaddress" appears twice`, nil, nil},
		{"bad map", "FirstName\nA\n", `--map names column "nope"`, []string{"--map", "nope=LastName"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.fields = tc.fields
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".csv")
			os.WriteFile(path, []byte(tc.body), 0o644)
			code, _, errOut := cli(t, append([]string{"import", path, "--url", f.srv.URL}, tc.args...)...)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, errOut, tc.want)
			}
		})
	}
	if f.calls.Load() != 0 {
		t.Errorf("%d bulk calls made for bad files", f.calls.Load())
	}
}

func TestImportMapsDisplayNames(t *testing.T) {
	f := newFakeBulk(t)
	f.fields = []map[string]any{{"SchemaName": "FirstName", "DisplayName": "First Name"}, {"SchemaName": "EmailAddress", "DisplayName": "Email"},
		{"SchemaName": "mx_City", "DisplayName": "City"}}
	path := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(path, []byte("\xef\xbb\xbfFIRST NAME,Email,Town,Ignore\nAnn,ann@x.com,Pune,zzz\n"), 0o644)
	code, out, errOut := cli(t, "import", path, "--url", f.srv.URL, "--map", "Town=mx_City", "--map", "Ignore=")
	if code != 0 || f.created() != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// forBackends runs fn against a fresh in-process server on SQLite and,
// when LSQ_TEST_POSTGRES_DSN is set, on PostgreSQL.
func forBackends(t *testing.T, fn func(t *testing.T, srv *lsqtest.Server)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, lsqtest.Start(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, lsqtest.Start(t, lsqtest.Postgres())) })
}

// serverCLI runs the real binary against srv with its keys.
func serverCLI(t *testing.T, srv *lsqtest.Server, args ...string) (int, string, string) {
	t.Helper()
	return cliEnv(t, []string{"LOCALSQUARED_URL=" + srv.URL, "LOCALSQUARED_ACCESS_KEY=" + srv.AccessKey,
		"LOCALSQUARED_SECRET_KEY=" + srv.SecretKey}, args...)
}

// writeLeadsCSV writes n data rows (FirstName, LastName, EmailAddress
// user<i>@example.com, Revenue) to dir/name and returns the path; edit may
// change row i (1-based) before it is written.
func writeLeadsCSV(t *testing.T, dir, name string, n int, edit func(i int, rec []string)) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"FirstName", "Last Name", "EmailAddress", "Revenue"})
	for i := 1; i <= n; i++ {
		rec := []string{fmt.Sprintf("First%d", i), fmt.Sprintf("Last, %d", i), fmt.Sprintf("user%d@example.com", i), strconv.Itoa(i * 10)}
		if edit != nil {
			edit(i, rec)
		}
		w.Write(rec)
	}
	w.Flush()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// leadCount is the number of leads in srv's org.
func leadCount(t *testing.T, srv *lsqtest.Server) int {
	t.Helper()
	n, _, err := srv.Client.RecentlyModifiedLeads(context.Background(), lsq.LeadWindow{From: time.Now().Add(-24 * time.Hour),
		To: time.Now().Add(24 * time.Hour), Columns: []string{"ProspectID"}, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportEndToEnd imports a file with good and bad rows into a real
// server through the real binary, on both databases.
func TestImportEndToEnd(t *testing.T) {
	forBackends(t, func(t *testing.T, srv *lsqtest.Server) {
		ctx := context.Background()
		path := writeLeadsCSV(t, t.TempDir(), "leads.csv", 120, func(i int, rec []string) {
			switch i {
			case 10:
				rec[2] = "not-an-email"
			case 30:
				rec[2] = "USER5@example.com" // a duplicate of row 5
			case 77:
				rec[3] = "lots"
			}
		})
		code, out, errOut := serverCLI(t, srv, "import", path, "--parallel", "3")
		if code != exitRejected {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		if !strings.Contains(out, "120 rows sent") || !strings.Contains(out, "117 created, 0 updated, 3 rejected") {
			t.Errorf("stdout %q", out)
		}
		got := readReport(t, filepath.Join(filepath.Dir(path), "leads.rejected.csv"))
		sort.Slice(got[1:], func(i, j int) bool {
			a, _ := strconv.Atoi(got[1+i][0])
			b, _ := strconv.Atoi(got[1+j][0])
			return a < b
		})
		if len(got) != 4 || got[0][1] != "ExceptionType" || got[1][0] != "11" || got[2][0] != "31" || got[3][0] != "78" ||
			got[1][1] != "MXInvalidInputException" || !strings.Contains(got[1][2], "EmailAddress") ||
			got[2][1] != "MXDuplicateEntryException" || got[3][1] != "MXInvalidDataTypeException" {
			t.Errorf("report %q", got)
		}
		if n := leadCount(t, srv); n != 117 {
			t.Errorf("%d leads in the org, want 117", n)
		}
		// Every good row is a lead with the row's values; display names
		// ("Last Name") map to schema names.
		for _, i := range []int{1, 5, 9, 11, 76, 120} {
			l, err := srv.Client.GetLeadByEmail(ctx, fmt.Sprintf("user%d@example.com", i))
			if err != nil || l.Get("FirstName") != fmt.Sprintf("First%d", i) || l.Get("LastName") != fmt.Sprintf("Last, %d", i) ||
				l.Get("Revenue") != strconv.Itoa(i*10) {
				t.Errorf("row %d: %v %v", i, l, err)
			}
		}
		for _, email := range []string{"user10@example.com", "user30@example.com", "user77@example.com"} {
			if _, err := srv.Client.GetLeadByEmail(ctx, email); !lsq.IsNotFound(err) {
				t.Errorf("rejected row %s: %v", email, err)
			}
		}
		// A re-run finds everything done and sends nothing.
		code, out, _ = serverCLI(t, srv, "import", path)
		if code != 0 || !strings.Contains(out, "nothing to do") || leadCount(t, srv) != 117 {
			t.Errorf("re-run: exit %d, %q", code, out)
		}
	})
}

// TestImportUpsertEndToEnd imports one file twice with --upsert-by
// EmailAddress: the first run creates, the second (a fresh checkpoint)
// updates every lead and creates none.
func TestImportUpsertEndToEnd(t *testing.T) {
	forBackends(t, func(t *testing.T, srv *lsqtest.Server) {
		ctx := context.Background()
		dir := t.TempDir()
		path := writeLeadsCSV(t, dir, "leads.csv", 60, nil)
		code, out, errOut := serverCLI(t, srv, "import", path, "--upsert-by", "EmailAddress")
		if code != 0 || !strings.Contains(out, "60 rows sent") || !strings.Contains(out, "60 created, 0 updated, 0 rejected") {
			t.Fatalf("first import: exit %d\n%s\n%s", code, out, errOut)
		}
		before, err := srv.Client.GetLeadByEmail(ctx, "user7@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(path + ".checkpoint"); err != nil {
			t.Fatal(err)
		}
		code, out, errOut = serverCLI(t, srv, "import", path, "--upsert-by", "EmailAddress", "--parallel", "2")
		if code != 0 || !strings.Contains(out, "60 rows sent") || !strings.Contains(out, "0 created, 60 updated, 0 rejected") {
			t.Fatalf("second import: exit %d\n%s\n%s", code, out, errOut)
		}
		if n := leadCount(t, srv); n != 60 {
			t.Errorf("%d leads after two upsert imports, want 60", n)
		}
		after, err := srv.Client.GetLeadByEmail(ctx, "user7@example.com")
		// Same values: the leads are matched and left as they were.
		if err != nil || after.ID() != before.ID() || after.Get("ModifiedOn") != before.Get("ModifiedOn") {
			t.Errorf("upserted lead before %v\nafter %v %v", before, after, err)
		}
		// A changed file updates the values in place.
		changed := writeLeadsCSV(t, dir, "changed.csv", 60, func(i int, rec []string) {
			rec[0] = fmt.Sprintf("New%d", i)
			if i == 60 {
				rec[2] = "user61@example.com"
			}
		})
		code, out, errOut = serverCLI(t, srv, "import", changed, "--upsert-by", "EmailAddress")
		if code != 0 || !strings.Contains(out, "1 created, 59 updated, 0 rejected") {
			t.Fatalf("changed import: exit %d\n%s\n%s", code, out, errOut)
		}
		if l, err := srv.Client.GetLeadByEmail(ctx, "user7@example.com"); err != nil || l.ID() != before.ID() || l.Get("FirstName") != "New7" ||
			l.Get("ModifiedOn") == before.Get("ModifiedOn") {
			t.Errorf("updated lead %v %v", l, err)
		}
		if n := leadCount(t, srv); n != 61 {
			t.Errorf("%d leads, want 61", n)
		}
	})
}

var bigImport = flag.Bool("bigimport", false, "run TestImportThroughput (20,000 rows through the real binary)")

// TestImportThroughput imports 20,000 rows into a fresh SQLite server
// through the real binary and logs rows/s. Opt-in:
// go test ./cmd/localsquared -run TestImportThroughput -args -bigimport
func TestImportThroughput(t *testing.T) {
	if !*bigImport {
		t.Skip("opt-in: go test ./cmd/localsquared -run TestImportThroughput -v -args -bigimport")
	}
	const rows = 20000
	srv := lsqtest.Start(t)
	path := writeLeadsCSV(t, t.TempDir(), "big.csv", rows, nil)
	if _, err := buildBinary(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, out, errOut := serverCLI(t, srv, "import", path, "--quiet")
	wall := time.Since(start)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%d created, 0 updated, 0 rejected", rows)) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if n := leadCount(t, srv); n != rows {
		t.Fatalf("%d leads, want %d", n, rows)
	}
	t.Logf("imported %d rows in %s: %.0f rows/s (whole process: start, CSV check, send)", rows, wall.Round(time.Millisecond), rows/wall.Seconds())
	t.Logf("import summary: %s", strings.TrimSpace(out))
}

func TestExportPages(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/LeadManagement.svc/Leads.RecentlyModified" {
			w.WriteHeader(404)
			io.WriteString(w, `{"Status":"Error","ExceptionType":"MXAPINotFoundException","ExceptionMessage":"no"}`)
			return
		}
		var body struct {
			Paging struct{ PageIndex, PageSize int }
		}
		json.NewDecoder(r.Body).Decode(&body)
		calls.Add(1)
		var leads []string
		for i := (body.Paging.PageIndex-1)*body.Paging.PageSize + 1; i <= min(body.Paging.PageIndex*body.Paging.PageSize, 5); i++ {
			leads = append(leads, fmt.Sprintf(`{"LeadPropertyList":[{"Attribute":"ProspectID","Value":"id%d"},{"Attribute":"FirstName","Value":"A, %d"},{"Attribute":"Phone","Value":null},{"Attribute":"CanUpdate","Value":"true"}]}`, i, i))
		}
		fmt.Fprintf(w, `{"RecordCount":5,"Leads":[%s]}`, strings.Join(leads, ","))
	}))
	defer srv.Close()
	code, out, errOut := cli(t, "export", "--url", srv.URL, "--page-size", "2")
	want := "ProspectID,FirstName,Phone\nid1,\"A, 1\",\nid2,\"A, 2\",\nid3,\"A, 3\",\nid4,\"A, 4\",\nid5,\"A, 5\",\n"
	if code != 0 || out != want || calls.Load() != 3 {
		t.Errorf("exit %d, %d calls\n%s\nwant\n%s\nstderr %s", code, calls.Load(), out, want, errOut)
	}
}

func TestHelpEverywhere(t *testing.T) {
	for _, args := range [][]string{{"lead", "-h"}, {"lead", "get", "-h"}, {"lead", "search", "--help"}, {"user", "--help"}, {"user", "create", "-h"},
		{"keys", "-h"}, {"keys", "rotate", "-h"}, {"import", "-h"}, {"export", "-h"}} {
		code, out, errOut := cli(t, args...)
		if code != 0 || !strings.Contains(out+errOut, "Usage: localsquared") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}
