package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/api"
	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/lease/memory"
	leaseredis "github.com/seatmap/seatmap/lease/redis"
	"github.com/seatmap/seatmap/lease/redis/redistest"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/payment"
	"github.com/seatmap/seatmap/realtime"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/staff"
	"github.com/seatmap/seatmap/store/backend"
	"github.com/seatmap/seatmap/store/postgres"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
	"github.com/seatmap/seatmap/store/sqlite"
	"github.com/seatmap/seatmap/voucher"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	pgURL    = pgtest.URL()
	redisURL = redistest.URL()
)

// stack opens a store and a lease store for one test. Postgres tests get their
// own schema, Redis tests their own key prefix: tests run in parallel.
type stack struct {
	name string
	open func(t testing.TB, now func() time.Time, pgAddr, redisAddr string) (backend.Store, lease.Store, string, string)
}

var (
	embedded = stack{"embedded", func(t testing.TB, now func() time.Time, _, _ string) (backend.Store, lease.Store, string, string) {
		st, err := sqlite.OpenWith(context.Background(), filepath.Join(t.TempDir(), "seatmap.db"), sqlite.Options{Now: now})
		require.NoError(t, err)
		t.Cleanup(st.Close)
		return st, memory.New(memory.Options{Now: now}), "sqlite", "memory"
	}}
	production = stack{"postgres+redis", func(t testing.TB, now func() time.Time, pgAddr, redisAddr string) (backend.Store, lease.Store, string, string) {
		st, err := postgres.OpenWith(context.Background(), pgtest.Schema(t, pgAddr), postgres.Options{Now: now})
		require.NoError(t, err)
		t.Cleanup(st.Close)
		opt := redistest.Options(t)
		if redisAddr != "" {
			opt.Addr = redisAddr
		}
		opt.MaxRetries = 0
		client := goredis.NewClient(opt)
		t.Cleanup(func() { client.Close() })
		return st, leaseredis.New(client, leaseredis.Options{Prefix: redistest.Prefix(t), Now: now}), "postgres", "redis"
	}}
	backends = []stack{embedded, production}
)

type envOptions struct {
	rate      api.RateLimit
	holdTTL   time.Duration
	pgAddr    string
	redisAddr string
	static    fs.FS
	payments  payment.Provider // nil: -payment none
	// publishableKey is the provider's public key for the pages.
	publishableKey string
	// location is the venue's time zone (-tz); nil: UTC.
	location *time.Location
	// share runs this env's stack on share's store, lease store and clock:
	// another node of the same cluster.
	share *testEnv
	// cluster makes the server a node of several (api.Config.Cluster); its
	// HTTP server then speaks unencrypted HTTP/2 besides HTTP/1.1.
	cluster api.Cluster
	// config changes the api.Config last.
	config func(*api.Config)
	// connState is the HTTP server's ConnState hook.
	connState func(net.Conn, http.ConnState)
}

// testEnv is a real seatd stack behind a real HTTP server.
type testEnv struct {
	t     testing.TB
	url   string
	admin string
	clock *testkit.Skewed // the stack's one clock; tests move it instead of sleeping
	seats *seating.Service
	// store is the stack's (guarded) store, for tests that move rows to a
	// state no route reaches yet.
	store backend.Store
	spec  routers.Router
	// transport carries every client's requests; closed with the env.
	transport *http.Transport
	leases    lease.Store
	srv       *api.Server
	// http is the env's HTTP server.
	http *httptest.Server
}

func newEnv(t testing.TB, b stack, opts ...func(*envOptions)) *testEnv {
	t.Helper()
	o := envOptions{rate: api.RateLimit{SessionPerSecond: -1, AddressPerSecond: -1}}
	for _, f := range opts {
		f(&o)
	}
	// Skewed, not standing: Redis expires leases on its own clock.
	c := &testkit.Skewed{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var (
		st     backend.Store
		leases lease.Store
	)
	if o.share != nil {
		c, st, leases = o.share.clock, o.share.store, o.share.leases
	} else {
		rawStore, rawLeases, storeName, leaseName := b.open(t, c.Now, o.pgAddr, o.redisAddr)
		st = backend.Guard(rawStore, storeName, 5*time.Second, log)
		leases = lease.Guard(rawLeases, leaseName, 2*time.Second, log)
	}
	now := c.Now
	svc := seating.New(seating.Config{
		Store: st, Leases: leases, Logger: log, Now: now,
		HoldTTL: o.holdTTL, SweepInterval: 20 * time.Millisecond,
	})
	vouchers := voucher.NewService(st)
	passes := pass.NewService(st)
	gates := gate.NewService(gate.Config{Store: st, Now: now, Facility: passes.Facility})
	co := checkout.New(checkout.Config{Store: st, Seats: svc, Vouchers: vouchers, Products: passes, Logger: log, Now: now,
		LapseInterval: 20 * time.Millisecond, Payments: o.payments, Location: o.location})
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, svc.Start(ctx))
	require.NoError(t, co.Start(ctx))
	hub := realtime.NewHub(realtime.Options{Shards: svc, Logger: log, Interval: 10 * time.Millisecond, IsNotFound: seating.IsNotFound})
	require.NoError(t, hub.Start(ctx))
	admin := staff.NewToken()
	if o.share != nil {
		admin = o.share.admin
	}
	cfg := api.Config{Seats: svc, Checkout: co, Vouchers: vouchers, Passes: passes, Gates: gates, Live: hub, Staff: staff.NewService(st, staff.TokenHash(admin), now), Logger: log, HoldRate: o.rate, Now: now, Static: o.static, Payments: o.payments, PaymentPublishableKey: o.publishableKey, Cluster: o.cluster}
	if o.config != nil {
		o.config(&cfg)
	}
	srv, err := api.New(cfg)
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(srv.Handler())
	if o.cluster != nil {
		// What seatd's server needs to be a node: peers speak HTTP/2
		// without TLS (prior knowledge), browsers and balancers HTTP/1.1.
		ts.Config.Protocols = new(http.Protocols)
		ts.Config.Protocols.SetHTTP1(true)
		ts.Config.Protocols.SetUnencryptedHTTP2(true)
	}
	ts.Config.ConnState = o.connState
	ts.Start()
	// The env's clients share a transport of its own, whose idle
	// connections (and their reading goroutines) end with the env rather
	// than linger in http.DefaultTransport until goleak looks.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
		hub.Stop()
		ts.Close()
		co.Stop()
		svc.Stop()
		cancel()
	})
	return &testEnv{t: t, url: ts.URL, admin: admin, clock: c, seats: svc, store: st, spec: openAPIRouter(t), transport: tr, leases: leases, srv: srv, http: ts}
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

