package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// runJournal is "localsquared journal tail|search|export": the call journal
// through the admin API.
func runJournal(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, `Usage: localsquared journal <tail|search|export> [flags]

  tail     print new calls as they are recorded, like tail -f
  search   print one page of matching calls, newest first
  export   write every matching call as JSON lines or CSV

Run 'localsquared journal <subcommand> -h' for flags.`)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub, args := args[0], args[1:]
	if sub != "tail" && sub != "search" && sub != "export" {
		fmt.Fprintf(stderr, "journal: unknown subcommand %q (tail, search or export)\n", sub)
		return 2
	}
	fs := flag.NewFlagSet("journal "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := journalClient{http: &http.Client{}}
	fs.StringVar(&c.base, "url", envOr("LOCALSQUARED_URL", "http://127.0.0.1:8080"), "server URL (env LOCALSQUARED_URL)")
	fs.StringVar(&c.token, "token", envOr("LOCALSQUARED_ADMIN_TOKEN", ""), "admin token (env LOCALSQUARED_ADMIN_TOKEN; default: adminToken from the data directory's credentials.json)")
	dataDir := fs.String("data-dir", envOr("LOCALSQUARED_DATA_DIR", "localsquared-data"), "data directory holding credentials.json (env LOCALSQUARED_DATA_DIR)")
	org := fs.Int64("org", 0, "org id (default: the org in credentials.json; 0 there means calls without valid keys)")
	q := url.Values{}
	filter := func(name, usage string) {
		fs.Func(name, usage, func(v string) error { q.Set(camel(name), v); return nil })
	}
	filter("operation", "only this operation, e.g. LeadManagement.svc/Lead.Create (any case)")
	filter("status", "only this status, or a class such as 5xx")
	filter("exception-type", "only this ExceptionType")
	filter("request-id", "only the call with this request id")
	filter("lead-id", "only calls whose query or bodies mention this lead id")
	filter("text", "only calls whose query, bodies or error message contain this text (any case)")
	if sub != "tail" {
		filter("from", "from this time (RFC 3339, yyyy-MM-dd HH:mm:ss UTC, or Unix ms)")
		filter("to", "up to this time")
	}
	var (
		asJSON   bool
		limit    int
		cursor   string
		format   string
		out      string
		interval time.Duration
		forTime  time.Duration
	)
	switch sub {
	case "search":
		fs.BoolVar(&asJSON, "json", false, "print entries as JSON lines")
		fs.IntVar(&limit, "limit", 50, "entries per page (1 to 1000)")
		fs.StringVar(&cursor, "cursor", "", "continue from the cursor a previous search printed")
	case "tail":
		fs.BoolVar(&asJSON, "json", false, "print entries as JSON lines")
		fs.IntVar(&limit, "n", 10, "print this many recent entries first")
		fs.DurationVar(&interval, "interval", time.Second, "how often to poll")
		fs.DurationVar(&forTime, "for", 0, "stop after this long (default: until interrupted)")
	case "export":
		fs.StringVar(&format, "format", "jsonl", "jsonl or csv")
		fs.StringVar(&out, "out", "", "write to this file (default: standard output)")
		fs.IntVar(&limit, "limit", 0, "export at most this many entries (default: all)")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "journal %s: unexpected argument %q\n", sub, fs.Arg(0))
		return 2
	}
	orgSet := false
	fs.Visit(func(f *flag.Flag) { orgSet = orgSet || f.Name == "org" })
	if c.token == "" || !orgSet {
		creds, err := readCredentials(*dataDir)
		if c.token == "" {
			if err != nil {
				fmt.Fprintf(stderr, "journal: no admin token: pass --token, set LOCALSQUARED_ADMIN_TOKEN, or point --data-dir at a data directory (%v)\n", err)
				return 2
			}
			c.token = creds.AdminToken
		}
		if !orgSet {
			*org = 1
			if err == nil && creds.OrgID > 0 {
				*org = creds.OrgID
			}
		}
	}
	c.base = strings.TrimSuffix(c.base, "/") + "/api/v1/orgs/" + strconv.FormatInt(*org, 10) + "/journal"

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch sub {
	case "search":
		q.Set("limit", strconv.Itoa(limit))
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		err = c.search(ctx, q, asJSON, stdout, stderr)
	case "tail":
		if forTime > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, forTime)
			defer cancel()
		}
		err = c.tail(ctx, q, limit, interval, asJSON, stdout)
		if ctx.Err() != nil {
			err = nil
		}
	case "export":
		q.Set("format", format)
		if limit > 0 {
			q.Set("limit", strconv.Itoa(limit))
		}
		w := stdout
		if out != "" {
			f, ferr := os.Create(out)
			if ferr != nil {
				fmt.Fprintf(stderr, "journal export: %v\n", ferr)
				return 1
			}
			defer f.Close()
			w = f
		}
		err = c.export(ctx, q, w)
	}
	if err != nil {
		fmt.Fprintf(stderr, "journal %s: %v\n", sub, err)
		return 1
	}
	return 0
}

// camel turns a flag name (exception-type) into its query parameter
// (exceptionType).
func camel(s string) string {
	parts := strings.Split(s, "-")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

type journalCreds struct {
	OrgID      int64  `json:"orgId"`
	AdminToken string `json:"adminToken"`
}

func readCredentials(dir string) (journalCreds, error) {
	var c journalCreds
	b, err := os.ReadFile(filepath.Join(dir, "credentials.json"))
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("credentials.json: %w", err)
	}
	if c.AdminToken == "" {
		return c, errors.New("credentials.json has no adminToken")
	}
	return c, nil
}

