// Command seatd runs the seatmap server.
//
// With no configuration it keeps everything under ./data (SQLite, in-process
// leases journaled to a file), seeds a demo theatre with one performance on sale,
// and serves the app at http://localhost:8080. DATABASE_URL and REDIS_URL switch
// to Postgres and Redis.
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // -tz works on machines without a zoneinfo database

	goredis "github.com/redis/go-redis/v9"

	"github.com/seatmap/seatmap/api"
	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/cluster"
	"github.com/seatmap/seatmap/frontend"
	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/breaker"
	"github.com/seatmap/seatmap/internal/connlimit"
	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/lease/memory"
	leaseredis "github.com/seatmap/seatmap/lease/redis"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/realtime"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/staff"
	"github.com/seatmap/seatmap/store/backend"
	"github.com/seatmap/seatmap/store/postgres"
	"github.com/seatmap/seatmap/store/sqlite"
	"github.com/seatmap/seatmap/voucher"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "seatd:", err)
		os.Exit(1)
	}
}

type config struct {
	addr          string
	data          string
	databaseURL   string
	redisURL      string
	redisPrefix   string
	demo          bool
	adminToken    string
	holdTTL       time.Duration
	maxSeats      int
	heldPerSess   int
	heldPerAddr   int
	sockPerAddr   int
	connPerAddr   int
	rateLimit     bool
	secureCookies bool
	trustProxy    bool
	pprofAddr     string
	metricsAddr   string
	logLevel      slog.Level
	liveFrameRate int
	location      *time.Location
	publicURL     string // no trailing slash; empty: http://<the listening address>
	mail          mailConfig
	payment       paymentConfig
	docsAfter     time.Duration // -documents-after
	cluster       clusterConfig
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	envInt := func(key string, def int) int {
		if v, err := strconv.Atoi(getenv(key)); err == nil {
			return v
		}
		return def
	}
	envBool := func(key string, def bool) bool {
		if v, err := strconv.ParseBool(getenv(key)); err == nil {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("seatd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("SEATD_ADDR", "localhost:8080"), "listen address (SEATD_ADDR)")
	fs.StringVar(&c.data, "data", env("SEATD_DATA", "./data"), "directory for the embedded database and leases (SEATD_DATA)")
	fs.StringVar(&c.databaseURL, "database-url", getenv("DATABASE_URL"), "Postgres URL; empty uses SQLite under -data (DATABASE_URL)")
	fs.StringVar(&c.redisURL, "redis-url", getenv("REDIS_URL"), "Redis URL; empty keeps leases in process (REDIS_URL)")
	fs.StringVar(&c.redisPrefix, "redis-prefix", env("SEATD_REDIS_PREFIX", "seatmap:"), "prefix of every Redis key (SEATD_REDIS_PREFIX)")
	fs.BoolVar(&c.demo, "demo", envBool("SEATD_DEMO", true), "seed an empty store with a demo theatre and a performance on sale (SEATD_DEMO)")
	fs.DurationVar(&c.holdTTL, "hold-ttl", 10*time.Minute, "how long a hold lasts before it must be extended or confirmed")
	fs.DurationVar(&c.docsAfter, "documents-after", checkout.DefaultDocumentsAfter, "how long after its start a performance counts as ended: its documents (acts, realization report, settlement) are then made automatically")
	fs.IntVar(&c.maxSeats, "max-seats", 10, "most seats one hold may take")
	fs.IntVar(&c.heldPerSess, "max-held-per-session", envInt("SEATD_MAX_HELD_PER_SESSION", 20), "most seats one buyer session may hold at once, over all its holds; 0: no cap (SEATD_MAX_HELD_PER_SESSION)")
	fs.IntVar(&c.heldPerAddr, "max-held-per-address", envInt("SEATD_MAX_HELD_PER_ADDRESS", 100), "most seats the buyers of one client address (an IPv6 /64) may hold at once: room for ten families behind one NAT; with -trust-proxy the address comes from X-Forwarded-For; 0: no cap (SEATD_MAX_HELD_PER_ADDRESS)")
	fs.IntVar(&c.sockPerAddr, "max-sockets-per-address", envInt("SEATD_MAX_SOCKETS_PER_ADDRESS", 256), "most live seat maps (WebSockets) one client address may keep open; with -trust-proxy the address comes from X-Forwarded-For; 0: no cap (SEATD_MAX_SOCKETS_PER_ADDRESS)")
	fs.IntVar(&c.connPerAddr, "max-conns-per-address", envInt("SEATD_MAX_CONNS_PER_ADDRESS", 1024), "most TCP connections one client address may keep open, sockets included; more are reset at once; off with -trust-proxy (every connection then comes from the proxy); 0: no cap (SEATD_MAX_CONNS_PER_ADDRESS)")
	fs.BoolVar(&c.rateLimit, "rate-limit", envBool("SEATD_RATE_LIMIT", true), "limit holds and voucher code checks per session and per address, and cap the seats they hold (SEATD_RATE_LIMIT; false lifts every per-client limit, for load tests from one address)")
	fs.BoolVar(&c.secureCookies, "secure-cookies", envBool("SEATD_SECURE_COOKIES", false), "mark cookies Secure: set when served over HTTPS (SEATD_SECURE_COOKIES)")
	fs.BoolVar(&c.trustProxy, "trust-proxy", envBool("SEATD_TRUST_PROXY", false), "take client addresses from X-Forwarded-For (SEATD_TRUST_PROXY)")
	fs.StringVar(&c.pprofAddr, "pprof", getenv("SEATD_PPROF"), "serve Go profiles (net/http/pprof) on this address, e.g. localhost:6060; off when empty (SEATD_PPROF)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", getenv("SEATD_METRICS_ADDR"), "serve Prometheus metrics without a token on this address, e.g. localhost:9090, for the monitoring network only; off when empty (on the main port /metrics needs an admin token) (SEATD_METRICS_ADDR)")
	fs.IntVar(&c.liveFrameRate, "live-frame-rate", 50_000, "frames a second one performance's live map writes to all its sockets together; bigger audiences get wider coalescing windows (each frame is a write per socket)")
	tz := fs.String("tz", env("SEATD_TZ", "Local"), "the venue's time zone (IANA name, e.g. Europe/Zurich): vouchers' date, weekday and time rules use it, and pages and e-mails show times in it, naming it; Local is the machine's (TZ, /etc/localtime; in a container usually UTC) (SEATD_TZ)")
	fs.StringVar(&c.publicURL, "public-url", getenv("SEATD_PUBLIC_URL"), "where buyers reach seatd, e.g. https://tickets.example.com, for the order links in e-mails (default http://<-addr> as it listens) (SEATD_PUBLIC_URL)")
	c.mail.register(fs, getenv)
	c.payment.register(fs, getenv)
	c.cluster.register(fs, getenv)
	level := fs.String("log-level", env("SEATD_LOG_LEVEL", "info"), "debug, info, warn or error (SEATD_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := c.logLevel.UnmarshalText([]byte(*level)); err != nil {
		return c, fmt.Errorf("-log-level: %w", err)
	}
	var err error
	if c.location, err = venueZone(*tz, getenv); err != nil {
		return c, fmt.Errorf("-tz: %w", err)
	}
	if c.publicURL != "" {
		u, err := url.Parse(c.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return c, fmt.Errorf("-public-url %q: want an http or https URL without query, fragment or user, e.g. https://tickets.example.com", c.publicURL)
		}
		c.publicURL = strings.TrimRight(c.publicURL, "/")
	}
	c.adminToken = getenv("SEATD_ADMIN_TOKEN")
	if c.adminToken != "" && len(c.adminToken) < 16 {
		return c, errors.New("SEATD_ADMIN_TOKEN must have at least 16 characters")
	}
	if c.holdTTL < 10*time.Second || c.holdTTL > 2*time.Hour {
		return c, errors.New("-hold-ttl must be between 10s and 2h")
	}
	if c.docsAfter < time.Minute || c.docsAfter > 30*24*time.Hour {
		return c, errors.New("-documents-after must be between 1m and 720h")
	}
	if c.liveFrameRate < 100 || c.liveFrameRate > 10_000_000 {
		return c, errors.New("-live-frame-rate must be between 100 and 10,000,000")
	}
	if c.maxSeats < 1 || c.maxSeats > 100 {
		return c, errors.New("-max-seats must be between 1 and 100")
	}
	for _, cp := range []struct {
		flag string
		v    int
	}{{"-max-held-per-session", c.heldPerSess}, {"-max-held-per-address", c.heldPerAddr}} {
		if cp.v != 0 && cp.v < c.maxSeats {
			return c, fmt.Errorf("%s must be 0 (no cap) or at least -max-seats (%d): a buyer must be able to make one hold", cp.flag, c.maxSeats)
		}
	}
	if c.sockPerAddr < 0 || c.connPerAddr < 0 || (c.connPerAddr > 0 && c.connPerAddr < c.sockPerAddr) {
		return c, errors.New("-max-conns-per-address must be 0 (no cap) or at least -max-sockets-per-address, and neither negative")
	}
	if !c.rateLimit {
		c.heldPerSess, c.heldPerAddr, c.sockPerAddr, c.connPerAddr = 0, 0, 0, 0
	}
	if c.trustProxy {
		c.connPerAddr = 0
	}
	if err := c.mail.resolve(c.data, getenv); err != nil {
		return c, err
	}
	if err := c.payment.resolve(getenv); err != nil {
		return c, err
	}
	if err := c.cluster.resolve(c); err != nil {
		return c, err
	}
	return c, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	return serve(ctx, cfg, stdout, stderr, nil)
}

// Deadlines of one call to the store and to the lease store: past them the
// call counts as an outage.
const (
	storeTimeout = 5 * time.Second
	leaseTimeout = 2 * time.Second
)

// serve runs seatd until ctx ends. ready, if set, learns the base URL once the
// server listens.
func serve(ctx context.Context, cfg config, stdout, stderr io.Writer, ready func(url string)) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))

	raw, storeName, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer raw.Close()
	// Every call to the store and the lease store goes through a breaker of
	// its own, with a deadline per call.
	st := backend.Guard(raw, storeName, storeTimeout, log)

	rawLeases, redisClient, leaseName, closeLeases, err := openLeases(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeLeases()
	leases := lease.Guard(rawLeases, leaseName, leaseTimeout, log)

	adminHash, err := adminToken(ctx, st, cfg.adminToken, stdout)
	if err != nil {
		return err
	}

	// Listen before the checkout starts: the order links in its e-mails need
	// the address, and with -addr :0 only the listener knows it. Connections
	// wait in the backlog until the server starts.
	inner, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	defer inner.Close()
	url := "http://" + displayAddr(inner.Addr())
	publicURL := cfg.publicURL
	if publicURL == "" {
		publicURL = url
	}
	log.Info("venue time zone", "tz", cfg.location.String(), "now", checkout.FormatWhen(time.Now(), cfg.location))

	// Several nodes (issue 18): this node serves the performances it owns,
	// and forwards the others' seat commands to their owners.
	var node *cluster.Cluster
	hooks := &nodeHooks{}
	if cfg.cluster.enabled() {
		advertise, err := cfg.cluster.advertiseFor(inner.Addr())
		if err != nil {
			return err
		}
		if node, err = newNode(cfg.cluster, advertise, raw, redisClient, cfg.redisPrefix, placeable(st), hooks, log); err != nil {
			return err
		}
	}

	vouchers := voucher.NewService(st)
	seatCfg := seating.Config{
		Store: st, Leases: leases, Logger: log,
		HoldTTL: cfg.holdTTL, MaxHoldSeats: cfg.maxSeats,
		MaxHeldPerSession: cfg.heldPerSess, MaxHeldPerAddress: cfg.heldPerAddr,
	}
	if node != nil {
		seatCfg.Owner = node
	}
	svc := seating.New(seatCfg)
	hooks.gained = svc.Adopt
	hooks.lost = svc.Unload
	pay, err := cfg.payment.provider(log)
	if err != nil {
		return err
	}
	log.Info("payments", "mode", cfg.payment.mode)
	// The daily reconciliation runs in every mode: with -payment none it
	// finds no payment rows, and rows of an earlier mode are still checked.
	passes := pass.NewService(st)
	co := checkout.New(checkout.Config{Store: st, Seats: svc, Vouchers: vouchers, Products: passes, Logger: log, Location: cfg.location,
		PublicURL: publicURL, Payments: pay, PaymentWindow: cfg.payment.window, ReconcileDaily: true,
		DocumentsAfter: cfg.docsAfter})
	gates := gate.NewService(gate.Config{Store: st, Loc: cfg.location, Facility: passes.Facility})
	// A node that takes a performance over resumes its jobs (a cancel, a
	// reschedule, telling buyers of a change) where the last owner left them.
	hooks.took = func(perf string) { go co.ResumeJobs(context.WithoutCancel(ctx), perf) }
	if err := svc.Start(ctx); err != nil {
		return err
	}
	defer svc.Stop()
	if node != nil {
		// Joined before the demo is seeded (a node renews the performances
		// it creates), placing performances only once it serves HTTP.
		if err := node.Join(ctx); err != nil {
			return err
		}
		// Handed over before the services stop (deferred calls run last in,
		// first out), and at the latest here if serve ends otherwise.
		defer node.Leave(context.WithoutCancel(ctx))
	}
	if cfg.demo {
		if err := seedDemo(ctx, st, svc, log); err != nil {
			return err
		}
	}
	if err := co.Start(ctx); err != nil {
		return err
	}
	defer co.Stop()

	budget := descriptorBudget(log)
	hub := realtime.NewHub(realtime.Options{Shards: svc, Logger: log, IsNotFound: seating.IsNotFound, IsUnavailable: breaker.IsUnavailable, FrameRate: cfg.liveFrameRate, MaxClients: budget.sockets})
	if err := hub.Start(ctx); err != nil {
		return err
	}
	defer hub.Stop()

	stopMail, err := startMail(ctx, cfg.mail, st, co.RenderMessage, log)
	if err != nil {
		return err
	}
	defer stopMail()

	holdRate := api.RateLimit{}
	if !cfg.rateLimit {
		holdRate = api.RateLimit{SessionPerSecond: -1, AddressPerSecond: -1}
	}
	app, err := frontend.Build()
	if err != nil {
		return err
	}
	log.Info("browser app built", "entry", app.Entry, "took", app.Took.Round(time.Millisecond))
	apiCfg := api.Config{
		Seats: svc, Checkout: co, Vouchers: vouchers, Passes: passes, Gates: gates, Live: hub, Staff: staff.NewService(st, adminHash, nil), Logger: log,
		Static: app.Files, ScriptHashes: app.ScriptHashes, StyleHashes: app.StyleHashes, SecureCookies: cfg.secureCookies, HoldRate: holdRate, TrustProxy: cfg.trustProxy,
		MaxSockets: budget.sockets, MaxSocketsPerAddress: cfg.sockPerAddr, Payments: pay,
		PaymentPublishableKey: cfg.payment.publishableKey,
	}
	if node != nil {
		apiCfg.Node, apiCfg.Cluster = node, node
	}
	srv, err := api.New(apiCfg)
	if err != nil {
		return err
	}

	// Side listeners: profiles and metrics never share the public port.
	for _, side := range []struct {
		flag, addr, path string
		handler          func() http.Handler
	}{
		{"-pprof", cfg.pprofAddr, "/debug/pprof/", func() http.Handler { return pprofMux() }},
		{"-metrics-addr", cfg.metricsAddr, "/metrics", func() http.Handler {
			mux := http.NewServeMux()
			mux.Handle("GET /metrics", srv.MetricsHandler())
			return mux
		}},
	} {
		if side.addr == "" {
			continue
		}
		sl, err := net.Listen("tcp", side.addr)
		if err != nil {
			return fmt.Errorf("%s: %w", side.flag, err)
		}
		ss := &http.Server{Handler: side.handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = ss.Serve(sl) }()
		defer ss.Close()
		log.Info("side listener", "flag", side.flag, "url", "http://"+displayAddr(sl.Addr())+side.path)
	}
	ln := connlimit.New(inner, budget.conns, cfg.connPerAddr)
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if node != nil {
		// Browsers and load balancers speak HTTP/1.1; the other nodes send
		// forwarded requests as unencrypted HTTP/2 (prior knowledge), many
		// streams over one connection per peer.
		hs.Protocols = new(http.Protocols)
		hs.Protocols.SetHTTP1(true)
		hs.Protocols.SetUnencryptedHTTP2(true)
		hs.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 1000}
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	if node != nil {
		node.Serve()
	}
	log.Info("seatd listening", "url", url, "public_url", publicURL, "descriptors", budget.limit, "max_conns", budget.conns, "max_sockets", budget.sockets, "store", storeName, "leases", leaseName, "rate_limit", cfg.rateLimit, "max_held_per_session", cfg.heldPerSess, "max_held_per_address", cfg.heldPerAddr)
	if ready != nil {
		ready(url)
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if node != nil {
		// Hand this node's performances over while it still forwards: a
		// buyer's next request reaches the new owner through any node.
		node.Leave(shutdownCtx)
	}
	hub.Stop() // WebSockets are hijacked: Shutdown does not close them.
	if err := hs.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	srv.Close()
	return nil
}

// budget is how the process's file descriptors are shared out: connections
// may take all but a reserve for the stores, the outbox, the leases and the
// listeners; live seat maps all connections but room for HTTP requests, so
// that a flood of sockets leaves holds, orders and /healthz working.
type budget struct {
	limit, conns, sockets int // 0: no cap
}

func descriptorBudget(log *slog.Logger) budget {
	limit, err := raiseFileLimit()
	if err != nil || limit == 0 {
		log.Warn("descriptor limit unknown: connections and live seat maps are not capped", "err", err)
		return budget{}
	}
	l := int(min(limit, 1<<20))
	b := budget{limit: l}
	b.conns = l - (256 + l/32)
	b.sockets = b.conns - max(256, b.conns/8)
	if b.sockets < 1 {
		log.Warn("descriptor limit too low to share out; raise it (ulimit -n)", "limit", l)
		return budget{limit: l}
	}
	return b
}

func displayAddr(a net.Addr) string {
	s := a.String()
	if strings.HasPrefix(s, "127.0.0.1:") {
		return "localhost" + strings.TrimPrefix(s, "127.0.0.1")
	}
	return s
}

func openStore(ctx context.Context, cfg config) (backend.Store, string, error) {
	if cfg.databaseURL != "" {
		st, err := postgres.Open(ctx, cfg.databaseURL)
		if err != nil {
			return nil, "", fmt.Errorf("open postgres: %w", err)
		}
		return st, "postgres", nil
	}
	if err := os.MkdirAll(cfg.data, 0o750); err != nil {
		return nil, "", fmt.Errorf("create data directory: %w", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(cfg.data, "seatmap.db"))
	if err != nil {
		return nil, "", fmt.Errorf("open sqlite: %w", err)
	}
	return st, "sqlite", nil
}

func openLeases(ctx context.Context, cfg config, log *slog.Logger) (lease.Store, goredis.UniversalClient, string, func(), error) {
	if cfg.redisURL != "" {
		var client goredis.UniversalClient
		if cfg.cluster.redisMode {
			opt, err := goredis.ParseClusterURL(cfg.redisURL)
			if err != nil {
				return nil, nil, "", nil, fmt.Errorf("REDIS_URL (a Redis Cluster): %w", err)
			}
			client = goredis.NewClusterClient(opt)
		} else {
			opt, err := goredis.ParseURL(cfg.redisURL)
			if err != nil {
				return nil, nil, "", nil, fmt.Errorf("REDIS_URL: %w", err)
			}
			client = goredis.NewClient(opt)
		}
		if err := client.Ping(ctx).Err(); err != nil {
			log.Warn("redis is not answering yet; holds will fail until it does", "err", err)
		}
		return leaseredis.New(client, leaseredis.Options{Prefix: cfg.redisPrefix}), client, "redis", func() { client.Close() }, nil
	}
	// Every change is journaled under -data (created if missing, also with
	// Postgres) before it is acknowledged, so holds survive a crash.
	m, err := memory.Open(cfg.data, memory.Options{Logger: log})
	if err != nil {
		return nil, nil, "", nil, fmt.Errorf("open leases: %w", err)
	}
	return m, nil, "memory", func() {
		if err := m.Close(); err != nil {
			log.Error("close leases", "err", err)
		}
	}, nil
}

const adminTokenSetting = "admin_token_sha256"

// adminToken returns the hash of the bootstrap admin token. A token from the
// environment wins; otherwise the first start makes one, stores only its hash and
// prints the token once.
func adminToken(ctx context.Context, st backend.Store, fromEnv string, stdout io.Writer) ([32]byte, error) {
	if fromEnv != "" {
		return staff.TokenHash(fromEnv), nil
	}
	token := staff.NewToken()
	h := staff.TokenHash(token)
	mine := fmt.Sprintf("%x", h)
	stored, err := st.InitSetting(ctx, adminTokenSetting, mine)
	if err != nil {
		return [32]byte{}, fmt.Errorf("admin token: %w", err)
	}
	if stored == mine {
		fmt.Fprintf(stdout, "\n  seatmap admin token (shown once, keep it safe):\n\n    %s\n\n", token)
		return h, nil
	}
	b, err := hex.DecodeString(stored)
	if err != nil || len(b) != len(h) {
		return [32]byte{}, fmt.Errorf("the stored admin token hash is damaged (setting %s); set SEATD_ADMIN_TOKEN to use a token of your own", adminTokenSetting)
	}
	return [32]byte(b), nil
}

// seedDemo gives an empty store a demo theatre with one performance on sale.
func seedDemo(ctx context.Context, st backend.Store, svc *seating.Service, log *slog.Logger) error {
	existing, err := st.ListPerformances(ctx, catalog.PerformanceFilter{Limit: 1})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if len(existing) > 0 {
		return nil
	}
	// Only one of several nodes starting together seeds.
	nonce := seating.NewHallID()
	if won, err := st.InitSetting(ctx, "demo_seeded", nonce); err != nil || won != nonce {
		return err
	}
	layout := hall.Theatre()
	layout.Name = "Stadttheater"
	data, err := jsonMarshal(layout)
	if err != nil {
		return err
	}
	h, _, err := svc.CreateHall(ctx, data)
	if err != nil {
		return fmt.Errorf("demo hall: %w", err)
	}
	tomorrow := time.Now().AddDate(0, 0, 1)
	starts := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 19, 30, 0, 0, time.Local)
	p, err := svc.CreatePerformance(ctx, seating.NewPerformance{HallID: h.ID, Name: "Die Zauberflöte", StartsAt: starts, OnSale: true})
	if err != nil {
		return fmt.Errorf("demo performance: %w", err)
	}
	log.Info("demo seeded", "hall", h.ID, "performance", p.ID, "starts_at", p.StartsAt)
	return nil
}
