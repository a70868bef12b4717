package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/internal/nodeauth"
	"github.com/seatmap/seatmap/payment/testpay"
	"github.com/seatmap/seatmap/seating"
)

// Cluster is what a node of several (issue 18) tells the API: who it is, the
// secret nodes sign their requests with, and where each performance's shard
// runs. Config.Cluster nil is a single node: nothing is forwarded, node
// headers mean nothing.
type Cluster interface {
	// NodeID names this node (nodeauth.ValidNodeID).
	NodeID() string
	// Secret is the cluster secret (at least nodeauth.MinSecretLen bytes);
	// never logged.
	Secret() []byte
	// Route says where performance perf's shard commands run: on this node
	// (self) or on the owner at baseURL ("http://host:port"). An error means
	// no node owns it now: the request is answered 503 with Retry-After.
	// Asked on every forwarded request: the answer may change at any time.
	Route(ctx context.Context, perf string) (self bool, baseURL string, err error)
}

// The route table: every route of routes(), by "METHOD pattern", either
// forwarded to the owner of the performance its locator finds, or served by
// whichever node gets it (nil). TestEveryRouteIsPlaced keeps it complete.
// Catch-alls ("/*") and /internal/v1/ routes are local and not listed.
//
// Forwarded are the writes that reach a performance's shard (holds, sales,
// set-up, orders and what frees or moves their seats) and the reads of its
// live state (seat states, counts, holds), which only the owner knows; such a
// read may become local once the node keeps a mirror of the performance
// (marked "live read"). Local are the reads of the store (orders, reports,
// documents, passes), of what does not change under a sale (halls, a
// performance's name and hall), everything without a performance (staff,
// products, passes, gates, vouchers), and the live WebSocket, which each node
// serves from its mirror.
//
//	route                                              where      by
//	GET  /healthz, /readyz, /metrics                  local
//	POST /api/v1/payments/:provider/webhook           forward    the event's order's performance
//	GET  /api/v1/healthz, readyz, openapi.yaml        local
//	GET  /api/v1/currencies, /venue                   local
//	*    /api/v1/session, /users…                     local      staff, in the store
//	POST /api/v1/users/:id/staff-card                 local      an order of passes alone
//	GET  /api/v1/cluster                              local      the answering node's view
//	*    /api/v1/halls, /halls/:id, GET templates     local      halls do not change
//	POST /api/v1/halls/:id/templates                  forward    body performance_id (reads its set-up)
//	POST /api/v1/performances                         local      a new performance has no owner yet
//	GET  /api/v1/performances                         local      the list; counts are this node's view
//	GET  /api/v1/performances/:id                     forward    :id (live read: counts)
//	GET  /api/v1/performances/:id/seatmap             forward    :id (live read)
//	GET  /api/v1/performances/:id/live                local      WebSocket, served from the node's mirror
//	PUT  /api/v1/performances/:id/zones               forward    :id
//	GET  /api/v1/performances/:id/fares               forward    :id (live read: zones' prices)
//	PUT  /api/v1/performances/:id/fares               forward    :id
//	POST /api/v1/performances/:id/paint, /template    forward    :id
//	GET  /api/v1/performances/:id/stats               forward    :id (live read)
//	POST /api/v1/performances/:id/sales/start|stop    forward    :id
//	POST /api/v1/performances/:id/cancel              forward    :id
//	GET  /api/v1/jobs/:id                             local      the store
//	POST /api/v1/performances/:id/reschedule          forward    :id (the original; the replacement is made there)
//	GET  /api/v1/performances/:id/reconciliation      local      the store
//	GET  /api/v1/performances/:id/pending-reservations local      the store
//	POST /api/v1/pending-reservations/:order          forward    the replacement of the order's performance
//	PATCH /api/v1/performances/:id                    forward    :id
//	GET  /api/v1/performances/:id/replacement         local      the store
//	POST /api/v1/performances/:id/holds               forward    :id
//	GET  /api/v1/performances/:id/holds               forward    :id (live read)
//	GET  /api/v1/holds/:token                         forward    the token's performance (live read)
//	POST /api/v1/holds/:token/extend, /reserve        forward    the token's performance
//	DELETE /api/v1/holds/:token                       forward    the token's performance
//	POST /api/v1/orders                               forward    body hold_token's performance (items alone: local)
//	POST /api/v1/payments/test/:id/approve|decline    forward    the payment's order's performance
//	GET  /api/v1/orders, /orders/:id, tickets, PDFs   local      the store (and the hall)
//	POST /api/v1/orders/:id/extend|annul|pay          forward    the order's performance
//	POST /api/v1/orders/:id/refunds, /print           forward    the order's performance
//	GET  /api/v1/orders/:id/history, POST resend      local      the store
//	GET  /api/v1/orders/:id/replacement               local      the store
//	POST /api/v1/orders/:id/replacement               forward    the order's performance (a refund frees seats)
//	GET  /api/v1/performances/:id/ticket-numbers      local      the store
//	*    /api/v1/documents…, /document-template…      local      the store
//	GET  /api/v1/reports/sales                        forward    ?performance= (live read: open holds); without: local
//	GET  /api/v1/reports/sales.csv, /timeline         local      the store
//	*    /api/v1/payments…, reconciliation            local      the store and the provider
//	*    /api/v1/promotions, voucher-batches, vouchers local     the store
//	GET  /api/v1/search                               forward    ?q= a hold token, else ?performance= (live holds); else local
//	*    /api/v1/products, passes, personalize, print-batches, facility, pass-codes, ledger,
//	     gates, scans, occupancy, surcharges          local      no performance
var routePlacements = map[string]locator{
	"GET /healthz": nil,
	"GET /readyz":  nil,
	"GET /metrics": nil,
	"POST " + v1 + "/payments/:provider/webhook": webhookOrder,
	"GET " + v1 + "/healthz":                     nil,
	"GET " + v1 + "/readyz":                      nil,
	"GET " + v1 + "/openapi.yaml":                nil,
	"GET " + v1 + "/currencies":                  nil,
	"GET " + v1 + "/venue":                       nil,

	"POST " + v1 + "/session":                              nil,
	"GET " + v1 + "/session":                               nil,
	"DELETE " + v1 + "/session":                            nil,
	"POST " + v1 + "/users":                                nil,
	"GET " + v1 + "/users":                                 nil,
	"GET " + v1 + "/cluster":                               nil, // this node's own view
	"POST " + v1 + "/users/:id/tokens":                     nil,
	"DELETE " + v1 + "/users/:id/tokens/:token":            nil,
	"POST " + v1 + "/users/:id/staff-card":                 nil,
	"POST " + v1 + "/halls":                                nil,
	"GET " + v1 + "/halls":                                 nil,
	"GET " + v1 + "/halls/:id":                             nil,
	"GET " + v1 + "/halls/:id/templates":                   nil,
	"POST " + v1 + "/halls/:id/templates":                  bodyPerformance("performance_id"),
	"POST " + v1 + "/performances":                         nil,
	"GET " + v1 + "/performances":                          nil,
	"GET " + v1 + "/performances/:id":                      param("id"),
	"GET " + v1 + "/performances/:id/seatmap":              param("id"),
	"GET " + v1 + "/performances/:id/live":                 nil,
	"PUT " + v1 + "/performances/:id/zones":                param("id"),
	"GET " + v1 + "/performances/:id/fares":                param("id"),
	"PUT " + v1 + "/performances/:id/fares":                param("id"),
	"POST " + v1 + "/performances/:id/paint":               param("id"),
	"POST " + v1 + "/performances/:id/template":            param("id"),
	"GET " + v1 + "/performances/:id/stats":                param("id"),
	"POST " + v1 + "/performances/:id/sales/start":         param("id"),
	"POST " + v1 + "/performances/:id/sales/stop":          param("id"),
	"POST " + v1 + "/performances/:id/cancel":              param("id"),
	"GET " + v1 + "/jobs/:id":                              nil,
	"POST " + v1 + "/performances/:id/reschedule":          param("id"),
	"GET " + v1 + "/performances/:id/reconciliation":       nil,
	"GET " + v1 + "/performances/:id/pending-reservations": nil,
	"POST " + v1 + "/pending-reservations/:order":          pendingReservation,
	"PATCH " + v1 + "/performances/:id":                    param("id"),
	"GET " + v1 + "/performances/:id/replacement":          nil,
	"POST " + v1 + "/performances/:id/holds":               param("id"),
	"GET " + v1 + "/performances/:id/holds":                param("id"),

	"GET " + v1 + "/holds/:token":          token("token"),
	"POST " + v1 + "/holds/:token/extend":  token("token"),
	"DELETE " + v1 + "/holds/:token":       token("token"),
	"POST " + v1 + "/holds/:token/reserve": token("token"),

	"POST " + v1 + "/orders":                           bodyToken("hold_token"),
	"POST " + v1 + "/payments/test/:id/approve":        testPaymentOrder,
	"POST " + v1 + "/payments/test/:id/decline":        testPaymentOrder,
	"GET " + v1 + "/orders":                            nil,
	"GET " + v1 + "/orders/:id":                        nil,
	"GET " + v1 + "/orders/:id/tickets/:ticket/qr.svg": nil,
	"GET " + v1 + "/orders/:id/tickets.pdf":            nil,
	"GET " + v1 + "/orders/:id/invoice.pdf":            nil,
	"GET " + v1 + "/orders/:id/passes/:pass/qr.svg":    nil,
	"POST " + v1 + "/orders/:id/extend":                orderOf("id"),
	"POST " + v1 + "/orders/:id/annul":                 orderOf("id"),
	"POST " + v1 + "/orders/:id/pay":                   orderOf("id"),
	"POST " + v1 + "/orders/:id/refunds":               orderOf("id"),
	"GET " + v1 + "/orders/:id/history":                nil,
	"POST " + v1 + "/orders/:id/resend":                nil,
	"POST " + v1 + "/orders/:id/print":                 orderOf("id"),
	"GET " + v1 + "/orders/:id/replacement":            nil,
	"POST " + v1 + "/orders/:id/replacement":           orderOf("id"),
	"GET " + v1 + "/performances/:id/ticket-numbers":   nil,
	"GET " + v1 + "/performances/:id/documents":        nil,
	"POST " + v1 + "/performances/:id/documents":       nil,
	"GET " + v1 + "/documents/:file":                   nil,
	"GET " + v1 + "/documents":                         nil,
	"POST " + v1 + "/documents":                        nil,
	"GET " + v1 + "/document-template":                 nil,
	"PUT " + v1 + "/document-template":                 nil,
	"GET " + v1 + "/document-template/preview.pdf":     nil,
	"POST " + v1 + "/document-template/preview.pdf":    nil,
	"GET " + v1 + "/reports/sales":                     query("performance"),
	"GET " + v1 + "/reports/sales.csv":                 nil,
	"GET " + v1 + "/reports/sales/timeline":            nil,
	"GET " + v1 + "/payments.csv":                      nil,
	"GET " + v1 + "/payments":                          nil,
	"GET " + v1 + "/payments/reconciliation":           nil,
	"POST " + v1 + "/payments/reconciliation":          nil,

	"POST " + v1 + "/promotions":             nil,
	"GET " + v1 + "/promotions":              nil,
	"POST " + v1 + "/voucher-batches":        nil,
	"GET " + v1 + "/voucher-batches":         nil,
	"GET " + v1 + "/voucher-batches/:id":     nil,
	"GET " + v1 + "/vouchers/:code":          nil,
	"GET " + v1 + "/vouchers/:code/check":    nil,
	"POST " + v1 + "/vouchers/:code/block":   nil,
	"POST " + v1 + "/vouchers/:code/unblock": nil,
	"POST " + v1 + "/vouchers/:code/release": nil,
	"GET " + v1 + "/search":                  search,

	"POST " + v1 + "/products":                           nil,
	"GET " + v1 + "/products":                            nil,
	"GET " + v1 + "/products/:id":                        nil,
	"PATCH " + v1 + "/products/:id":                      nil,
	"GET " + v1 + "/passes":                              nil,
	"GET " + v1 + "/passes/:id":                          nil,
	"GET " + v1 + "/personalize/:token":                  nil,
	"PUT " + v1 + "/personalize/:token/passes/:id":       nil,
	"PUT " + v1 + "/personalize/:token/passes/:id/photo": nil,
	"GET " + v1 + "/personalize/:token/passes/:id/photo": nil,
	"GET " + v1 + "/passes/:id/photo":                    nil,
	"POST " + v1 + "/passes/:id/ship":                    nil,
	"POST " + v1 + "/passes/:id/deposit":                 nil,
	"POST " + v1 + "/passes/:id/hand-over":               nil,
	"POST " + v1 + "/passes/:id/block":                   nil,
	"POST " + v1 + "/passes/:id/unblock":                 nil,
	"POST " + v1 + "/passes/:id/replace":                 nil,
	"POST " + v1 + "/print-batches":                      nil,
	"GET " + v1 + "/print-batches":                       nil,
	"GET " + v1 + "/print-batches/:id":                   nil,
	"GET " + v1 + "/facility":                            nil,
	"PUT " + v1 + "/facility":                            nil,
	"GET " + v1 + "/pass-codes/:code":                    nil,
	"GET " + v1 + "/passes/:id/qr.svg":                   nil,
	"GET " + v1 + "/passes/:id/ledger":                   nil,
	"POST " + v1 + "/passes/:id/top-up":                  nil,
	"POST " + v1 + "/passes/:id/debit":                   nil,
	"POST " + v1 + "/passes/:id/transfer":                nil,
	"POST " + v1 + "/pass-vouchers/:code/exchange":       nil,
	"POST " + v1 + "/gates":                              nil,
	"GET " + v1 + "/gates":                               nil,
	"GET " + v1 + "/gates/:id":                           nil,
	"POST " + v1 + "/scans":                              nil,
	"POST " + v1 + "/scans/batch":                        nil,
	"GET " + v1 + "/scans":                               nil,
	"GET " + v1 + "/occupancy":                           nil,
	"GET " + v1 + "/occupancy/live":                      nil,
	"POST " + v1 + "/surcharges":                         nil,
	"GET " + v1 + "/surcharges/:code":                    nil,
	"POST " + v1 + "/passes/:id/entitlements":            nil,
}