func openAPIRouter(t testing.TB) routers.Router {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(api.OpenAPI)
		if err != nil {
			specErr = err
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			specErr = err
			return
		}
		openapi3filter.RegisterBodyDecoder("application/yaml", openapi3filter.PlainBodyDecoder)
		doc.Servers = nil // match paths on any host: the test servers' ports vary
		specRouter, specErr = legacy.NewRouter(doc)
	})
	require.NoError(t, specErr, "api/openapi.yaml")
	return specRouter
}

// client is one browser-like API user with its own cookie jar. Every response
// it sees is validated against api/openapi.yaml.
type client struct {
	e     *testEnv
	http  *http.Client
	token string // staff bearer token, if any
}

func (e *testEnv) buyer() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &specCheck{e: e, next: e.transport}}}
}

func (e *testEnv) staff() *client {
	c := e.buyer()
	c.token = e.admin
	return c
}

type specCheck struct {
	e    *testEnv
	next http.RoundTripper
}

func (s *specCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(req)
	if err != nil || resp.StatusCode == http.StatusSwitchingProtocols {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := s.e.spec.FindRoute(req)
	if err != nil {
		// Routes the document does not have must not exist either.
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			s.e.t.Errorf("openapi: %s %s is not documented: %v", req.Method, req.URL.Path, err)
		}
		return resp, nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: resp.StatusCode,
		Header: resp.Header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
		},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		s.e.t.Errorf("openapi: %s %s → %d does not match the document: %v\nbody: %.500s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
	return resp, nil
}

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

func (r response) problem(t testing.TB) api.Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"), "status %d body %s", r.status, r.body)
	var p api.Problem
	r.decode(t, &p)
	require.Equal(t, r.status, p.Status)
	return p
}

// do sends a request; body is JSON-encoded unless it is []byte or string.
func (c *client) do(method, path string, body any, header ...string) response {
	c.e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(c.e.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.e.url+path, rd)
	require.NoError(c.e.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	require.NoError(c.e.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(c.e.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

type performance struct {
	ID     string      `json:"id"`
	HallID string      `json:"hall_id"`
	Status string      `json:"status"`
	Zones  []hall.Zone `json:"zones"`
	Counts struct {
		Free, Held, Sold, Blocked int
	} `json:"counts"`
}

type hold struct {
	Token     string    `json:"token"`
	Seats     []string  `json:"seats"`
	ExpiresAt time.Time `json:"expires_at"`
}

type order struct {
	ID       string   `json:"id"`
	Number   string   `json:"number"`
	Status   string   `json:"status"`
	Seats    []string `json:"seats"`
	Total    int64    `json:"total"`
	Currency string   `json:"currency"`
}

// performance creates a hall from layout and a performance of it on sale.
func (e *testEnv) performance(layout hall.Layout, onSale bool) performance {
	e.t.Helper()
	staff := e.staff()
	r := staff.do("POST", "/api/v1/halls", layout)
	require.Equal(e.t, http.StatusCreated, r.status, "%s", r.body)
	var h struct{ ID string }
	r.decode(e.t, &h)
	r = staff.do("POST", "/api/v1/performances", map[string]any{
		"hall_id": h.ID, "name": "Test " + layout.Name, "starts_at": time.Now().Add(48 * time.Hour).Format(time.RFC3339), "on_sale": onSale,
	})
	require.Equal(e.t, http.StatusCreated, r.status, "%s", r.body)
	var p performance
	r.decode(e.t, &p)
	return p
}

func (e *testEnv) counts(id string) (free, held, sold, blocked int) {
	e.t.Helper()
	var p performance
	r := e.buyer().do("GET", "/api/v1/performances/"+id, nil)
	require.Equal(e.t, http.StatusOK, r.status)
	r.decode(e.t, &p)
	return p.Counts.Free, p.Counts.Held, p.Counts.Sold, p.Counts.Blocked
}

func itoa(i int) string { return fmt.Sprint(i) }
