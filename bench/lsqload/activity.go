package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// typeName is the custom activity type the activity operations post
// (bench/lsqseed makes the same one).
const typeName = "LsqLoad"

// sample is bench/lsqseed's lsqseed-sample.json.
type sample struct {
	ActivityCode int          `json:"activityCode"`
	Leads        []sampleLead `json:"leads"`
	WriteLeads   []string     `json:"writeLeads"`
	Activities   []struct {
		ID   string `json:"id"`
		Lead string `json:"lead"`
	} `json:"activities"`
}

// sampleLead is a lead and the activities it had when seeded.
type sampleLead struct {
	ID         string `json:"id"`
	Activities int    `json:"activities"`
}

// sampleOps are the operations that run on a -sample (they need no
// emails or lsqload-made values).
var sampleOps = map[string]bool{"get": true, "activity-create": true, "activity-get": true, "activity-details": true, "activity-bulk": true}

// prepare finds or makes what op reads: from -sample, or by seeding leads
// (and activities) through the API.
func (l *loader) prepare(op opSpec) error {
	if op.needs == needsNothing {
		return nil
	}
	if l.cfg.sample != "" {
		if !sampleOps[l.cfg.op] {
			return fmt.Errorf("-sample serves only get and the activity operations, not %s", l.cfg.op)
		}
		return l.loadSample()
	}
	if err := l.seedLeads(l.cfg.seed); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if len(l.ids) == 0 {
		return errors.New("no leads to read: give -seed > 0 or -sample")
	}
	if op.needs >= needsType {
		if err := l.ensureType(); err != nil {
			return err
		}
	}
	if op.needs == needsActivities {
		if err := l.seedActivities(); err != nil {
			return fmt.Errorf("seed activities: %w", err)
		}
		if len(l.acts) == 0 {
			return errors.New("no activities to read: give -acts > 0")
		}
	}
	return nil
}

func (l *loader) loadSample() error {
	b, err := os.ReadFile(l.cfg.sample)
	if err != nil {
		return err
	}
	var s sample
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s: %w", l.cfg.sample, err)
	}
	if len(s.Leads) == 0 {
		return fmt.Errorf("%s: no leads", l.cfg.sample)
	}
	if strings.HasPrefix(l.cfg.op, "activity-") && (len(s.Activities) == 0 || s.ActivityCode == 0) {
		return fmt.Errorf("%s: no activities or activity code (seeded with -activities 0?)", l.cfg.sample)
	}
	l.code, l.actLeads = s.ActivityCode, s.Leads
	// Writes go to leads the reads do not sample, so that reads find the
	// same pages however many write runs came before.
	l.ids = s.WriteLeads
	if len(l.ids) == 0 || l.cfg.op == "get" {
		l.ids = nil
		for _, ld := range s.Leads {
			l.ids = append(l.ids, ld.ID)
		}
	}
	for _, a := range s.Activities {
		l.acts = append(l.acts, a.ID)
	}
	return nil
}

// ensureType finds the LsqLoad type, creating it when the org lacks it
// (which needs an Administrator key).
func (l *loader) ensureType() error {
	ctx := context.Background()
	b, err := l.call(ctx, "POST", "ProspectActivity.svc/CreateType", "",
		[]byte(`{"ActivityEventName":"`+typeName+`","Score":1,"Fields":[{"SchemaName":"mx_Custom_1","DisplayName":"Custom 1","DataType":"String"}]}`))
	if err == nil {
		var out struct{ Message struct{ Id string } }
		if json.Unmarshal(b, &out) == nil {
			if l.code, err = strconv.Atoi(out.Message.Id); err == nil {
				return nil
			}
		}
		return fmt.Errorf("CreateType: %.200s", b)
	}
	b, err = l.call(ctx, "GET", "ProspectActivity.svc/ActivityTypes.Get", "", nil)
	if err != nil {
		return err
	}
	var types []struct {
		ActivityEvent     int
		ActivityEventName string
	}
	if err := json.Unmarshal(b, &types); err != nil {
		return fmt.Errorf("ActivityTypes.Get: %.200s", b)
	}
	for _, t := range types {
		if t.ActivityEventName == typeName {
			l.code = t.ActivityEvent
			return nil
		}
	}
	return fmt.Errorf("cannot create or find activity type %s", typeName)
}

// activityRow is one Bulk/CustomActivity/Add row on lead id, dated within
// the two years before 2026.
func (l *loader) activityRow(id string, rng *rand.Rand) []byte {
	on := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(2*365*24*3600)) * time.Second)
	return fmt.Appendf(nil, `{"RelatedProspectId":"%s","ActivityEvent":%d,"ActivityNote":"load test","ActivityDateTime":"%s",`+
		`"Fields":[{"SchemaName":"mx_Custom_1","Value":"v%d"}]}`, id, l.code, on.Format("2006-01-02 15:04:05"), rng.IntN(1000))
}