const v1 = "/api/v1"

// InternalPrefix is where routes only nodes may call live (Server.Internal).
const InternalPrefix = "/internal/v1/"

// A locator finds the performance whose owner serves a request: "" serves it
// here (no performance, or one the handler will refuse as it would anywhere).
type locator func(s *Server, c *echo.Context) (perf string, err error)

func param(name string) locator {
	return func(_ *Server, c *echo.Context) (string, error) { return c.Param(name), nil }
}

func query(name string) locator {
	return func(_ *Server, c *echo.Context) (string, error) { return c.QueryParam(name), nil }
}

func token(name string) locator {
	return func(_ *Server, c *echo.Context) (string, error) {
		p, _ := seating.PerformanceOfToken(c.Param(name))
		return p, nil
	}
}

func orderOf(name string) locator {
	return func(s *Server, c *echo.Context) (string, error) {
		return s.fwd.orderPerformance(c.Request().Context(), s.checkout, c.Param(name))
	}
}

// bodyToken: the performance of the hold token in the JSON body's field.
func bodyToken(field string) locator {
	return func(_ *Server, c *echo.Context) (string, error) {
		p, _ := seating.PerformanceOfToken(peekField(c, field))
		return p, nil
	}
}

func bodyPerformance(field string) locator {
	return func(_ *Server, c *echo.Context) (string, error) { return peekField(c, field), nil }
}

