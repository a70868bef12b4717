package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// API speaks seatd's HTTP API (or a baseline's copy of it).
type API struct {
	Base  string // e.g. http://localhost:8080; the first of several nodes
	Token string // staff bearer token, for set-up and the audit
	http  *http.Client
	fast  *http1 // the buyers' requests; nil for https targets

	// Several nodes (issue 18): the buyers' requests go round robin over
	// them, a request that finds its node gone or moving a performance
	// (a network error, 503) is tried on the next until retryFor has
	// passed, and a node that refused a connection is left alone a while.
	nodes    []apiNode
	next     atomic.Uint64
	retryFor time.Duration
	// Retried counts requests sent again to another node.
	Retried atomic.Int64
}

type apiNode struct {
	base string
	fast *http1
	down *atomic.Int64 // unix nanos until which the node is passed over
}

// NewAPI returns a client with a connection pool sized for conns parallel
// requests. base may list several nodes of one cluster, comma-separated:
// buyers spread over them; staff calls and the audit use the first.
func NewAPI(base, token string, conns int) *API {
	bases := strings.Split(base, ",")
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns * len(bases),
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
	}
	a := &API{Base: strings.TrimRight(strings.TrimSpace(bases[0]), "/"), Token: token, http: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
	for _, b := range bases {
		b = strings.TrimRight(strings.TrimSpace(b), "/")
		n := apiNode{base: b, down: new(atomic.Int64)}
		n.fast, _ = newHTTP1(b, 60*time.Second) // https: net/http carries the buyers too
		a.nodes = append(a.nodes, n)
	}
	a.fast = a.nodes[0].fast // one pool a node: the first node's serves a single target
	if len(a.nodes) > 1 {
		a.retryFor = 10 * time.Second
	}
	return a
}

// Nodes is how many nodes the client spreads buyers over.
func (a *API) Nodes() int { return len(a.nodes) }

// BaseFor is the base URL of the i-th node, round robin: watchers spread
// over the nodes by their number.
func (a *API) BaseFor(i int) string { return a.nodes[i%len(a.nodes)].base }

// pick returns the next node that is not passed over (or the next at all).
func (a *API) pick() int {
	n := len(a.nodes)
	start := int(a.next.Add(1) % uint64(n))
	now := time.Now().UnixNano()
	for k := range n {
		i := (start + k) % n
		if a.nodes[i].down.Load() < now {
			return i
		}
	}
	return start
}

// firstUp is the first node not passed over (or the first).
func (a *API) firstUp() int {
	now := time.Now().UnixNano()
	for i, n := range a.nodes {
		if n.down.Load() < now {
			return i
		}
	}
	return 0
}

// Close drops idle connections.
func (a *API) Close() {
	a.http.CloseIdleConnections()
	for _, n := range a.nodes {
		if n.fast != nil {
			n.fast.closeIdle()
		}
	}
}

// Problem is an error answer.
type Problem struct {
	Status int
	Type   string   `json:"type"`
	Detail string   `json:"detail"`
	Seats  []string `json:"seats"`
	Reason string   `json:"reason"` // why a code was refused
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Type, p.Detail) }

// Kind is a short label for error counts: "409", "503", "network".
func (p *Problem) Kind() string { return fmt.Sprint(p.Status) }