// journalClient calls the journal's admin endpoints.
type journalClient struct {
	http  *http.Client
	base  string // …/api/v1/orgs/{org}/journal
	token string
}

// entry is the part of a journal entry the CLI prints; JSON output passes
// the server's object through whole.
type entry struct {
	ID               int64     `json:"id"`
	Time             time.Time `json:"time"`
	Method           string    `json:"method"`
	Path             string    `json:"path"`
	Operation        string    `json:"operation"`
	Status           int       `json:"status"`
	ExceptionType    string    `json:"exceptionType"`
	ExceptionMessage string    `json:"exceptionMessage"`
	LatencyUs        int64     `json:"latencyUs"`
	RequestID        string    `json:"requestId"`
}

type page struct {
	Entries    []json.RawMessage `json:"entries"`
	NextCursor string            `json:"nextCursor"`
}

func (c *journalClient) get(ctx context.Context, path string, q url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		defer res.Body.Close()
		var p struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
		if json.Unmarshal(b, &p) == nil && p.Detail != "" {
			return nil, fmt.Errorf("%s: %s", res.Status, p.Detail)
		}
		return nil, fmt.Errorf("%s", res.Status)
	}
	return res, nil
}

func (c *journalClient) page(ctx context.Context, q url.Values) (page, error) {
	res, err := c.get(ctx, "", q)
	if err != nil {
		return page{}, err
	}
	defer res.Body.Close()
	var p page
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		return page{}, fmt.Errorf("reading the journal: %w", err)
	}
	return p, nil
}

func printEntry(w io.Writer, raw json.RawMessage, asJSON bool) (entry, error) {
	var e entry
	if err := json.Unmarshal(raw, &e); err != nil {
		return e, err
	}
	if asJSON {
		_, err := fmt.Fprintf(w, "%s\n", raw)
		return e, err
	}
	op := e.Operation
	if op == "" {
		op = e.Method + " " + e.Path
	}
	line := fmt.Sprintf("%s  %d  %-45s %8.1fms  %s", e.Time.Format("2006-01-02 15:04:05.000"), e.Status, op,
		float64(e.LatencyUs)/1000, e.RequestID)
	if e.ExceptionType != "" {
		line += "  " + e.ExceptionType + ": " + e.ExceptionMessage
	}
	_, err := fmt.Fprintln(w, line)
	return e, err
}

func (c *journalClient) search(ctx context.Context, q url.Values, asJSON bool, stdout, stderr io.Writer) error {
	p, err := c.page(ctx, q)
	if err != nil {
		return err
	}
	for _, raw := range p.Entries {
		if _, err := printEntry(stdout, raw, asJSON); err != nil {
			return err
		}
	}
	if p.NextCursor != "" {
		fmt.Fprintf(stderr, "more: --cursor %s\n", p.NextCursor)
	}
	return nil
}

// tailOverlap is how far back each poll looks: entries committed late (a
// slow batch, another instance) still show up, and ids already printed
// are skipped.
const tailOverlap = 5 * time.Second

func (c *journalClient) tail(ctx context.Context, q url.Values, n int, interval time.Duration, asJSON bool, w io.Writer) error {
	seen := map[int64]time.Time{}
	last := time.Now()
	if n > 0 {
		q.Set("limit", strconv.Itoa(min(n, 1000)))
		p, err := c.page(ctx, q)
		if err != nil {
			return err
		}
		for i := len(p.Entries) - 1; i >= 0; i-- {
			e, err := printEntry(w, p.Entries[i], asJSON)
			if err != nil {
				return err
			}
			seen[e.ID] = e.Time
		}
	}
	q.Set("order", "asc")
	q.Set("limit", "1000")
	// Entries already in the overlap window are old news: mark them seen
	// without printing them.
	if err := c.poll(ctx, q, last, seen, nil, asJSON); err != nil {
		return err
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if err := c.poll(ctx, q, last, seen, w, asJSON); err != nil {
			return err
		}
		for _, at := range seen {
			if at.After(last) {
				last = at
			}
		}
		for id, at := range seen {
			if at.Before(last.Add(-2 * tailOverlap)) {
				delete(seen, id)
			}
		}
	}
}

// poll prints (to w, unless nil) every entry from last minus the overlap
// that is not in seen, and adds it to seen.
func (c *journalClient) poll(ctx context.Context, q url.Values, last time.Time, seen map[int64]time.Time, w io.Writer, asJSON bool) error {
	q.Set("from", strconv.FormatInt(last.Add(-tailOverlap).UnixMilli(), 10))
	q.Del("cursor")
	for {
		p, err := c.page(ctx, q)
		if err != nil {
			return err
		}
		for _, raw := range p.Entries {
			var e entry
			if err := json.Unmarshal(raw, &e); err != nil {
				return err
			}
			if _, dup := seen[e.ID]; dup {
				continue
			}
			if w != nil {
				if _, err := printEntry(w, raw, asJSON); err != nil {
					return err
				}
			}
			seen[e.ID] = e.Time
		}
		if p.NextCursor == "" {
			return nil
		}
		q.Set("cursor", p.NextCursor)
	}
}

func (c *journalClient) export(ctx context.Context, q url.Values, w io.Writer) error {
	res, err := c.get(ctx, "/export", q)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, err = io.Copy(w, res.Body)
	return err
}