func search(_ *Server, c *echo.Context) (string, error) {
	if p, ok := seating.PerformanceOfToken(strings.TrimSpace(c.QueryParam("q"))); ok {
		return p, nil
	}
	return c.QueryParam("performance"), nil
}

// pendingReservation: a decision moves the order onto its performance's
// replacement, whose shard takes the seats.
func pendingReservation(s *Server, c *echo.Context) (string, error) {
	ctx := c.Request().Context()
	perf, err := s.fwd.orderPerformance(ctx, s.checkout, c.Param("order"))
	if err != nil || perf == "" {
		return "", err
	}
	r, err := s.checkout.Rescheduled(ctx, perf)
	if err != nil {
		return "", nil // the handler says why
	}
	return r.ReplacementID, nil
}

// testPaymentOrder: the test provider's answer settles its order's payment.
func testPaymentOrder(s *Server, c *echo.Context) (string, error) {
	ctx := c.Request().Context()
	pay, err := s.checkout.PaymentForAnswer(ctx, testpay.Name, c.Param("id"), peekField(c, "client_secret"))
	if err != nil {
		return "", nil // the handler refuses it as it would anywhere
	}
	return s.fwd.orderPerformance(ctx, s.checkout, pay.OrderID)
}

// webhookOrder: a provider's event settles its order's payment; the event
// is verified here to find the order, and again by the owner.
func webhookOrder(s *Server, c *echo.Context) (string, error) {
	p := s.cfg.Payments
	if p == nil || p.Name() != c.Param("provider") {
		return "", nil
	}
	body, ok := peekBody(c, maxWebhookBody)
	if !ok {
		return "", nil
	}
	ev, err := p.Webhook(c.Request().Header, body)
	if err != nil || ev.OrderID == "" {
		return "", nil
	}
	return s.fwd.orderPerformance(c.Request().Context(), s.checkout, ev.OrderID)
}

