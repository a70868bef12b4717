package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.HistogramVec
	holds    *prometheus.CounterVec
	orders   *prometheus.CounterVec
	// forwards counts requests between nodes (issue 18) by outcome: sent
	// to the owner and answered ("ok"), "unreachable", "no_owner",
	// "client_gone"; and of those received: "received" (served as the
	// owner), "not_owner", "unauthenticated".
	forwards *prometheus.CounterVec
	// forwardSeconds is how long a forwarded request took, owner's answer
	// relayed.
	forwardSeconds prometheus.Histogram
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		registry: reg,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "seatmap_http_request_duration_seconds",
			Help:    "HTTP request latency by route, method and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method", "status"}),
		holds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seatmap_holds_total",
			Help: "Hold requests by outcome.",
		}, []string{"outcome"}),
		orders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seatmap_orders_total",
			Help: "Order confirmations by outcome.",
		}, []string{"outcome"}),
		forwards: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seatmap_forwarded_requests_total",
			Help: "Requests forwarded to a performance's owner node, and received from other nodes, by outcome.",
		}, []string{"outcome"}),
		forwardSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "seatmap_forward_duration_seconds",
			Help:    "Latency of requests forwarded to a performance's owner node, the answer relayed.",
			Buckets: []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.holds, m.orders, m.forwards, m.forwardSeconds} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	// A private registry gets the process and Go collectors too; a shared one has them.
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m, nil
}

// MetricsHandler serves the Prometheus metrics without authentication, for a
// listen address of their own that only the monitoring network reaches.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}

func (s *Server) metricsHandler() echo.HandlerFunc {
	h := s.MetricsHandler()
	return func(c *echo.Context) error {
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// observe records each request's latency by route pattern (not raw path, which
// would explode the label space).
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := time.Now()
		err := next(c)
		status := 200
		if err != nil {
			status = s.toProblem(c, err).Status
		} else if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Status != 0 {
			status = r.Status
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.requests.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
		return err
	}
}

// outcome names a result for counters: "ok" or the problem slug.
func (s *Server) outcome(c *echo.Context, err error) string {
	if err == nil {
		return "ok"
	}
	p := s.toProblem(c, err)
	return strconv.Itoa(p.Status)
}
