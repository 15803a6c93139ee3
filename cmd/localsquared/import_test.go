package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
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

func TestImportEndToEnd(t *testing.T) {
	srv := lsqtest.Start(t)
	path := writeCSV(t, 60, 10)
	var out, errOut bytes.Buffer
	code := run([]string{"import", path, "--url", srv.URL, "--access-key", srv.AccessKey, "--secret-key", srv.SecretKey}, &out, &errOut)
	if strings.Contains(errOut.String(), "MXAPINotFoundException") {
		t.Skipf("this server does not serve Lead/Bulk/Create yet: %s", errOut.String())
	}
	if code != exitRejected {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if _, err := srv.Client.GetLeadByEmail(context.Background(), "user60@example.com"); err != nil {
		t.Error(err)
	}
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