// peekBody reads up to limit bytes of the body and puts them back: false if
// the body is longer (the handler refuses it) or unreadable.
func peekBody(c *echo.Context, limit int64) ([]byte, bool) {
	r := c.Request()
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(data), r.Body), r.Body}
	if err != nil || int64(len(data)) > limit {
		return nil, false
	}
	return data, true
}

// peekField is a string field of a JSON body of at most maxBody bytes; "" if
// there is none (the handler refuses what is malformed).
func peekField(c *echo.Context, field string) string {
	data, ok := peekBody(c, maxBody)
	if !ok || len(data) == 0 {
		return ""
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		return ""
	}
	var v string
	if json.Unmarshal(fields[field], &v) != nil {
		return ""
	}
	return v
}

// Context keys of a request another node forwarded.
const (
	nodeKey       = "cluster.node"        // the sending node's id
	nodeClientKey = "cluster.client_addr" // the client address it speaks for
)

// ForwardedBy is the node that forwarded c's request, verified; false if no
// node did.
func ForwardedBy(c *echo.Context) (nodeID string, ok bool) {
	nodeID, ok = c.Get(nodeKey).(string)
	return nodeID, ok
}

// maxForwardBody bounds what a node buffers to sign and check: the largest
// body a forwarded route takes (a paint stroke, 8 MB) and some.
const maxForwardBody = 8<<20 + 64<<10

