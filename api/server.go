package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/internal/nodeauth"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/payment"
	"github.com/seatmap/seatmap/payment/testpay"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/staff"
	"github.com/seatmap/seatmap/voucher"
)

// Live streams a performance's seat states over a WebSocket (realtime.Hub).
type Live interface {
	ServeWS(w http.ResponseWriter, r *http.Request, performanceID string)
	// RefuseNotFound upgrades and closes with the "not found" close code: a
	// browser cannot read an HTTP error on a WebSocket handshake.
	RefuseNotFound(w http.ResponseWriter, r *http.Request)
}

// Config wires a Server.
type Config struct {
	Seats *seating.Service
	// Checkout makes orders of holds, and refunds them.
	Checkout *checkout.Service
	// Vouchers makes and finds vouchers and promotions.
	Vouchers *voucher.Service
	// Passes makes and finds access products and the facility's settings.
	Passes *pass.Service
	// Gates is the gate: gates, scans, occupancy; nil serves none.
	Gates *gate.Service
	Live  Live
	// Node is this node of several (issue 18); nil on one node.
	Node NodeInfo
	// Staff is who the staff are: users, API tokens, browser sessions.
	Staff  *staff.Service
	Logger *slog.Logger
	// Static is the browser app, served at /.
	Static fs.FS
	// ScriptHashes are CSP sources ('sha256-…') of scripts written into the
	// app's pages (frontend.Built.ScriptHashes): script-src names them.
	ScriptHashes []string
	// StyleHashes are CSP sources of stylesheets written into the app's
	// pages (frontend.Built.StyleHashes): style-src names them.
	StyleHashes []string
	// SecureCookies marks cookies Secure; set it when clients reach seatmap over
	// HTTPS (directly or through a proxy).
	SecureCookies bool
	// Limits on hold creation; zero values take the defaults, negative disables
	// them, and with them the limit on code checks.
	HoldRate RateLimit
	// Registry receives the metrics; nil makes a private one.
	Registry *prometheus.Registry
	// TrustProxy takes the client address from X-Forwarded-For (behind a proxy).
	TrustProxy bool
	// MaxSockets and MaxSocketsPerAddress cap the live seat maps open at once,
	// in total and per client address; zero means no cap.
	MaxSockets, MaxSocketsPerAddress int
	// Payments is the payment provider whose webhook
	// (POST /payments/{provider}/webhook) this server reads; nil: none. The
	// checkout takes the same provider (checkout.Config.Payments).
	Payments payment.Provider
	// PaymentPublishableKey is the provider's public key for the buyer's
	// page (Stripe's pk_…), written into index.html; not a secret.
	PaymentPublishableKey string
	// Now is the clock that rate limits and staff sessions go by; nil:
	// time.Now. Tests pass the clock the rest of the stack runs on.
	Now func() time.Time
	// Cluster makes this server a node of several (issue 18): requests
	// that need a performance's shard go to its owner (api/forward.go);
	// nil: a single node.
	Cluster Cluster
	// forwardHTTP1 forwards over HTTP/1.1 instead of HTTP/2 (benchmarks).
	forwardHTTP1 bool
}

