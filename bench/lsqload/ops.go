package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sort"
	"strings"
)

// opSpec is one load operation: do sends one request and returns how many
// rows (leads or activities) it wrote or read; needs is what it reads.
type opSpec struct {
	needs needs
	do    func(ctx context.Context, l *loader, rng *rand.Rand) (int, error)
}

// needs is what an operation must find before it runs.
type needs int

const (
	needsNothing    needs = iota
	needsLeads            // leads (-seed through the API, or -sample)
	needsType             // leads and the LsqLoad activity type
	needsActivities       // leads with activities, and activity ids
)

var ops = map[string]opSpec{
	"create":           {needsNothing, opCreate},
	"get":              {needsLeads, opGetByID},
	"get-email":        {needsLeads, opGetByEmail},
	"get-phone":        {needsLeads, opGetByPhone},
	"search-like":      {needsLeads, opSearchLike},
	"search-eq":        {needsLeads, opSearchEq},
	"recent":           {needsLeads, opRecent},
	"bulk-create":      {needsNothing, opBulkCreate},
	"activity-create":  {needsLeads, opActivityCreate},
	"activity-get":     {needsActivities, opActivityGet},
	"activity-details": {needsActivities, opActivityDetails},
	"activity-bulk":    {needsType, opActivityBulk},
	"mix":              {needsLeads, opMix},
	"floor":            {needsNothing, opFloor},
}