var (
	errNodeUnauthenticated = problem(http.StatusUnauthorized, "node-unauthenticated", "Node request not authenticated",
		"the request carries node headers whose signature does not verify")
	errForwardTooLarge = problem(http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
		fmt.Sprintf("the body may have at most %d bytes", maxForwardBody))
)

func unavailableProblem(slug, title, detail string) *Problem {
	p := problem(http.StatusServiceUnavailable, slug, title, detail)
	p.RetryAfter = 1
	return p
}

// verifyNode checks a request that claims to come from a node, and notes
// who sent it and for which client address. The body is read (bounded) and
// put back.
func verifyNode(c *echo.Context, secret []byte, now time.Time) error {
	r := c.Request()
	body, ok := peekBody(c, maxForwardBody)
	if !ok {
		return errNodeUnauthenticated
	}
	node, err := nodeauth.Verify(r, secret, now, body)
	if err != nil {
		return errNodeUnauthenticated
	}
	c.Set(nodeKey, node)
	if a := nodeauth.ClientAddr(r); a != "" {
		c.Set(nodeClientKey, a)
	}
	return nil
}

// InternalAuth lets through requests signed by a node of the cluster with
// secret, and refuses every other with 401: for routes under /internal/v1/
// that only nodes call. On a server with a Cluster, Server.Internal mounts
// routes with it.
func InternalAuth(secret []byte) echo.MiddlewareFunc {
	return internalAuth(secret, time.Now)
}