// Server is the HTTP interface.
type Server struct {
	cfg      Config
	seats    *seating.Service
	checkout *checkout.Service
	vouchers *voucher.Service
	passes   *pass.Service
	live     Live
	staff    *staff.Service
	log      *slog.Logger
	echo     *echo.Echo
	metrics  *metrics
	limits   *holdLimiter
	logins   *holdLimiter
	// codeChecks limits how fast one buyer can try codes: at 1 per second
	// (after a burst of 20, enough to type one) guessing a 58-bit voucher is
	// hopeless.
	codeChecks *holdLimiter
	sockets    *socketCaps
	// fwd sends requests to performances' owners; nil on a single node.
	fwd *forwarder
}

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Seats == nil || cfg.Checkout == nil || cfg.Vouchers == nil || cfg.Passes == nil || cfg.Live == nil || cfg.Staff == nil {
		return nil, errors.New("api: Seats, Checkout, Vouchers, Passes, Live and Staff are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s := &Server{
		cfg:      cfg,
		seats:    cfg.Seats,
		checkout: cfg.Checkout,
		vouchers: cfg.Vouchers,
		passes:   cfg.Passes,
		live:     cfg.Live,
		staff:    cfg.Staff,
		log:      cfg.Logger,
	}
	var err error
	if s.metrics, err = newMetrics(cfg.Registry); err != nil {
		return nil, err
	}
	s.limits = newHoldLimiter(cfg.HoldRate)
	// Sign-in: 10 tries per login from one address at once, then one every
	// 6 s; 30 per address, then one a second. Not per login alone: then
	// anyone could keep a staff member out by failing to sign in as them.
	s.logins = newHoldLimiter(RateLimit{SessionPerSecond: 1.0 / 6, SessionBurst: 10, AddressPerSecond: 1, AddressBurst: 30})
	codeRate := RateLimit{SessionPerSecond: 1, SessionBurst: 20, AddressPerSecond: 10, AddressBurst: 200}
	if cfg.HoldRate.SessionPerSecond < 0 && cfg.HoldRate.AddressPerSecond < 0 {
		codeRate = cfg.HoldRate // limits off (load tests from one address)
	}
	s.codeChecks = newHoldLimiter(codeRate)
	s.sockets = newSocketCaps(cfg.MaxSockets, cfg.MaxSocketsPerAddress)
	if cl := cfg.Cluster; cl != nil {
		if err := nodeauth.CheckSecret(cl.Secret()); err != nil {
			return nil, fmt.Errorf("api: %w", err)
		}
		if !nodeauth.ValidNodeID(cl.NodeID()) {
			return nil, fmt.Errorf("api: node id %q: 1 to 64 letters, digits, '.', '_' or '-'", cl.NodeID())
		}
		s.fwd = newForwarder(cl, cfg.forwardHTTP1)
		dials := prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "seatmap_forward_connections_total",
			Help: "Connections opened to other nodes to forward requests (HTTP/2: one per peer while it lasts).",
		}, func() float64 { return float64(s.fwd.dials.Load()) })
		if err := cfg.Registry.Register(dials); err != nil {
			return nil, err
		}
	}

	e := echo.New()
	e.Logger = cfg.Logger
	e.HTTPErrorHandler = s.handleError
	if cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	e.Use(middleware.Recover())
	e.Use(s.observe)
	e.Use(s.securityHeaders)
	e.Use(s.wellFormed)
	if s.fwd != nil {
		// Before compression: an owner's answer is passed on as it is.
		e.Use(s.cluster)
	}
	e.Use(s.compress)
	s.echo = e
	if err := s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Close closes the idle connections to other nodes (a Cluster's); the
// handler keeps working, opening them again if asked to forward.
func (s *Server) Close() {
	if s.fwd != nil {
		s.fwd.Close()
	}
}

func (s *Server) routes() error {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	// Metrics tell an attacker how the sale goes and cost a scrape's work:
	// admins only here; Prometheus scrapes MetricsHandler on a listener of
	// its own (seatd -metrics-addr).
	e.GET("/metrics", s.metricsHandler(), s.requireStaff())

	// A provider's webhook is no browser's: no session, no origin check.
	e.POST("/api/v1/payments/:provider/webhook", s.paymentWebhook)
	v1 := e.Group("/api/v1", s.session, s.sameOrigin)
	v1.GET("/healthz", s.healthz)
	v1.GET("/readyz", s.readyz)
	v1.GET("/openapi.yaml", serveOpenAPI)
	v1.GET("/currencies", listCurrencies)
	v1.GET("/venue", s.venue)

	member := s.requireStaff // roles besides admin
	organizer := member(staff.RoleOrganizer)
	seller := member(staff.RoleOrganizer, staff.RoleBoxOffice)

	v1.POST("/session", s.login)
	v1.GET("/session", s.currentSession)
	v1.DELETE("/session", s.logout)
	v1.POST("/users", s.createUser, member())
	v1.GET("/users", s.listUsers, member())
	v1.POST("/users/:id/tokens", s.createToken, member(staff.Roles...))
	v1.DELETE("/users/:id/tokens/:token", s.deleteToken, member(staff.Roles...))
	v1.POST("/users/:id/staff-card", s.issueStaffCard, member())
	v1.GET("/cluster", s.clusterInfo, member())

	v1.POST("/halls", s.createHall, organizer)
	v1.GET("/halls", s.listHalls, seller)
	v1.GET("/halls/:id", s.getHall, seller)
	v1.GET("/halls/:id/templates", s.listTemplates, organizer)
	v1.POST("/halls/:id/templates", s.saveTemplate, organizer)

	v1.POST("/performances", s.createPerformance, organizer)
	v1.GET("/performances", s.listPerformances)
	v1.GET("/performances/:id", s.getPerformance)
	v1.GET("/performances/:id/seatmap", s.seatmap)
	v1.GET("/performances/:id/live", s.liveSeatmap)
	v1.PUT("/performances/:id/zones", s.setZones, organizer)
	v1.GET("/performances/:id/fares", s.getFares)
	v1.PUT("/performances/:id/fares", s.putFares, organizer)
	v1.POST("/performances/:id/paint", s.paint, organizer)
	v1.POST("/performances/:id/template", s.applyTemplate, organizer)
	v1.GET("/performances/:id/stats", s.stats, seller)
	v1.POST("/performances/:id/sales/start", s.setStatus("on_sale"), organizer)
	v1.POST("/performances/:id/sales/stop", s.setStatus("stopped"), organizer)
	v1.POST("/performances/:id/cancel", s.cancelPerformance, organizer)
	v1.GET("/jobs/:id", s.getJob, organizer)
	v1.POST("/performances/:id/reschedule", s.reschedulePerformance, organizer)
	v1.GET("/performances/:id/reconciliation", s.reconciliation, organizer)
	v1.GET("/performances/:id/pending-reservations", s.pendingReservations, organizer)
	v1.POST("/pending-reservations/:order", s.decideReservation, organizer)
	v1.PATCH("/performances/:id", s.patchPerformance, organizer)
	v1.GET("/performances/:id/replacement", s.performanceReplacement, seller)
	v1.POST("/performances/:id/holds", s.createHold)
	v1.GET("/performances/:id/holds", s.listHolds, seller)

	v1.GET("/holds/:token", s.getHold)
	v1.POST("/holds/:token/extend", s.extendHold)
	v1.DELETE("/holds/:token", s.releaseHold)
	v1.POST("/holds/:token/reserve", s.reserve, seller)

	v1.POST("/orders", s.createOrder)
	v1.POST("/payments/test/:id/approve", s.answerTestPayment(testpay.Approve))
	v1.POST("/payments/test/:id/decline", s.answerTestPayment(testpay.Decline))
	v1.GET("/orders", s.listOrders, seller)
	v1.GET("/orders/:id", s.getOrder)
	v1.GET("/orders/:id/tickets/:ticket/qr.svg", s.ticketQR)
	v1.GET("/orders/:id/tickets.pdf", s.ticketsPDF)
	v1.GET("/orders/:id/invoice.pdf", s.invoicePDF)
	v1.GET("/orders/:id/passes/:pass/qr.svg", s.passQR)
	v1.POST("/orders/:id/extend", s.extendReservation, seller)
	v1.POST("/orders/:id/annul", s.annulReservation, seller)
	v1.POST("/orders/:id/pay", s.payReservation, seller)
	v1.POST("/orders/:id/refunds", s.refundOrder, seller)
	v1.GET("/orders/:id/history", s.orderHistory, seller)
	v1.POST("/orders/:id/resend", s.resendOrder, seller)
	v1.POST("/orders/:id/print", s.printTickets, seller)
	v1.GET("/orders/:id/replacement", s.replacementOffer)
	v1.POST("/orders/:id/replacement", s.chooseReplacement)
	v1.GET("/performances/:id/ticket-numbers", s.ticketRegister, seller)
	v1.GET("/performances/:id/documents", s.listDocuments, organizer)
	v1.POST("/performances/:id/documents", s.makeDocument, organizer)
	v1.GET("/documents/:file", s.documentFile, organizer)
	v1.GET("/documents", s.listPeriodDocuments, organizer)
	v1.POST("/documents", s.makePeriodDocument, organizer)
	v1.GET("/document-template", s.getDocumentTemplate, organizer)
	v1.PUT("/document-template", s.putDocumentTemplate, organizer)
	v1.GET("/document-template/preview.pdf", s.documentTemplatePreview, organizer)
	v1.POST("/document-template/preview.pdf", s.draftTemplatePreview, organizer)
	v1.GET("/reports/sales", s.salesReport, seller)
	v1.GET("/reports/sales.csv", s.salesCSV, seller)
	v1.GET("/reports/sales/timeline", s.salesTimeline, seller)
	v1.GET("/payments.csv", s.paymentsCSV, seller)
	v1.GET("/payments", s.listPayments, seller)
	v1.GET("/payments/reconciliation", s.lastReconciliation, organizer)
	v1.POST("/payments/reconciliation", s.reconcile, organizer)

	v1.POST("/promotions", s.createPromotion, organizer)
	v1.GET("/promotions", s.listCodes(voucher.KindPromotion), seller)
	v1.POST("/voucher-batches", s.createVoucherBatch, organizer)
	v1.GET("/voucher-batches", s.listVoucherBatches, organizer)
	v1.GET("/voucher-batches/:id", s.getVoucherBatch, organizer) // also {id}.csv
	v1.GET("/vouchers/:code", s.getCode, seller)
	v1.GET("/vouchers/:code/check", s.checkCode)
	v1.POST("/vouchers/:code/block", s.setCodeState(voucher.Blocked), organizer)
	v1.POST("/vouchers/:code/unblock", s.setCodeState(voucher.Available), organizer)
	v1.POST("/vouchers/:code/release", s.setCodeState(voucher.Available), organizer)
	v1.GET("/search", s.search, seller)

	v1.POST("/products", s.createProduct, organizer)
	v1.GET("/products", s.listProducts)
	v1.GET("/products/:id", s.getProduct)
	v1.PATCH("/products/:id", s.patchProduct, organizer)
	v1.GET("/passes", s.listPasses, member(passReaders...))
	v1.GET("/passes/:id", s.getPass)
	v1.GET("/personalize/:token", s.personalization)
	v1.PUT("/personalize/:token/passes/:id", s.personalize)
	v1.PUT("/personalize/:token/passes/:id/photo", s.putPhoto)
	v1.GET("/personalize/:token/passes/:id/photo", s.personalizePhoto)
	// The gate shows a holder's photo beside the verdict.
	v1.GET("/passes/:id/photo", s.passPhoto, member(ledgerReaders...))
	for _, m := range []string{pass.MoveShip, pass.MoveDeposit, pass.MoveHandOver, pass.MoveBlock, pass.MoveUnblock, pass.MoveReplace} {
		v1.POST("/passes/:id/"+m, s.movePass(m), member(counters...))
	}
	v1.POST("/print-batches", s.createPrintBatch, seller)
	v1.GET("/print-batches", s.listPrintBatches, seller)
	v1.GET("/print-batches/:id", s.getPrintBatch, seller) // also {id}.pdf and {id}.csv
	v1.GET("/facility", s.getFacility)
	v1.PUT("/facility", s.putFacility, organizer)
	v1.GET("/pass-codes/:code", s.passByCode, member(ledgerReaders...))
	v1.GET("/passes/:id/qr.svg", s.staffPassQR, member(passReaders...))
	v1.GET("/passes/:id/ledger", s.passLedger, member(ledgerReaders...))
	v1.POST("/passes/:id/top-up", s.book(false), member(toppers...))
	v1.POST("/passes/:id/debit", s.book(true), member(debitors...))
	v1.POST("/passes/:id/transfer", s.transferPass, member(counters...))
	v1.POST("/pass-vouchers/:code/exchange", s.exchangePassVoucher, member(counters...))

	if s.cfg.Gates != nil {
		// The gate role scans; organizers set gates up and may scan too;
		// the box office takes surcharges at the till.
		gateStaff := member(staff.RoleGate, staff.RoleOrganizer)
		v1.POST("/gates", s.createGate, organizer)
		v1.GET("/gates", s.listGates, member(staff.RoleGate, staff.RoleOrganizer, staff.RoleBoxOffice))
		v1.GET("/gates/:id", s.getGate, member(staff.RoleGate, staff.RoleOrganizer, staff.RoleBoxOffice))
		v1.POST("/scans", s.scan, gateStaff)
		v1.POST("/scans/batch", s.scanBatch, gateStaff)
		v1.GET("/scans", s.listScans, gateStaff)
		v1.GET("/occupancy", s.occupancy, member(staff.RoleGate, staff.RoleOrganizer, staff.RoleBoxOffice))
		v1.GET("/occupancy/live", s.occupancyLive, member(staff.RoleGate, staff.RoleOrganizer, staff.RoleBoxOffice))
		v1.POST("/surcharges", s.paySurcharge, seller)
		v1.GET("/surcharges/:code", s.surchargeDue, seller)
		v1.POST("/passes/:id/entitlements", s.bookEntitlement, member(counters...))
	}

	v1.Any("/*", func(c *echo.Context) error { return echo.ErrNotFound })
	if s.cfg.Cluster != nil {
		e.GET(InternalPrefix+pingPath, s.ping, internalAuth(s.cfg.Cluster.Secret(), s.now))
	}

	if s.cfg.Static != nil {
		files, err := s.static()
		if err != nil {
			return err
		}
		e.GET("/*", files)
	}
	return nil
}

// csp is the pages' Content-Security-Policy; cspStripe lets the buyer's page
// load Stripe.js, show its payment frames (3-D Secure's on hooks.stripe.com)
// and let it reach Stripe's API: with -payment stripe only. Frames may show
// this origin and blob: URLs: the document template's preview, the saved
// one's and the unsaved form's (a PDF fetched by POST, framed as a blob).
const (
	csp = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
		"frame-src 'self' blob:; frame-ancestors 'none'"
	cspStripe = "default-src 'self'; connect-src 'self' ws: wss: https://api.stripe.com; img-src 'self' data:; style-src 'self'; " +
		"script-src 'self' https://js.stripe.com; frame-src 'self' blob: https://js.stripe.com https://hooks.stripe.com; frame-ancestors 'none'"
)

func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	policy := csp
	if s.cfg.Payments != nil && s.cfg.Payments.Name() == payment.ModeStripe {
		policy = cspStripe
	}
	if len(s.cfg.ScriptHashes) > 0 {
		policy = strings.Replace(policy, "script-src 'self'", "script-src 'self' "+strings.Join(s.cfg.ScriptHashes, " "), 1)
	}
	if len(s.cfg.StyleHashes) > 0 {
		policy = strings.Replace(policy, "style-src 'self'", "style-src 'self' "+strings.Join(s.cfg.StyleHashes, " "), 1)
	}
	return func(c *echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", policy)
		return next(c)
	}
}

