package app

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"proact/models"
)

// metrics is the application's own Prometheus registry (no global state):
// requests by route and status, their durations, the database pool.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(store *models.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proact_http_requests_total",
			Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "proact_http_request_duration_seconds",
			Help:    "HTTP request durations by method and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	m.reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if sqlDB, err := store.DB().DB(); err == nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(sqlDB, string(store.Dialect())))
	}
	return m
}

// pageCache counts the page cache's hits, misses and kept pages.
func (m *metrics) pageCache(pc *pageCache) {
	for name, n := range map[string]*atomic.Uint64{"hits": &pc.hits, "misses": &pc.misses, "stores": &pc.stores} {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "proact_page_cache_" + name + "_total",
			Help: "Rendered-page cache " + name + ".",
		}, func() float64 { return float64(n.Load()) }))
	}
}

// identityCache exports the identity cache's counters (identity.go).
func (m *metrics) identityCache(ic *identityCache) {
	for name, n := range map[string]*atomic.Uint64{"hits": &ic.hits, "misses": &ic.misses} {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "proact_identity_cache_" + name + "_total",
			Help: "Identity cache " + name + " (a signed-in session's user and organisation kept in memory).",
		}, func() float64 { return float64(n.Load()) }))
	}
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

func (m *metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}