func internalAuth(secret []byte, now func() time.Time) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if _, ok := ForwardedBy(c); !ok {
				if err := verifyNode(c, secret, now()); err != nil {
					return err
				}
			}
			return next(c)
		}
	}
}

// Internal mounts a route only nodes may call at InternalPrefix+path
// ("/internal/v1/" + "performances/:id/snapshot"), behind InternalAuth with
// the cluster's secret. It needs a Cluster.
func (s *Server) Internal(method, path string, h echo.HandlerFunc) error {
	if s.cfg.Cluster == nil {
		return errors.New("api: internal routes need a Cluster")
	}
	s.echo.Add(method, InternalPrefix+strings.TrimPrefix(path, "/"), h, internalAuth(s.cfg.Cluster.Secret(), s.now))
	return nil
}

// pingPath is the internal route a node asks a peer to prove they share the
// cluster secret (CheckPeer).
const pingPath = "ping"

func (s *Server) ping(c *echo.Context) error {
	return c.JSON(http.StatusOK, struct {
		Node string `json:"node"`
	}{s.cfg.Cluster.NodeID()})
}

// ErrPeerRefused: a peer refused this node's signature: the two were started
// with different cluster secrets.
var ErrPeerRefused = errors.New("api: the peer refused this node's signature: another cluster secret")

// CheckPeer asks the node at baseURL ("http://host:port") whether it takes
// this node's signature: nil if it does (and answers as a node of the
// cluster), ErrPeerRefused if it was started with another secret, another
// error if it cannot be asked. A node that finds ErrPeerRefused must not
// join. client nil: a client of its own, closed afterwards.
func CheckPeer(ctx context.Context, client *http.Client, baseURL, nodeID string, secret []byte) error {
	if client == nil {
		tr := newForwardTransport(true, new(atomic.Int64))
		defer tr.CloseIdleConnections()
		client = &http.Client{Transport: tr}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(baseURL, "/")+InternalPrefix+pingPath, nil)
	if err != nil {
		return fmt.Errorf("check peer %s: %w", baseURL, err)
	}
	nodeauth.Sign(req, nodeID, secret, time.Now(), nodeauth.BodyHash(nil))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("check peer %s: %w", baseURL, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	switch resp.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusUnauthorized:
		return fmt.Errorf("check peer %s: %w", baseURL, ErrPeerRefused)
	}
	return fmt.Errorf("check peer %s: status %d", baseURL, resp.StatusCode)
}