// sameOrigin refuses state-changing requests that a browser sent from another
// site: together with SameSite cookies this closes cross-site request forgery on
// buyer sessions. Requests without Origin (curl, servers) pass.
func (s *Server) sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			return problem(http.StatusForbidden, "cross-site", "Cross-site request refused", "state-changing requests must come from this site")
		}
		if o := r.Header.Get("Origin"); o != "" && o != "null" {
			host := o
			if i := strings.Index(host, "://"); i >= 0 {
				host = host[i+3:]
			}
			if host != r.Host {
				return problem(http.StatusForbidden, "cross-site", "Cross-site request refused", fmt.Sprintf("origin %q does not match host %q", o, r.Host))
			}
		}
		return next(c)
	}
}

// maxBody is the default limit on JSON request bodies.
const maxBody = 64 << 10

// decode reads a JSON body of at most limit bytes into v, strictly: unknown
// fields, trailing data, wrong types and control characters in strings are
// 422s that name the field.
func decode(c *echo.Context, v any, limit int64) error {
	r := c.Request()
	if err := requireJSON(r, "body"); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return problem(http.StatusBadRequest, "bad-body", "Unreadable body", err.Error())
	}
	if int64(len(data)) > limit {
		return problem(http.StatusRequestEntityTooLarge, "too-large", "Request body too large", fmt.Sprintf("the body may have at most %d bytes", limit))
	}
	if err := checkBody(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if dec.More() {
		return problem(http.StatusUnprocessableEntity, "invalid-json", "Invalid JSON", "trailing data after the JSON value")
	}
	return nil
}

func jsonProblem(err error) *Problem {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return problem(http.StatusUnprocessableEntity, "invalid-json", "Invalid JSON", fmt.Sprintf("field %q must be %s, not %s", te.Field, te.Type, te.Value))
	case errors.As(err, &se):
		return problem(http.StatusBadRequest, "malformed-json", "Malformed JSON", fmt.Sprintf("syntax error at byte %d: %v", se.Offset, se))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return problem(http.StatusBadRequest, "malformed-json", "Malformed JSON", "the body is empty or cut short")
	}
	return problem(http.StatusUnprocessableEntity, "invalid-json", "Invalid JSON", err.Error())
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func itoa(i int) string { return strconv.Itoa(i) }

// rfc3339 formats times the way every response does: UTC, milliseconds.
func rfc3339(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }
