package quota

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

// AdminEnv is what the admin endpoints need from the store.
type AdminEnv struct {
	Org     func(ctx context.Context, id crm.OrgID) (*crm.Org, error)
	SetPlan func(ctx context.Context, id crm.OrgID, plan string) (*crm.Org, error)
}

// Route is an admin endpoint for the admin API to mount behind its token check.
type Route struct {
	Pattern string
	Handler func(w http.ResponseWriter, r *http.Request) error
}

// AdminRoutes returns PUT /api/v1/orgs/{org}/plan and GET …/usage.
func (l *Limiter) AdminRoutes(env AdminEnv) []Route {
	return []Route{
		{"PUT /api/v1/orgs/{org}/plan", func(w http.ResponseWriter, r *http.Request) error { return l.putPlan(w, r, env) }},
		{"GET /api/v1/orgs/{org}/plan", func(w http.ResponseWriter, r *http.Request) error { return l.getUsage(w, r, env) }},
		{"GET /api/v1/orgs/{org}/usage", func(w http.ResponseWriter, r *http.Request) error { return l.getUsage(w, r, env) }},
	}
}

func orgID(r *http.Request) (crm.OrgID, error) {
	n, err := strconv.ParseInt(r.PathValue("org"), 10, 64)
	if err != nil || n <= 0 {
		return 0, crm.Errorf(crm.KindNotFound, "org ids are positive integers")
	}
	return crm.OrgID(n), nil
}

// planRequest is the body of PUT …/plan: a plan name, or custom numbers.
type planRequest struct {
	Name   string `json:"name"`
	Custom *struct {
		Per5s        int   `json:"per5s"`
		BulkPer5s    int   `json:"bulkPer5s"`
		Daily        int64 `json:"daily"`
		PerUserDaily int64 `json:"perUserDaily"`
		DailyCeiling int64 `json:"dailyCeiling"`
	} `json:"custom"`
}

func (l *Limiter) putPlan(w http.ResponseWriter, r *http.Request, env AdminEnv) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	var in planRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return crm.Errorf(crm.KindBadRequest, "invalid JSON body: %v", err)
	}
	stored := in.Name
	if in.Custom != nil {
		if in.Name != "" && in.Name != "custom" {
			return crm.Errorf(crm.KindInvalid, `give either "name" or "custom"`)
		}
		c := in.Custom
		stored = Custom(Plan{Per5s: c.Per5s, BulkPer5s: c.BulkPer5s, DailyBase: c.Daily, PerUserDaily: c.PerUserDaily, DailyCeiling: c.DailyCeiling})
	}
	if _, err := ParsePlan(stored); err != nil {
		return crm.Errorf(crm.KindInvalid, "%v", err)
	}
	if _, err := env.SetPlan(r.Context(), id, stored); err != nil {
		return err
	}
	return l.getUsage(w, r, env)
}

type usageResponse struct {
	OrgID  int64     `json:"orgId"`
	Plan   Plan      `json:"plan"`
	Now    time.Time `json:"now"`
	Window struct {
		Start    time.Time `json:"start"`
		Standard int       `json:"standard"`
		Bulk     int       `json:"bulk"`
	} `json:"window"`
	Day struct {
		Date  string `json:"date"`
		Calls int64  `json:"calls"`
		Limit int64  `json:"limit"`
	} `json:"day"`
}

func (l *Limiter) getUsage(w http.ResponseWriter, r *http.Request, env AdminEnv) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	org, err := env.Org(r.Context(), id)
	if err != nil {
		return err
	}
	p, u, dayLimit, err := l.Usage(r.Context(), org)
	if err != nil {
		return err
	}
	var out usageResponse
	out.OrgID, out.Plan, out.Now = int64(org.ID), p, l.env.Now(org).Truncate(time.Millisecond)
	out.Window.Start = time.UnixMilli(u.WindowStart).UTC()
	out.Window.Standard, out.Window.Bulk = u.Standard, u.Bulk
	out.Day.Date, out.Day.Calls, out.Day.Limit = out.Now.Format("2006-01-02"), u.Day, dayLimit
	b, err := json.Marshal(out)
	if err != nil {
		return crm.Internal(err)
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(b)
	return err
}
