package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/localsquared/localsquared/lsq"
	"github.com/schollz/progressbar/v3"
)

// Exit codes of import beyond 0, 1 and 2.
const (
	exitRejected    = 3   // finished; some rows were rejected (see the report)
	exitInterrupted = 130 // stopped by a signal; re-run to resume
)

type importOpts struct {
	file, report, checkpoint, upsertBy string
	maps                               repeated
	parallel                           int
	interval                           time.Duration
	quiet                              bool
}

// runImport is "localsquared import leads.csv".
func runImport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: localsquared import LEADS.csv [flags]

Creates one lead per CSV row through the bulk API (Lead/Bulk/Create, 50 rows a
call), or upserts with --upsert-by (Lead/Bulk/CreateOrUpdate, 25 rows a call).
The header row names lead fields by schema name (EmailAddress, mx_City) or
display name ("Email"); --map overrides. The whole file is checked before
anything is sent. Rejected rows go to the report; completed rows are recorded
in the checkpoint so that a re-run after an interruption sends only the rest.
Exit status: 0 all rows imported, 3 finished with rejected rows, 1 failed,
130 interrupted (re-run to resume).

Flags:
`)
		fs.PrintDefaults()
	}
	c := addConnFlags(fs)
	var o importOpts
	fs.Var(&o.maps, "map", "COLUMN=SchemaName: send this column as that field (repeatable); COLUMN= skips the column")
	fs.StringVar(&o.upsertBy, "upsert-by", "", "EmailAddress or Phone: create or update leads matched by this field")
	fs.IntVar(&o.parallel, "parallel", 64, "bulk calls in flight (1–256); LocalSquared on SQLite commits the calls in flight together, so more is faster")
	fs.StringVar(&o.report, "report", "", "file for rejected rows (default LEADS.rejected.csv)")
	fs.StringVar(&o.checkpoint, "checkpoint", "", "checkpoint file (default LEADS.csv.checkpoint)")
	fs.DurationVar(&o.interval, "progress-interval", 5*time.Second, "how often to print progress when stderr is not a terminal")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress output")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	o.file = fs.Arg(0)
	if o.report == "" {
		o.report = strings.TrimSuffix(o.file, filepath.Ext(o.file)) + ".rejected.csv"
	}
	if o.checkpoint == "" {
		o.checkpoint = o.file + ".checkpoint"
	}
	if o.upsertBy != "" && o.upsertBy != "EmailAddress" && o.upsertBy != "Phone" {
		fmt.Fprintln(stderr, "import: --upsert-by must be EmailAddress or Phone")
		return 2
	}
	if o.parallel < 1 || o.parallel > 256 {
		fmt.Fprintln(stderr, "import: --parallel must be 1–256")
		return 2
	}
	// 429s are waited out (the server did nothing); other failures of a
	// write are not retried, since the rows may have been created.
	cl, err := c.client(stderr, lsq.WithRetry(lsq.RetryPolicy{MaxAttempts: 20, BaseDelay: 250 * time.Millisecond, MaxDelay: 10 * time.Second}))
	if err != nil {
		fmt.Fprintln(stderr, "import:", err)
		return 2
	}
	sig, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return importCSV(sig, cl, o, stdout, stderr)
}

// importer is one run of an import.
type importer struct {
	o       importOpts
	cl      *lsq.Client
	columns []string // schema name per CSV column; "" skips it
	batch   int
	total   int // data rows in the file
	cp      *checkpoint
	stderr  io.Writer

	mu       sync.Mutex // guards everything below
	report   *csv.Writer
	reportF  *os.File
	sent     int // rows handled this run
	rejected int
	created  int // leads the server reports created this run
	updated  int // leads the server reports updated this run (--upsert-by)
	already  int // rows found imported by an earlier, interrupted run
}

func importCSV(sig context.Context, cl *lsq.Client, o importOpts, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	im := &importer{o: o, cl: cl, stderr: stderr, batch: lsq.MaxBulkCreate}
	if o.upsertBy != "" {
		im.batch = lsq.MaxBulkCreateOrUpdate
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "import:", err); return 1 }

	// 1. The header, mapped to schema names.
	f, err := os.Open(o.file)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	rd, err := newCSVReader(f)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", o.file, err))
	}
	if im.columns, err = im.mapColumns(ctx, rd.header); err != nil {
		return fail(fmt.Errorf("%s: %w", o.file, err))
	}
	// 2. The whole file is checked before anything is sent.
	for {
		_, _, err := rd.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(fmt.Errorf("%s: %w", o.file, err))
		}
		im.total++
	}
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	// 3. The checkpoint of an earlier run, if any.
	mode := "create"
	if o.upsertBy != "" {
		mode = "upsert:" + o.upsertBy
	}
	im.cp, err = openCheckpoint(o.checkpoint, checkpointKey{Size: st.Size(), Rows: im.total, Header: rd.header, Mode: mode, Batch: im.batch})
	if err != nil {
		return fail(err)
	}
	todo := im.total - im.cp.doneRows()
	if todo == 0 {
		fmt.Fprintf(stdout, "import: nothing to do: all %d rows were imported already (checkpoint %s)\n", im.total, o.checkpoint)
		return 0
	}
	if err := im.openReport(); err != nil {
		return fail(err)
	}
	defer im.reportF.Close()

	// 4. Send: one reader, o.parallel callers.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	if rd, err = newCSVReader(f); err != nil {
		return fail(err)
	}
	prog := im.progress(todo)
	start := time.Now()
	jobs := make(chan job)
	errc := make(chan error, o.parallel)
	var wg sync.WaitGroup
	for range o.parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := im.send(ctx, j); err != nil {
					errc <- err
					cancel()
					return
				}
				prog.add(len(j.rows))
			}
		}()
	}
	interrupted := false
	var readErr error
	func() {
		defer close(jobs)
		for k := 0; ; k++ {
			j, err := readBatch(rd, k, im.batch)
			if err == io.EOF {
				return
			}
			if err != nil {
				readErr = err
				return
			}
			if im.cp.isDone(j.first, j.first+len(j.rows)) {
				continue
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			case <-sig.Done():
				interrupted = true
				return
			}
		}
	}()
	wg.Wait()
	prog.finish()
	close(errc)
	if err := im.cp.flush(); err != nil {
		return fail(err)
	}
	if err := im.flushReport(); err != nil {
		return fail(err)
	}
	if readErr != nil {
		return fail(fmt.Errorf("%s changed while importing: %w", o.file, readErr))
	}
	summary := fmt.Sprintf("%d rows sent in %s, %d created, %d updated, %d rejected",
		im.sent, time.Since(start).Round(time.Millisecond), im.created, im.updated, im.rejected)
	if im.already > 0 {
		summary += fmt.Sprintf(", %d found already imported", im.already)
	}
	if err := <-errc; err != nil {
		fmt.Fprintf(stderr, "import: %v\nimport: stopped after %s; re-run the same command to resume\n", err, summary)
		return 1
	}
	if interrupted {
		fmt.Fprintf(stderr, "import: interrupted after %s; re-run the same command to resume\n", summary)
		return exitInterrupted
	}
	fmt.Fprintf(stdout, "import: done: %s\n", summary)
	if im.rejected > 0 {
		fmt.Fprintf(stdout, "import: rejected rows are listed in %s\n", o.report)
		return exitRejected
	}
	return 0
}

// job is one bulk call's rows: data rows first … first+len(rows)-1
// (0-based), with the line each starts on.
type job struct {
	first int
	rows  [][]string
	lines []int
}

func readBatch(rd *csvReader, k, size int) (job, error) {
	j := job{first: k * size}
	for len(j.rows) < size {
		line, rec, err := rd.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return j, err
		}
		j.rows = append(j.rows, append([]string(nil), rec...))
		j.lines = append(j.lines, line)
	}
	if len(j.rows) == 0 {
		return j, io.EOF
	}
	return j, nil
}

// send makes one bulk call and records its outcome: rejected rows in the
// report (flushed), then the rows as done in the checkpoint. A call-level
// failure stops the import.
func (im *importer) send(ctx context.Context, j job) error {
	body := make([]lsq.Attrs, len(j.rows))
	for i, rec := range j.rows {
		a := make(lsq.Attrs, 0, len(rec)+1)
		for c, v := range rec {
			if im.columns[c] != "" && v != "" {
				a = append(a, lsq.Attr{Attribute: im.columns[c], Value: v})
			}
		}
		if im.o.upsertBy != "" {
			a = append(a, lsq.Attr{Attribute: "SearchBy", Value: im.o.upsertBy})
		}
		body[i] = a
	}
	end := j.first + len(j.rows)
	retry := im.cp.wasInFlight(j.first, end)
	if err := im.cp.start(j.first, end); err != nil {
		return err
	}
	var res []lsq.BulkResult
	var err error
	if im.o.upsertBy != "" {
		res, err = im.cl.BulkCreateOrUpdateLeads(ctx, body)
	} else {
		res, err = im.cl.BulkCreateLeads(ctx, body)
	}
	if err != nil {
		return fmt.Errorf("rows on lines %d–%d: %w", j.lines[0], j.lines[len(j.lines)-1], err)
	}
	byRow := make(map[int]lsq.BulkResult, len(res))
	for _, r := range res {
		byRow[r.RowNumber] = r
	}
	im.mu.Lock()
	for i := range j.rows {
		r, ok := byRow[i+1]
		switch {
		case !ok:
			im.reject(j.lines[i], "MissingResult", "the server sent no result for this row")
		case !r.Failed():
			if r.LeadCreated {
				im.created++
			} else if r.LeadUpdated {
				im.updated++
			}
		case retry && r.ExceptionType == "MXDuplicateEntryException":
			// Sent by a run that was stopped before it could record the
			// outcome: the row is there already.
			im.already++
		default:
			im.reject(j.lines[i], r.ExceptionType, r.ExceptionMessage)
		}
	}
	im.sent += len(j.rows)
	im.report.Flush()
	err = im.report.Error()
	im.mu.Unlock()
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return im.cp.finish(j.first, end)
}

func (im *importer) reject(line int, typ, msg string) {
	im.rejected++
	im.report.Write([]string{strconv.Itoa(line), typ, msg})
}

func (im *importer) openReport() error {
	f, err := os.OpenFile(im.o.report, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	im.reportF, im.report = f, csv.NewWriter(f)
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		im.report.Write([]string{"line", "ExceptionType", "ExceptionMessage"})
	}
	return nil
}

func (im *importer) flushReport() error {
	im.mu.Lock()
	defer im.mu.Unlock()
	im.report.Flush()
	return im.report.Error()
}

var schemaLike = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// mapColumns maps header names to schema names: --map first, then the
// org's lead fields by schema name or display name (any case) when the
// server serves LeadsMetaData.Get, else any header that looks like a
// schema name. An unknown column is an error naming it.
func (im *importer) mapColumns(ctx context.Context, header []string) ([]string, error) {
	over := map[string]string{}
	for _, m := range im.o.maps {
		col, schema, ok := strings.Cut(m, "=")
		if !ok {
			return nil, fmt.Errorf("--map %q: want COLUMN=SchemaName", m)
		}
		over[strings.ToLower(strings.TrimSpace(col))] = strings.TrimSpace(schema)
	}
	fields, err := im.cl.LeadFields(ctx, false)
	var e *lsq.Error
	known := map[string]string{} // lower-cased schema or display name → schema name
	haveMeta := err == nil
	switch {
	case err == nil:
		for _, f := range fields {
			known[strings.ToLower(f.DisplayName)] = f.SchemaName
		}
		for _, f := range fields { // schema names win over display names
			known[strings.ToLower(f.SchemaName)] = f.SchemaName
		}
	case errors.As(err, &e) && (e.Status == 404 || e.ExceptionType == "MXAPINotFoundException"):
	default:
		return nil, fmt.Errorf("reading the lead fields: %w", err)
	}
	out := make([]string, len(header))
	used := map[string]string{}
	for i, h := range header {
		var schema string
		if s, ok := over[strings.ToLower(h)]; ok {
			schema = s
			delete(over, strings.ToLower(h))
		} else if haveMeta {
			if schema = known[strings.ToLower(h)]; schema == "" {
				return nil, &csvError{1, fmt.Sprintf("unknown column %q: no lead field has that schema or display name (use --map %q=SchemaName, or --map %q= to skip it)", h, h, h)}
			}
		} else {
			if !schemaLike.MatchString(h) {
				return nil, &csvError{1, fmt.Sprintf("unknown column %q: not a schema name (use --map %q=SchemaName, or --map %q= to skip it)", h, h, h)}
			}
			schema = h
		}
		if schema != "" {
			if prev, dup := used[schema]; dup {
				return nil, &csvError{1, fmt.Sprintf("columns %q and %q both map to %s", prev, h, schema)}
			}
			used[schema] = h
		}
		out[i] = schema
	}
	for col := range over {
		return nil, fmt.Errorf("--map names column %q, which the header does not have", col)
	}
	return out, nil
}

// progress shows rows done: a bar (rows/s, ETA) on a terminal, a line
// every interval otherwise.
type progress struct {
	bar   *progressbar.ProgressBar
	mu    sync.Mutex
	done  int
	total int
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup
	w     io.Writer
}

func (im *importer) progress(total int) *progress {
	p := &progress{total: total, start: time.Now(), stop: make(chan struct{}), w: im.stderr}
	if im.o.quiet {
		return p
	}
	if isTerminal(im.stderr) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(im.stderr), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"), progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionSetDescription("importing"),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(im.stderr) }))
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(im.o.interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.line()
			}
		}
	}()
	return p
}

func (p *progress) add(n int) {
	p.mu.Lock()
	p.done += n
	p.mu.Unlock()
	if p.bar != nil {
		p.bar.Add(n)
	}
}

func (p *progress) line() {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	el := time.Since(p.start).Seconds()
	rate := float64(done) / max(el, 1e-9)
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(p.total-done)/rate) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "import: %d/%d rows (%.0f%%), %.0f rows/s, ETA %s\n", done, p.total, 100*float64(done)/float64(max(p.total, 1)), rate, eta)
}

func (p *progress) finish() {
	close(p.stop)
	p.wg.Wait()
	if p.bar != nil {
		p.bar.Exit()
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// checkpointKey identifies the import a checkpoint belongs to.
type checkpointKey struct {
	Size   int64    `json:"size"`
	Rows   int      `json:"rows"`
	Header []string `json:"header"`
	Mode   string   `json:"mode"`
	Batch  int      `json:"batch"`
}

// checkpoint records which data rows (0-based, half-open ranges) are done
// and which were in flight, rewritten atomically (temp file + rename) on
// every change, so an interrupted import can resume without sending a
// row twice. Rows in flight when a run was killed are sent again; in
// create mode their duplicate rejections count as already imported.
type checkpoint struct {
	path string
	mu   sync.Mutex
	st   struct {
		Key      checkpointKey `json:"key"`
		Done     [][2]int      `json:"done"`
		InFlight [][2]int      `json:"inFlight"`
	}
	prevInFlight [][2]int
}

func openCheckpoint(path string, key checkpointKey) (*checkpoint, error) {
	cp := &checkpoint{path: path}
	cp.st.Key = key
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return cp, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if err := json.Unmarshal(b, &cp.st); err != nil {
		return nil, fmt.Errorf("checkpoint %s is damaged (%v); delete it to start over", path, err)
	}
	old := cp.st.Key
	if old.Size != key.Size || old.Rows != key.Rows || old.Mode != key.Mode || old.Batch != key.Batch || strings.Join(old.Header, "\x00") != strings.Join(key.Header, "\x00") {
		return nil, fmt.Errorf("checkpoint %s belongs to another file or mode (%d rows, %s); delete it to start over", path, old.Rows, old.Mode)
	}
	cp.prevInFlight, cp.st.InFlight = cp.st.InFlight, nil
	return cp, nil
}

func covered(ranges [][2]int, a, b int) bool {
	for _, r := range ranges {
		if r[0] <= a && b <= r[1] {
			return true
		}
	}
	return false
}

func (cp *checkpoint) isDone(a, b int) bool {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return covered(cp.st.Done, a, b)
}

func (cp *checkpoint) wasInFlight(a, b int) bool {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for _, r := range cp.prevInFlight {
		if r[0] < b && a < r[1] {
			return true
		}
	}
	return false
}

func (cp *checkpoint) doneRows() int {
	n := 0
	for _, r := range cp.st.Done {
		n += r[1] - r[0]
	}
	return n
}

func (cp *checkpoint) start(a, b int) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.st.InFlight = append(cp.st.InFlight, [2]int{a, b})
	return cp.save()
}

// finish records rows [a, b) as done. It does not rewrite the file: the
// next start, a moment later, or the final flush does. A run stopped in
// between sends the range again, as it does a range whose answer was
// lost, and counts its duplicates as imported. (Rewriting the file twice
// a call cost the CLI a quarter of its CPU.)
func (cp *checkpoint) finish(a, b int) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for i, r := range cp.st.InFlight {
		if r == [2]int{a, b} {
			cp.st.InFlight = append(cp.st.InFlight[:i], cp.st.InFlight[i+1:]...)
			break
		}
	}
	cp.st.Done = merge(append(cp.st.Done, [2]int{a, b}))
	return nil
}

// flush writes the checkpoint as it stands.
func (cp *checkpoint) flush() error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return cp.save()
}

// merge sorts ranges and joins touching ones.
func merge(rs [][2]int) [][2]int {
	sort.Slice(rs, func(i, j int) bool { return rs[i][0] < rs[j][0] })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r[0] <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}

func (cp *checkpoint) save() error {
	b, _ := json.Marshal(&cp.st)
	tmp := cp.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := os.Rename(tmp, cp.path); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}
