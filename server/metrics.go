package server

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's own Prometheus metrics. They live in a registry
// of the server's own (so that several servers may run in one process, as
// in tests); /metrics serves it together with the default registry, where
// cayley registers its cayley_* metrics and client_golang its go_* and
// process_* ones.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	inFlight     prometheus.Gauge
	connsRefused prometheus.Counter
	operations   *prometheus.CounterVec
	gqlErrors    *prometheus.CounterVec
	batchSize    prometheus.Histogram
}

func newMetrics(store Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "blurline_http_requests_total",
			Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "blurline_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		connsRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "blurline_connections_refused_total",
			Help: "Connections answered 503 and closed because MaxConns were open.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "blurline_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "blurline_graphql_operations_total",
			Help: "GraphQL operations that passed validation, by type.",
		}, []string{"type"}),
		gqlErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "blurline_graphql_errors_total",
			Help: "Errors returned by the GraphQL endpoint, by extensions.code.",
		}, []string{"code"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "blurline_graphql_batch_size",
			Help:    "Operations per batched request (a JSON array).",
			Buckets: []float64{1, 2, 3, 5, 10, 20, 50},
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.inFlight, m.connsRefused, m.operations, m.gqlErrors, m.batchSize, &storeCollector{store: store})
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(prometheus.Gatherers{m.reg, prometheus.DefaultGatherer},
		promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// storeCollector reports the store's size at each scrape.
type storeCollector struct{ store Store }

var (
	descQuads    = prometheus.NewDesc("blurline_store_quads", "Quads in the store.", nil, nil)
	descFacts    = prometheus.NewDesc("blurline_store_facts", "Facts (statements with provenance) in the store.", nil, nil)
	descEntities = prometheus.NewDesc("blurline_store_entities", "Entities in the store.", nil, nil)
	descUp       = prometheus.NewDesc("blurline_store_up", "1 if the store answered the last scrape, else 0.", nil, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descQuads
	ch <- descFacts
	ch <- descEntities
	ch <- descUp
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.store.Stats(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(descQuads, prometheus.GaugeValue, float64(st.Quads))
	ch <- prometheus.MustNewConstMetric(descFacts, prometheus.GaugeValue, float64(st.Facts))
	ch <- prometheus.MustNewConstMetric(descEntities, prometheus.GaugeValue, float64(st.Entities))
}
