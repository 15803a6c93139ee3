package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/journal"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, on a registry of their own
// so several servers can run in one process (tests, lsqtest).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "localsquared_api_requests_total",
			Help: "LeadSquared /v2 calls by operation and HTTP status.",
		}, []string{"operation", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "localsquared_api_request_duration_seconds",
			Help:    "LeadSquared /v2 call latency by operation.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"operation"}),
	}
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watchJournal exports the journal writer's counters.
func (m *metrics) watchJournal(j *journal.Journal) {
	counter := func(name, help string, f func(journal.Stats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return f(j.Stats()) })
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	m.reg.MustRegister(
		counter("localsquared_journal_commits_total", "Journal group commits (a spool append on SQLite, a statement on PostgreSQL).",
			func(s journal.Stats) float64 { return float64(s.Batches) }),
		counter("localsquared_journal_entries_total", "Journal entries committed.",
			func(s journal.Stats) float64 { return float64(s.Entries) }),
		counter("localsquared_journal_commit_seconds_total", "Time the journal writer spent committing.",
			func(s journal.Stats) float64 { return s.Commit.Seconds() }),
		gauge("localsquared_journal_queue_depth", "Entries waiting for the journal writer.",
			func() float64 { return float64(j.QueueDepth()) }),
		gauge("localsquared_journal_index_lag_entries", "SQLite: journal entries spooled but not yet indexed.",
			func() float64 { return float64(j.Stats().IndexLag) }),
	)
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// instrument counts and times /v2 calls by the operation lsqapi routed
// them to ("unknown" for unrouted paths, which keeps label values bounded).
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ci := crm.CallInfoFrom(r.Context())
		if ci == nil {
			ci = &crm.CallInfo{}
			r = r.WithContext(crm.WithCallInfo(r.Context(), ci))
		}
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(rec, r)
		op := ci.Operation
		if op == "" {
			op = "unknown"
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		m.requests.WithLabelValues(op, strconv.Itoa(rec.status)).Inc()
		m.latency.WithLabelValues(op).Observe(time.Since(start).Seconds())
	})
}