func opNames() []string {
	var names []string
	for n := range ops {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func opCreate(ctx context.Context, l *loader, _ *rand.Rand) (int, error) {
	b, err := l.call(ctx, "POST", "LeadManagement.svc/Lead.Create", "", l.leadBody(l.seq.Add(1)))
	if err != nil {
		return 0, err
	}
	if l.cfg.check && !bytes.Contains(b, []byte(`"Status":"Success"`)) {
		return 0, fmt.Errorf("create: unexpected body %.200s", b)
	}
	return 1, nil
}

func opGetByID(ctx context.Context, l *loader, rng *rand.Rand) (int, error) {
	id := l.ids[rng.IntN(len(l.ids))]
	b, err := l.call(ctx, "GET", "LeadManagement.svc/Leads.GetById", "id="+id, nil)
	if err != nil {
		return 0, err
	}
	if l.cfg.check && !bytes.Contains(b, []byte(id)) {
		return 0, fmt.Errorf("get: lead %s not in %.200s", id, b)
	}
	return 1, nil
}

func opGetByEmail(ctx context.Context, l *loader, rng *rand.Rand) (int, error) {
	e := l.emails[rng.IntN(len(l.emails))]
	b, err := l.call(ctx, "GET", "LeadManagement.svc/Leads.GetByEmailaddress", "emailaddress="+url.QueryEscape(e), nil)
	if err != nil {
		return 0, err
	}
	if l.cfg.check && !bytes.Contains(b, []byte(e)) {
		return 0, fmt.Errorf("get-email: %s not in %.200s", e, b)
	}
	return 1, nil
}

// rewritePhone writes a Phone another way: no "+", spaces for dashes.
var rewritePhone = strings.NewReplacer("+", "", "-", " ")

// opGetByPhone is RetrieveLeadByPhoneNumber with the digits of a seeded
// lead's Phone written another way (rewritePhone), so the server's digit
// comparison is what finds it.
func opGetByPhone(ctx context.Context, l *loader, rng *rand.Rand) (int, error) {
	i := rng.IntN(len(l.phones))
	phone := rewritePhone.Replace(l.phones[i])
	b, err := l.call(ctx, "GET", "LeadManagement.svc/RetrieveLeadByPhoneNumber", "phone="+url.QueryEscape(phone), nil)
	if err != nil {
		return 0, err
	}
	if l.cfg.check && !bytes.Contains(b, []byte(l.ids[i])) {
		return 0, fmt.Errorf("get-phone: lead %s not in %.200s", l.ids[i], b)
	}
	return 1, nil
}

func opSearchLike(ctx context.Context, l *loader, rng *rand.Rand) (int, error) {
	prefix := fmt.Sprintf("lsqload-%d-%d", l.run, 1+rng.IntN(9))
	body := fmt.Appendf(nil, `{"Parameter":{"LookupName":"EmailAddress","LookupValue":"%s%%","SqlOperator":"LIKE"},`+
		`"Columns":{"Include_CSV":"ProspectID,FirstName,EmailAddress"},"Sorting":{"ColumnName":"EmailAddress","Direction":"0"},"Paging":{"PageIndex":1,"PageSize":25}}`, prefix)
	b, err := l.call(ctx, "POST", "LeadManagement.svc/Leads.Get", "", body)
	if err != nil {
		return 0, err
	}
	var leads []map[string]any
	if err := json.Unmarshal(b, &leads); err != nil {
		return 0, fmt.Errorf("search-like: %v in %.200s", err, b)
	}
	if l.cfg.check && len(leads) == 0 {
		return 0, fmt.Errorf("search-like %q: no leads", prefix)
	}
	return len(leads), nil
}

// opSearchEq is Leads.Get with = on FirstName (one of the "LoadK" names,
// which every lsqload run reuses, or with -eq-names seed one of lsqseed's
// "SeedK") sorted by another field, CreatedOn, newest first (the
// server reads the page in that order from the FirstName index).
func opSearchEq(ctx context.Context, l *loader, rng *rand.Rand) (int, error) {
	name := fmt.Sprintf("Load%d", 1+rng.IntN(int(min(l.seq.Load(), 999))))
	if l.cfg.eqNames == "seed" {
		name = fmt.Sprintf("Seed%d", rng.IntN(1000))
	}
	body := fmt.Appendf(nil, `{"Parameter":{"LookupName":"FirstName","LookupValue":"%s","SqlOperator":"="},`+
		`"Columns":{"Include_CSV":"ProspectID,FirstName,CreatedOn"},"Sorting":{"ColumnName":"CreatedOn","Direction":"1"},"Paging":{"PageIndex":1,"PageSize":25}}`, name)
	b, err := l.call(ctx, "POST", "LeadManagement.svc/Leads.Get", "", body)
	if err != nil {
		return 0, err
	}
	var leads []struct{ FirstName, CreatedOn string }
	if err := json.Unmarshal(b, &leads); err != nil {
		return 0, fmt.Errorf("search-eq: %v in %.200s", err, b)
	}
	if l.cfg.check {
		if len(leads) == 0 {
			return 0, fmt.Errorf("search-eq %q: no leads", name)
		}
		for i, ld := range leads {
			if ld.FirstName != name || i > 0 && ld.CreatedOn > leads[i-1].CreatedOn {
				return 0, fmt.Errorf("search-eq %q: lead %d is %+v after %+v", name, i, ld, leads[max(i-1, 0)])
			}
		}
	}
	return len(leads), nil
}

func opRecent(ctx context.Context, l *loader, rng *rand.Rand) (int, error) {
	body := []byte(`{"Parameter":{"FromDate":"2000-01-01 00:00:00","ToDate":"2999-12-31 23:59:59"},` +
		`"Columns":{"Include_CSV":"ProspectID,FirstName,EmailAddress"},"Paging":{"PageIndex":1,"PageSize":1000}}`)
	b, err := l.call(ctx, "POST", "LeadManagement.svc/Leads.RecentlyModified", "", body)
	if err != nil {
		return 0, err
	}
	var out struct {
		RecordCount int
		Leads       []json.RawMessage
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return 0, fmt.Errorf("recent: %v in %.200s", err, b)
	}
	if l.cfg.check && len(out.Leads) == 0 {
		return 0, fmt.Errorf("recent: no leads")
	}
	return len(out.Leads), nil
}

func opBulkCreate(ctx context.Context, l *loader, _ *rand.Rand) (int, error) {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := 0; i < 50; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(l.leadBody(l.seq.Add(1)))
	}
	buf.WriteByte(']')
	b, err := l.call(ctx, "POST", "LeadManagement.svc/Lead/Bulk/Create", "", buf.Bytes())
	if err != nil {
		return 0, err
	}
	if l.cfg.check && bytes.Count(b, []byte(`"LeadCreated":true`)) != 50 {
		return 0, fmt.Errorf("bulk-create: not all 50 rows created: %.300s", b)
	}
	return 50, nil
}

func opActivityCreate(ctx context.Context, l *loader, rng *rand.Rand) (int, error) {
	id := l.ids[rng.IntN(len(l.ids))]
	body := fmt.Appendf(nil, `{"RelatedProspectId":"%s","ActivityEvent":22,"ActivityNote":"load test","ActivityDateTime":"2024-01-02 03:04:05"}`, id)
	b, err := l.call(ctx, "POST", "ProspectActivity.svc/Create", "", body)
	if err != nil {
		return 0, err
	}
	if l.cfg.check && !bytes.Contains(b, []byte(`"Status":"Success"`)) {
		return 0, fmt.Errorf("activity-create: %.200s", b)
	}
	return 1, nil
}

// opMix is a realistic blend: mostly reads, some writes.
func opMix(ctx context.Context, l *loader, rng *rand.Rand) (int, error) {
	switch n := rng.IntN(100); {
	case n < 50:
		return opGetByID(ctx, l, rng)
	case n < 70:
		return opGetByEmail(ctx, l, rng)
	case n < 85:
		return opCreate(ctx, l, rng)
	case n < 95:
		return opSearchLike(ctx, l, rng)
	default:
		return opBulkCreate(ctx, l, rng)
	}
}