// session makes a buyer session id as the server issues them (128 random bits,
// lower-case base32), so a buyer needs no extra round trip to get one.
func session() string {
	b := make([]byte, 16)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// call sends one request. session, when set, is the buyer's cookie; staff calls
// carry the bearer token.
func (a *API) call(ctx context.Context, method, path, session string, staff bool, body, out any, header ...string) error {
	var data []byte
	if body != nil {
		switch b := body.(type) {
		case []byte:
			data = b
		default:
			var err error
			if data, err = json.Marshal(body); err != nil {
				return err
			}
		}
	}
	if a.fast != nil && !staff && session != "" {
		headers := append([]string{"Cookie", "seatmap_session=" + session}, header...)
		if len(a.nodes) > 1 {
			return a.callNodes(ctx, method, path, headers, data, out)
		}
		status, answer, err := a.fast.do(ctx, method, path, headers, data)
		if err != nil {
			return &Problem{Status: 0, Type: "network", Detail: err.Error()}
		}
		return answerOf(method, path, status, answer, out)
	}
	base := a.Base
	if len(a.nodes) > 1 {
		// Staff calls and the audit: the first node that takes a
		// connection (a killed one does not).
		base = a.nodes[a.firstUp()].base
	}
	var rd io.Reader
	if data != nil {
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if session != "" {
		req.Header.Set("Cookie", "seatmap_session="+session)
	}
	if staff && a.Token != "" {
		req.Header.Set("Authorization", "Bearer "+a.Token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := a.http.Do(req)
	var op *net.OpError
	if err != nil && len(a.nodes) > 1 && errors.As(err, &op) && op.Op == "dial" && ctx.Err() == nil {
		// Nothing was sent: the node is gone. Try the others.
		for i := range a.nodes {
			if a.nodes[i].base == base {
				a.nodes[i].down.Store(time.Now().Add(time.Minute).UnixNano())
			}
		}
		if a.nodes[a.firstUp()].base != base {
			return a.call(ctx, method, path, session, staff, body, out, header...)
		}
	}
	if err != nil {
		return &Problem{Status: 0, Type: "network", Detail: err.Error()}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return &Problem{Status: 0, Type: "network", Detail: err.Error()}
	}
	return answerOf(method, path, resp.StatusCode, answer, out)
}

// callNodes sends a buyer's request to the next node, and again to the
// next while the answer is a network error or a 503 (a node killed, a
// performance moving to a new owner), as a load balancer with health checks
// and a buyer pressing reload would. Every retry is safe: holds that the
// gone node may have made lapse on their own, and orders carry an
// idempotency key.
func (a *API) callNodes(ctx context.Context, method, path string, headers []string, data []byte, out any) error {
	deadline := time.Now().Add(a.retryFor)
	for attempt := 0; ; attempt++ {
		i := a.pick()
		n := a.nodes[i]
		status, answer, err := n.fast.do(ctx, method, path, headers, data)
		var p error
		if err != nil {
			p = &Problem{Status: 0, Type: "network", Detail: err.Error()}
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				n.down.Store(time.Now().Add(2 * time.Second).UnixNano())
			}
		} else {
			p = answerOf(method, path, status, answer, out)
			if status != http.StatusServiceUnavailable {
				return p
			}
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return p
		}
		a.Retried.Add(1)
		select {
		case <-ctx.Done():
			return p
		case <-time.After(time.Duration(min(attempt+1, 10)) * 20 * time.Millisecond):
		}
	}
}

// answerOf turns an answer into out, or into a *Problem for a status of 300 or more.
func answerOf(method, path string, status int, data []byte, out any) error {
	if status >= 300 {
		p := &Problem{Status: status}
		_ = json.Unmarshal(data, p)
		if p.Type == "" {
			p.Type = http.StatusText(status)
		}
		return p
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// Hold is a hold as the API answers it.
type Hold struct {
	Token     string    `json:"token"`
	Seats     []string  `json:"seats"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Order is an order as the API answers it.
type Order struct {
	ID      string   `json:"id"`
	Number  string   `json:"number"`
	Status  string   `json:"status"`
	Seats   []string `json:"seats"`
	Total   int64    `json:"total"`
	Tickets []struct {
		Seat string `json:"seat"`
	} `json:"tickets"`
	// Payment is what the buyer's page pays with while the order is
	// pending_payment; nil without a payment provider.
	Payment *OrderPayment `json:"payment"`
}

// OrderPayment is the payment an order waits for: the provider's id, the
// client secret the buyer's page answers it with, and the end of the window.
type OrderPayment struct {
	ID           string    `json:"id"`
	Provider     string    `json:"provider"`
	ClientSecret string    `json:"client_secret"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// Request bodies as typed structs: the generator encodes hundreds of
// thousands, and maps cost it several times more.
type (
	holdBody struct {
		Seats []string  `json:"seats,omitempty"`
		Best  *bestBody `json:"best,omitempty"`
	}
	bestBody struct {
		Count int `json:"count"`
	}
	buyerBody struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	confirmBody struct {
		HoldToken   string    `json:"hold_token"`
		Buyer       buyerBody `json:"buyer"`
		VoucherCode string    `json:"voucher_code,omitempty"`
	}
)

var loadTester = buyerBody{Name: "Load Tester", Email: "load@example.com"}

// HoldSeats holds seats by id.
func (a *API) HoldSeats(ctx context.Context, session, perf string, seats []string) (Hold, error) {
	var h Hold
	err := a.call(ctx, "POST", "/api/v1/performances/"+perf+"/holds", session, false, holdBody{Seats: seats}, &h)
	return h, err
}

// HoldBest holds the best count seats together.
func (a *API) HoldBest(ctx context.Context, session, perf string, count int) (Hold, error) {
	var h Hold
	err := a.call(ctx, "POST", "/api/v1/performances/"+perf+"/holds", session, false, holdBody{Best: &bestBody{Count: count}}, &h)
	return h, err
}

// Release drops a hold.
func (a *API) Release(ctx context.Context, session, token string) error {
	return a.call(ctx, "DELETE", "/api/v1/holds/"+token, session, false, nil, nil)
}

// Confirm turns a hold into an order.
func (a *API) Confirm(ctx context.Context, session, token, key string) (Order, error) {
	return a.ConfirmWithCode(ctx, session, token, key, "")
}

// ConfirmWithCode confirms a hold with a voucher or promotion code ("" for none).
func (a *API) ConfirmWithCode(ctx context.Context, session, token, key, code string) (Order, error) {
	var o Order
	body := confirmBody{HoldToken: token, Buyer: loadTester, VoucherCode: code}
	err := a.call(ctx, "POST", "/api/v1/orders", session, false, body, &o, "Idempotency-Key", key)
	return o, err
}

// Test provider outcomes: what the buyer's page answers a payment with.
const (
	Approve = "approve"
	Decline = "decline"
)

type answerBody struct {
	ClientSecret string `json:"client_secret"`
}

// AnswerTestPayment approves or declines a payment of seatd's built-in test
// provider (-payment test) as the buyer's page does, with the payment's
// client secret, and returns the order after it.
func (a *API) AnswerTestPayment(ctx context.Context, session, id, secret, outcome string) (Order, error) {
	var o Order
	err := a.call(ctx, "POST", "/api/v1/payments/test/"+id+"/"+outcome, session, false, answerBody{ClientSecret: secret}, &o)
	return o, err
}

// CreatePromotion makes a promotion of percent off with a use limit, for a
// surge whose buyers race for it.
func (a *API) CreatePromotion(ctx context.Context, code string, percent, uses int) error {
	body := map[string]any{"code": code, "name": "Load test", "percent": percent, "max_uses": uses}
	return a.call(ctx, "POST", "/api/v1/promotions", "", true, body, nil)
}

// CodeUses returns how often a code was redeemed and its limit (0: none).
func (a *API) CodeUses(ctx context.Context, code string) (uses, limit int, err error) {
	var c struct {
		Uses    int  `json:"uses"`
		MaxUses *int `json:"max_uses"`
	}
	if err := a.call(ctx, "GET", "/api/v1/vouchers/"+code, "", true, nil, &c); err != nil {
		return 0, 0, err
	}
	if c.MaxUses != nil {
		limit = *c.MaxUses
	}
	return c.Uses, limit, nil
}

// Seatmap is the compact seat map.
type Seatmap struct {
	Version uint64    `json:"version"`
	Count   int       `json:"count"`
	IDs     []string  `json:"ids"`
	X       []float64 `json:"x"`
	Y       []float64 `json:"y"`
	Row     []int     `json:"row"`
	Rows    []struct {
		Section int    `json:"section"`
		Label   string `json:"label"`
	} `json:"rows"`
	Zone    []int  `json:"zone"`
	Channel []int  `json:"channel"`
	States  string `json:"states"`
}

// Seatmap fetches the compact seat map.
func (a *API) Seatmap(ctx context.Context, perf string) (Seatmap, error) {
	var m Seatmap
	err := a.call(ctx, "GET", "/api/v1/performances/"+perf+"/seatmap?format=compact", "", true, nil, &m)
	return m, err
}