// cluster is the middleware of a node of several: it checks requests that
// claim to come from a node (401 if they do not verify), and sends a request
// that needs a performance's shard to the performance's owner. A request
// that came from a node is never sent on: if this node does not own the
// performance either, it is 503 not-owner and the sender asks again.
func (s *Server) cluster(next echo.HandlerFunc) echo.HandlerFunc {
	cl := s.cfg.Cluster
	secret := cl.Secret()
	return func(c *echo.Context) error {
		r := c.Request()
		forwarded := false
		if nodeauth.Claims(r) {
			if err := verifyNode(c, secret, s.now()); err != nil {
				s.metrics.forwards.WithLabelValues("unauthenticated").Inc()
				return err
			}
			forwarded = true
		}
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		locate := routePlacements[method+" "+c.Path()]
		if locate == nil {
			return next(c)
		}
		perf, err := locate(s, c)
		if err != nil {
			return err
		}
		if perf == "" {
			return next(c)
		}
		self, base, err := cl.Route(r.Context(), perf)
		switch {
		case err != nil:
			s.metrics.forwards.WithLabelValues("no_owner").Inc()
			s.log.Debug("no owner", "performance", perf, "err", err)
			return unavailableProblem("no-owner", "No node serves this performance now", "the performance is changing hands; retry shortly")
		case self:
			if forwarded {
				s.metrics.forwards.WithLabelValues("received").Inc()
			}
			return next(c)
		case forwarded:
			s.metrics.forwards.WithLabelValues("not_owner").Inc()
			return unavailableProblem("not-owner", "Not the owner", "this node does not own the performance; ask again")
		}
		return s.fwd.forward(s, c, perf, base)
	}
}

// forgetter is a Cluster that can be told an owner did not answer: it reads
// the owner again on the next request instead of trusting what it cached.
type forgetter interface{ Forget(perf string) }

// forwarder sends requests to owners: one Transport for every peer, whose
// connections are unencrypted HTTP/2, so that all requests to one peer
// multiplex over one persistent connection.
type forwarder struct {
	nodeID string
	secret []byte
	tr     *http.Transport
	proxy  *httputil.ReverseProxy

	targets sync.Map // base URL → *url.URL
	// dials counts connections opened to peers: with HTTP/2, one per peer
	// (and again after one broke).
	dials atomic.Int64

	ordersMu sync.Mutex
	orders   map[string]string // order id → performance id ("" none); immutable facts
}

// maxOrderCache bounds the order → performance memo.
const maxOrderCache = 100_000

// forwardHeaderTimeout bounds the wait for an owner's answer: an owner that
// hangs (paused, partitioned) is given up on, and the buyer retries.
const forwardHeaderTimeout = 15 * time.Second

// newForwardTransport is the transport to peers; http1 uses HTTP/1.1
// keep-alive connections instead of HTTP/2 (benchmarks compare them).
func newForwardTransport(http1 bool, dials *atomic.Int64) *http.Transport {
	d := &net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
		ResponseHeaderTimeout: forwardHeaderTimeout,
		// The owner's answer goes to the buyer byte for byte, compressed
		// or not as the buyer asked.
		DisableCompression:  true,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		Protocols:           new(http.Protocols),
		HTTP2: &http.HTTP2Config{
			// A dead peer is noticed by pings, not by a hung request.
			SendPingTimeout: 5 * time.Second,
			PingTimeout:     5 * time.Second,
		},
	}
	if http1 {
		tr.Protocols.SetHTTP1(true)
	} else {
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	return tr
}

func newForwarder(cl Cluster, http1 bool) *forwarder {
	f := &forwarder{nodeID: cl.NodeID(), secret: cl.Secret(), orders: map[string]string{}}
	f.tr = newForwardTransport(http1, &f.dials)
	f.proxy = &httputil.ReverseProxy{
		Rewrite:        f.rewrite,
		Transport:      f.tr,
		ModifyResponse: modifyResponse,
		ErrorHandler:   forwardError,
		FlushInterval:  -1, // answers are whole JSON documents or files: pass each write on
		BufferPool:     &copyBuffers{},
	}
	return f
}

// copyBuffers lends the proxy its 32 KB copy buffers: without them each
// forwarded request allocates one.
type copyBuffers struct{ pool sync.Pool }

func (p *copyBuffers) Get() []byte {
	if b, ok := p.pool.Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, 32<<10)
}

func (p *copyBuffers) Put(b []byte) { p.pool.Put(&b) }

// forwardCall is one forwarded request's state, carried in its context.
type forwardCall struct {
	target *url.URL
	body   []byte
	addr   string
	at     time.Time
	w      http.ResponseWriter
	err    error
}

type forwardCallKey struct{}

