// Command lsqseed fills a LocalSquared database with a large, reproducible
// data set for load runs: N leads and M activities in the first org.
//
// It opens the data directory (or PostgreSQL database) in process, as the
// server does, and writes through the store's own bulk paths (the ones
// Lead/Bulk/Create and Bulk/CustomActivity/Add call), only in far larger
// transactions than the API's 25 or 50 rows, so the rows are exactly what
// the API would have written. The activity type is made through the API
// handler itself. The server must not be running on the same data.
//
// Activities are spread over the leads with a fixed pseudo-random
// distribution (-rand-seed): a tenth of the leads are busy (up to 5.5× the
// mean, so their Retrieve pages are full), most have a few, some none.
// Within a window of leads the activities are posted in shuffled order with
// dates spread over two years, so one lead's activities are neither
// adjacent on disk nor in date order, as in a real org.
//
// It writes lsqseed-sample.json in the data directory: a random sample of
// leads with their activity counts and of activities with their leads,
// which bench/lsqload -sample reads, and a disjoint sample of leads the
// write operations post on, so that reads find the same pages run after
// run.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/server"
	"github.com/localsquared/localsquared/internal/store"
)

// TypeName is the custom activity type lsqseed and lsqload post.
const TypeName = "LsqLoad"

// Sample is lsqseed-sample.json.
type Sample struct {
	ActivityCode int              `json:"activityCode"`
	Leads        []SampleLead     `json:"leads"`      // leads with at least one activity (any lead with -activities 0), for reads
	Activities   []SampleActivity `json:"activities"` // activities of any lead
	WriteLeads   []string         `json:"writeLeads"` // other leads, for the write operations
}

// SampleLead is a lead and how many activities it had when seeded.
type SampleLead struct {
	ID         string `json:"id"`
	Activities int    `json:"activities"`
}

// SampleActivity is an activity and its lead.
type SampleActivity struct {
	ID   string `json:"id"`
	Lead string `json:"lead"`
}

type opts struct {
	dataDir, dbURL       string
	leads, activities    int
	leadBatch, actWindow int
	sample               int
	randSeed             uint64
}

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "lsqseed:", err)
		os.Exit(1)
	}
}