// seedActivities posts -acts activities on every seeded lead through
// Bulk/CustomActivity/Add/ByLeadId, 25 a call from 4 workers, and
// remembers their ids and each lead's count.
func (l *loader) seedActivities() error {
	ctx := context.Background()
	var leads []string
	for _, id := range l.ids {
		for range l.cfg.perLead {
			leads = append(leads, id)
		}
	}
	rand.New(rand.NewPCG(uint64(l.run), 1)).Shuffle(len(leads), func(i, j int) { leads[i], leads[j] = leads[j], leads[i] })
	var mu sync.Mutex
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	var next atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(l.run), uint64(w)))
			for {
				end := int(next.Add(25))
				if end-25 >= len(leads) {
					return
				}
				batch := leads[end-25 : min(end, len(leads))]
				body := []byte{'['}
				for i, id := range batch {
					if i > 0 {
						body = append(body, ',')
					}
					body = append(body, l.activityRow(id, rng)...)
				}
				body = append(body, ']')
				b, err := l.call(ctx, "POST", "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId", "", body)
				if err != nil {
					errc <- err
					return
				}
				var out struct {
					Response []struct {
						ActivityCreated    bool
						ProspectActivityId string
						ExceptionMessage   *string
					}
				}
				if err := json.Unmarshal(b, &out); err != nil || len(out.Response) != len(batch) {
					errc <- fmt.Errorf("bulk activities: unexpected body %.200s", b)
					return
				}
				mu.Lock()
				for i, r := range out.Response {
					if !r.ActivityCreated {
						mu.Unlock()
						errc <- fmt.Errorf("bulk activity row %d: %.200s", i+1, b)
						return
					}
					l.acts = append(l.acts, r.ProspectActivityId)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	if l.cfg.perLead > 0 {
		for _, id := range l.ids {
			l.actLeads = append(l.actLeads, sampleLead{ID: id, Activities: l.cfg.perLead})
		}
	}
	return nil
}

// opActivityGet is Retrieve?leadId= (the default page of 25, newest
// first) on a lead that has activities. The check: RecordCount is at least
// what the lead had when seeded, and the page holds min(25, RecordCount)
// records, all of this lead.
func opActivityGet(ctx context.Context, l *loader, rng *rand.Rand) (int, error) {
	ld := l.actLeads[rng.IntN(len(l.actLeads))]
	b, err := l.call(ctx, "POST", "ProspectActivity.svc/Retrieve", "leadId="+ld.ID, nil)
	if err != nil {
		return 0, err
	}
	own := bytes.Count(b, []byte(`"RelatedProspectId":"`+ld.ID+`"`))
	if !l.cfg.check {
		return own, nil
	}
	rest, ok := bytes.CutPrefix(b, []byte(`{"RecordCount":`))
	end := bytes.IndexByte(rest, ',')
	if !ok || end < 0 {
		return 0, fmt.Errorf("activity-get: unexpected body %.200s", b)
	}
	total, err := strconv.Atoi(string(rest[:end]))
	if err != nil || total < ld.Activities {
		return 0, fmt.Errorf("activity-get: lead %s has %d activities, RecordCount %s", ld.ID, ld.Activities, rest[:end])
	}
	if want := min(25, total); own != want || bytes.Count(b, []byte(`"RelatedProspectId":"`)) != want {
		return 0, fmt.Errorf("activity-get: lead %s: %d of its records on the page, want %d: %.200s", ld.ID, own, want, b)
	}
	return own, nil
}

// opActivityDetails is GetActivityDetails on a random activity.
func opActivityDetails(ctx context.Context, l *loader, rng *rand.Rand) (int, error) {
	id := l.acts[rng.IntN(len(l.acts))]
	b, err := l.call(ctx, "GET", "ProspectActivity.svc/GetActivityDetails", "activityId="+id, nil)
	if err != nil {
		return 0, err
	}
	if l.cfg.check && (!bytes.HasPrefix(b, []byte(`{"ID":"`+id+`"`)) || !bytes.Contains(b, []byte(`"SchemaName":"mx_Custom_1"`))) {
		return 0, fmt.Errorf("activity-details: %s not in %.200s", id, b)
	}
	return 1, nil
}

// opActivityBulk is Bulk/CustomActivity/Add/ByLeadId with 25 rows on
// random leads.
func opActivityBulk(ctx context.Context, l *loader, rng *rand.Rand) (int, error) {
	body := []byte{'['}
	for i := range 25 {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, l.activityRow(l.ids[rng.IntN(len(l.ids))], rng)...)
	}
	body = append(body, ']')
	b, err := l.call(ctx, "POST", "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId", "", body)
	if err != nil {
		return 0, err
	}
	if l.cfg.check && bytes.Count(b, []byte(`"ActivityCreated":true`)) != 25 {
		return 0, fmt.Errorf("activity-bulk: not all 25 rows posted: %.300s", b)
	}
	return 25, nil
}