func (f *forwarder) target(base string) (*url.URL, error) {
	if u, ok := f.targets.Load(base); ok {
		return u.(*url.URL), nil
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("api: owner's base URL %q is not http://host:port", base)
	}
	f.targets.Store(base, u)
	return u, nil
}

func (f *forwarder) forward(s *Server, c *echo.Context, perf, base string) error {
	start := time.Now()
	target, err := f.target(base)
	if err != nil {
		return err
	}
	r := c.Request()
	body, ok := peekBody(c, maxForwardBody)
	if !ok {
		return errForwardTooLarge
	}
	call := &forwardCall{target: target, body: body, addr: clientAddress(c), at: s.now(), w: c.Response()}
	in := r.WithContext(context.WithValue(r.Context(), forwardCallKey{}, call))
	in.ContentLength = int64(len(body))
	in.TransferEncoding = nil
	if len(body) == 0 {
		in.Body = http.NoBody
	} else {
		in.Body = io.NopCloser(bytes.NewReader(body))
	}
	f.proxy.ServeHTTP(c.Response(), in)
	s.metrics.forwardSeconds.Observe(time.Since(start).Seconds())
	if call.err == nil {
		s.metrics.forwards.WithLabelValues("ok").Inc()
		return nil
	}
	if r.Context().Err() != nil {
		s.metrics.forwards.WithLabelValues("client_gone").Inc()
		return context.Canceled
	}
	s.metrics.forwards.WithLabelValues("unreachable").Inc()
	s.log.Debug("owner unreachable", "owner", target.Host, "err", call.err)
	if fg, ok := s.cfg.Cluster.(forgetter); ok {
		fg.Forget(perf)
	}
	if rw, _ := echo.UnwrapResponse(c.Response()); rw != nil && rw.Committed {
		return nil // cut short mid-answer: nothing more can be said
	}
	return unavailableProblem("owner-unreachable", "Owner unreachable", "the node that serves this performance does not answer; retry shortly")
}

func (f *forwarder) rewrite(pr *httputil.ProxyRequest) {
	call := pr.In.Context().Value(forwardCallKey{}).(*forwardCall)
	pr.SetURL(call.target)
	// As the buyer sent it: the owner checks Origin against Host, and
	// cookies, bearer tokens and the proxy's headers pass as they came.
	pr.Out.Host = pr.In.Host
	for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded"} {
		if v, ok := pr.In.Header[h]; ok {
			pr.Out.Header[h] = v
		}
	}
	pr.Out.RequestURI = ""
	pr.Out.Header.Set(nodeauth.HeaderClientAddr, call.addr)
	nodeauth.Sign(pr.Out, f.nodeID, f.secret, call.at, nodeauth.BodyHash(call.body))
}

// modifyResponse drops what this node put in the answer's header so far
// (security headers): the owner's answer goes out exactly as it made it.
func modifyResponse(res *http.Response) error {
	call := res.Request.Context().Value(forwardCallKey{}).(*forwardCall)
	clear(call.w.Header())
	return nil
}

func forwardError(_ http.ResponseWriter, r *http.Request, err error) {
	r.Context().Value(forwardCallKey{}).(*forwardCall).err = err
}

// orderPerformance is the performance of an order ("" for an order of
// passes alone, or none: the handler answers it as anywhere). An order never
// changes performance, so the answer is kept.
func (f *forwarder) orderPerformance(ctx context.Context, co *checkout.Service, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	f.ordersMu.Lock()
	perf, ok := f.orders[id]
	f.ordersMu.Unlock()
	if ok {
		return perf, nil
	}
	o, err := co.GetOrder(ctx, id, seating.Actor{StaffID: "cluster"})
	if errors.Is(err, checkout.ErrOrderNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	f.ordersMu.Lock()
	if len(f.orders) >= maxOrderCache {
		clear(f.orders)
	}
	f.orders[id] = o.PerformanceID
	f.ordersMu.Unlock()
	return o.PerformanceID, nil
}

// Close closes the idle connections to peers.
func (f *forwarder) Close() { f.tr.CloseIdleConnections() }