func run(args []string, log io.Writer) error {
	fs := flag.NewFlagSet("lsqseed", flag.ContinueOnError)
	var o opts
	fs.StringVar(&o.dataDir, "data-dir", "localsquared-data", "data directory (SQLite database, credentials.json, the sample file)")
	fs.StringVar(&o.dbURL, "database-url", "", "PostgreSQL URL instead of SQLite in -data-dir")
	fs.IntVar(&o.leads, "leads", 1_000_000, "leads to create")
	fs.IntVar(&o.activities, "activities", 10_000_000, "activities to post, spread over the new leads")
	fs.IntVar(&o.leadBatch, "lead-batch", 5000, "leads per transaction")
	fs.IntVar(&o.actWindow, "window", 2000, "leads whose activities are shuffled together and posted in one transaction")
	fs.IntVar(&o.sample, "sample", 20_000, "leads and activities to keep in lsqseed-sample.json")
	fs.Uint64Var(&o.randSeed, "rand-seed", 1, "seed of the distribution, dates and sample")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.leads < 1 || o.activities < 0 || o.leadBatch < 1 || o.actWindow < 1 || o.sample < 1 {
		return errors.New("-leads, -lead-batch, -window and -sample must be ≥ 1, -activities ≥ 0")
	}
	ctx := context.Background()
	srv, err := server.New(ctx, server.Config{DataDir: o.dataDir, DatabaseURL: o.dbURL, JournalDisabled: true,
		Out: log, Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	defer srv.Close()
	creds := srv.Credentials()
	if creds == nil {
		b, err := os.ReadFile(filepath.Join(o.dataDir, "credentials.json"))
		if err != nil {
			return fmt.Errorf("the database exists but its credentials.json does not: %w", err)
		}
		if err := json.Unmarshal(b, &creds); err != nil {
			return err
		}
	}
	p, err := srv.Store.Authenticate(ctx, creds.AccessKey, creds.SecretKey)
	if err != nil {
		return fmt.Errorf("credentials.json: %w", err)
	}
	code, err := ensureType(srv.Handler(), creds)
	if err != nil {
		return err
	}
	sd := &seeder{o: o, st: srv.Store, p: p, code: code, log: log, rng: rand.New(rand.NewPCG(o.randSeed, 7316))}
	if err := sd.run(ctx); err != nil {
		return err
	}
	b, _ := json.Marshal(sd.out)
	return os.WriteFile(filepath.Join(o.dataDir, "lsqseed-sample.json"), b, 0o600)
}

// ensureType returns the code of the LsqLoad type, creating it through the
// API handler when the org does not have it.
func ensureType(h http.Handler, c *store.Credentials) (int, error) {
	call := func(method, op, body string) (int, []byte) {
		req := httptest.NewRequest(method, "/v2/"+op, strings.NewReader(body))
		req.Header.Set("x-LSQ-AccessKey", c.AccessKey)
		req.Header.Set("x-LSQ-SecretKey", c.SecretKey)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}
	status, b := call("POST", "ProspectActivity.svc/CreateType",
		`{"ActivityEventName":"`+TypeName+`","Score":1,"Fields":[{"SchemaName":"mx_Custom_1","DisplayName":"Custom 1","DataType":"String"}]}`)
	if status == http.StatusOK {
		var out struct{ Message struct{ Id string } }
		if err := json.Unmarshal(b, &out); err != nil {
			return 0, fmt.Errorf("CreateType: %s", b)
		}
		return strconv.Atoi(out.Message.Id)
	}
	status, b = call("GET", "ProspectActivity.svc/ActivityTypes.Get", "")
	var types []struct {
		ActivityEvent     int
		ActivityEventName string
	}
	if status != http.StatusOK || json.Unmarshal(b, &types) != nil {
		return 0, fmt.Errorf("ActivityTypes.Get: %d %.200s", status, b)
	}
	for _, t := range types {
		if t.ActivityEventName == TypeName {
			return t.ActivityEvent, nil
		}
	}
	return 0, fmt.Errorf("cannot create or find activity type %s", TypeName)
}

type seeder struct {
	o    opts
	st   *store.Store
	p    *crm.Principal
	code int
	log  io.Writer
	rng  *rand.Rand
	out  Sample
	seen struct{ leads, acts, writes int } // candidates offered to the reservoirs
}

// counts spreads total activities over n leads: a tenth busy (0 to 5.5×
// the mean), the rest 0 to 1.5× the mean, then evened out to the exact
// total one activity at a time.
func counts(rng *rand.Rand, n, total int) []int32 {
	c := make([]int32, n)
	mean := float64(total) / float64(n)
	sum := 0
	for i := range c {
		hi := 1.5 * mean
		if rng.IntN(10) == 0 {
			hi = 5.5 * mean
		}
		c[i] = int32(rng.Float64() * (hi + 1))
		sum += int(c[i])
	}
	for sum < total {
		c[rng.IntN(n)]++
		sum++
	}
	for sum > total {
		if i := rng.IntN(n); c[i] > 0 {
			c[i]--
			sum--
		}
	}
	return c
}

func (sd *seeder) run(ctx context.Context) error {
	start := time.Now()
	ids, err := sd.createLeads(ctx)
	if err != nil {
		return err
	}
	if err := sd.st.Analyze(ctx); err != nil {
		return err
	}
	el := time.Since(start).Seconds()
	fmt.Fprintf(sd.log, "lsqseed: %d leads in %.0f s (%.0f/s)\n", len(ids), el, float64(len(ids))/el)
	start = time.Now()
	if err := sd.postActivities(ctx, ids); err != nil {
		return err
	}
	if err := sd.st.Analyze(ctx); err != nil {
		return err
	}
	el = time.Since(start).Seconds()
	fmt.Fprintf(sd.log, "lsqseed: %d activities in %.0f s (%.0f/s)\n", sd.o.activities, el, float64(sd.o.activities)/el)
	sd.out.ActivityCode = sd.code
	return nil
}

func (sd *seeder) createLeads(ctx context.Context) ([]string, error) {
	ids := make([]string, 0, sd.o.leads)
	run := sd.o.randSeed
	for done := 0; done < sd.o.leads; {
		n := min(sd.o.leadBatch, sd.o.leads-done)
		rows := make([]store.BulkLeadRow, n)
		for i := range rows {
			k := done + i
			rows[i].Attrs = []crm.Attribute{
				attr("FirstName", fmt.Sprintf("Seed%d", k%1000)), attr("LastName", "Tester"),
				attr("EmailAddress", fmt.Sprintf("lsqseed-%d-%d@example.com", run, k)),
				attr("Phone", fmt.Sprintf("+1-%03d-%09d", run%1000, k)), attr("Company", fmt.Sprintf("Acme %d", k%50)),
			}
		}
		res, err := sd.st.BulkCreateLeads(ctx, sd.p, rows)
		if err != nil {
			return nil, err
		}
		for i, r := range res {
			if r.Err != nil || !r.Created {
				return nil, fmt.Errorf("lead %d: %v", done+i, r.Err)
			}
			ids = append(ids, r.ID)
		}
		done += n
		if done%100_000 < sd.o.leadBatch {
			fmt.Fprintf(sd.log, "lsqseed: %d leads\n", done)
		}
	}
	return ids, nil
}

func attr(name, v string) crm.Attribute { return crm.Attribute{Name: name, Value: &v} }

// postActivities posts every lead's activities, a window of leads per
// transaction, shuffled within the window. On PostgreSQL the statistics
// are refreshed each time the activities double, so the plans the writes
// cached while the table was empty (a sequential scan) are replaced.
func (sd *seeder) postActivities(ctx context.Context, ids []string) error {
	per := counts(sd.rng, len(ids), sd.o.activities)
	note := "seeded activity"
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const span = 2 * 365 * 24 * 3600 // seconds
	done, analyzed := 0, 0
	for w := 0; w < len(ids); w += sd.o.actWindow {
		end := min(w+sd.o.actWindow, len(ids))
		var rows []store.BulkActivity
		for i := w; i < end; i++ {
			// Even leads may be read, odd ones written.
			if i%2 == 1 {
				sd.offerWriteLead(ids[i])
			} else if per[i] > 0 || sd.o.activities == 0 {
				sd.offerLead(SampleLead{ID: ids[i], Activities: int(per[i])})
			}
			for j := int32(0); j < per[i]; j++ {
				on := base.Add(time.Duration(sd.rng.IntN(span)) * time.Second)
				rows = append(rows, store.BulkActivity{LeadID: ids[i], Input: crm.ActivityInput{Code: sd.code, Note: &note, On: on,
					Fields: []crm.ActivityFieldValue{{SchemaName: "mx_Custom_1", Value: "v" + strconv.Itoa(sd.rng.IntN(1000))}}}})
			}
		}
		sd.rng.Shuffle(len(rows), func(a, b int) { rows[a], rows[b] = rows[b], rows[a] })
		res, err := sd.st.PostActivities(ctx, sd.p, "", rows)
		if err != nil {
			return err
		}
		for i, r := range res {
			if r.Err != nil {
				return fmt.Errorf("activity on lead %s: %v", rows[i].LeadID, r.Err)
			}
			sd.offerActivity(SampleActivity{ID: r.ID, Lead: rows[i].LeadID})
		}
		prev := done
		done += len(rows)
		if done > analyzed && done >= 2*analyzed {
			if err := sd.st.Analyze(ctx); err != nil {
				return err
			}
			analyzed = done
		}
		if done/1_000_000 != prev/1_000_000 {
			fmt.Fprintf(sd.log, "lsqseed: %d activities\n", done)
		}
	}
	return nil
}

// offerLead and offerActivity keep uniform random samples (reservoirs).
func (sd *seeder) offerLead(l SampleLead) {
	sd.seen.leads++
	if len(sd.out.Leads) < sd.o.sample {
		sd.out.Leads = append(sd.out.Leads, l)
	} else if i := sd.rng.IntN(sd.seen.leads); i < sd.o.sample {
		sd.out.Leads[i] = l
	}
}

func (sd *seeder) offerWriteLead(id string) {
	sd.seen.writes++
	if len(sd.out.WriteLeads) < sd.o.sample {
		sd.out.WriteLeads = append(sd.out.WriteLeads, id)
	} else if i := sd.rng.IntN(sd.seen.writes); i < sd.o.sample {
		sd.out.WriteLeads[i] = id
	}
}

func (sd *seeder) offerActivity(a SampleActivity) {
	sd.seen.acts++
	if len(sd.out.Activities) < sd.o.sample {
		sd.out.Activities = append(sd.out.Activities, a)
	} else if i := sd.rng.IntN(sd.seen.acts); i < sd.o.sample {
		sd.out.Activities[i] = a
	}
}
