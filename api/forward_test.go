package api_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/api"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/nodeauth"
	"github.com/seatmap/seatmap/payment"
	"github.com/seatmap/seatmap/payment/testpay"
)

var clusterSecret = []byte("a cluster secret of at least 32 bytes, for tests")

// fakeCluster is a node's view of who owns what: self (this node owns
// everything) or owner (a base URL; "" is no owner at all).
type fakeCluster struct {
	id     string
	secret []byte

	mu    sync.Mutex
	self  bool
	owner string
	asked int
	last  string // the last performance asked about
}

func (f *fakeCluster) NodeID() string { return f.id }
func (f *fakeCluster) Secret() []byte { return f.secret }

func (f *fakeCluster) Route(_ context.Context, perf string) (bool, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked++
	f.last = perf
	if !f.self && f.owner == "" {
		return false, "", errors.New("no owner of " + perf)
	}
	return f.self, f.owner, nil
}

func (f *fakeCluster) routes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked
}

// lastAsked is the performance Route was last asked about, and forgets it.
func (f *fakeCluster) lastAsked() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.last
	f.last = ""
	return p
}

func (f *fakeCluster) setOwner(url string) {
	f.mu.Lock()
	f.owner = url
	f.mu.Unlock()
}

// twoNodes starts node A, which owns every performance, and node B, which
// forwards to A; both on one store, lease store and clock.
func twoNodes(t testing.TB, b stack, opts ...func(*envOptions)) (a, bn *testEnv, cb *fakeCluster) {
	t.Helper()
	a = newEnv(t, b, append(opts, func(o *envOptions) { o.cluster = &fakeCluster{id: "node-a", secret: clusterSecret, self: true} })...)
	cb = &fakeCluster{id: "node-b", secret: clusterSecret, owner: a.url}
	bn = newEnv(t, b, append(opts, func(o *envOptions) { o.share, o.cluster = a, cb })...)
	return a, bn, cb
}

// on is a client of another node with c's cookies and token: the same
// browser, sent elsewhere by the balancer.
func (c *client) on(e *testEnv) *client {
	o := e.buyer()
	o.http.Jar, o.token = c.http.Jar, c.token
	return o
}

// sameAnswer requires two answers to be the same: status, body, and every
// header but Date.
func sameAnswer(t *testing.T, want, got response) {
	t.Helper()
	require.Equal(t, want.status, got.status, "direct %s\nforwarded %s", want.body, got.body)
	require.Equal(t, string(want.body), string(got.body))
	wh, gh := want.header.Clone(), got.header.Clone()
	wh.Del("Date")
	gh.Del("Date")
	require.Equal(t, wh, gh)
}

func TestForwardAnswersAsTheOwner(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		a, bn, _ := twoNodes(t, b)
		p := a.performance(hall.Theatre(), true)
		holds := "/api/v1/performances/" + p.ID + "/holds"

		// A new buyer comes through B: the session cookie is A's, and A
		// knows the buyer by it afterwards.
		alice := bn.buyer()
		r := alice.do("POST", holds, map[string]any{"seats": []string{"S-R5-S10", "S-R5-S11"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		require.Contains(t, r.header.Get("Set-Cookie"), "seatmap_session=")
		require.Len(t, r.header.Values("Set-Cookie"), 1)
		var hb hold
		r.decode(t, &hb)
		aliceA := alice.on(a)
		require.Equal(t, http.StatusOK, aliceA.do("GET", "/api/v1/holds/"+hb.Token, nil).status)

		// A hold made through A is extended through B, and one made
		// through B through A.
		r = aliceA.do("POST", holds, map[string]any{"seats": []string{"S-R6-S1"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var ha hold
		r.decode(t, &ha)
		a.clock.Add(time.Minute)
		r = alice.do("POST", "/api/v1/holds/"+ha.Token+"/extend", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r = aliceA.do("POST", "/api/v1/holds/"+hb.Token+"/extend", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)

		// Another buyer asks for a taken seat, the other's hold, a
		// missing hold: the same answers through both nodes.
		bob := a.buyer()
		require.Equal(t, http.StatusOK, bob.do("GET", "/api/v1/venue", nil).status) // his session
		bobB := bob.on(bn)
		for _, q := range []struct {
			method, path string
			body         any
		}{
			{"POST", holds, map[string]any{"seats": []string{"S-R5-S11", "S-R5-S12"}}},
			{"GET", "/api/v1/holds/" + hb.Token, nil},
			{"POST", "/api/v1/holds/" + hb.Token + "/extend", nil},
			{"DELETE", "/api/v1/holds/" + hb.Token, nil},
			{"GET", "/api/v1/holds/" + p.ID + ".nosuchtoken", nil},
			{"POST", holds, `{"seats": [`},
			{"GET", "/api/v1/performances/" + p.ID + "/seatmap?format=compact", nil},
			{"GET", "/api/v1/performances/" + p.ID, nil},
		} {
			sameAnswer(t, bob.do(q.method, q.path, q.body), bobB.do(q.method, q.path, q.body))
		}

		// Released through B: gone on A.
		require.Equal(t, http.StatusNoContent, alice.do("DELETE", "/api/v1/holds/"+ha.Token, nil).status)
		require.Equal(t, http.StatusNotFound, aliceA.do("GET", "/api/v1/holds/"+ha.Token, nil).status)

		// Confirmed through B (201, the order's Location); the retry
		// through A with the same key is the same order.
		body := map[string]any{"hold_token": hb.Token, "buyer": map[string]string{"name": "Alice Liddell", "email": "alice@example.com"}}
		r = alice.do("POST", "/api/v1/orders", body, "Idempotency-Key", "fwd-1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var o order
		r.decode(t, &o)
		require.Equal(t, "paid", o.Status)
		require.Equal(t, "/api/v1/orders/"+o.ID, r.header.Get("Location"))
		again := aliceA.do("POST", "/api/v1/orders", body, "Idempotency-Key", "fwd-1")
		require.Equal(t, http.StatusCreated, again.status)
		require.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
		var o2 order
		again.decode(t, &o2)
		require.Equal(t, o.ID, o2.ID)
		free, held, sold, _ := a.counts(p.ID)
		require.Equal(t, []int{798, 0, 2}, []int{free, held, sold})

		// Staff through B: a refund gives the seat back, a paint blocks
		// seats; the seat map says so through either node.
		staffB := a.staff().on(bn)
		r = staffB.do("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"seats": []string{"S-R5-S10"}, "reason": "ill", "method": "cash"}, "Idempotency-Key", "fwd-r1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		r = staffB.do("POST", "/api/v1/performances/"+p.ID+"/paint", map[string]any{"seats": []string{"S-R1-S1", "S-R1-S2"}, "block": "technical"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.JSONEq(t, `{"changed":2,"skipped":[]}`, string(r.body))
		free, held, sold, blocked := a.counts(p.ID)
		require.Equal(t, []int{797, 0, 1, 2}, []int{free, held, sold, blocked})
		staffA := staffB.on(a)
		for _, path := range []string{"/api/v1/performances/" + p.ID + "/seatmap", "/api/v1/performances/" + p.ID + "/stats", holds} {
			sameAnswer(t, staffA.do("GET", path, nil), staffB.do("GET", path, nil))
		}

		// The box office reserves through B and is paid through B.
		r = staffB.do("POST", holds, map[string]any{"seats": []string{"S-R7-S1"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var sh hold
		r.decode(t, &sh)
		r = staffB.do("POST", "/api/v1/holds/"+sh.Token+"/reserve", map[string]any{"days": 3, "buyer": map[string]string{"name": "Res", "email": "res@example.com"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var res order
		r.decode(t, &res)
		require.Equal(t, "reserved", res.Status)
		r = staffB.do("POST", "/api/v1/orders/"+res.ID+"/pay", map[string]string{"method": "cash"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r.decode(t, &res)
		require.Equal(t, "paid", res.Status)
		_, _, sold, _ = a.counts(p.ID)
		require.Equal(t, 2, sold)

		// The buyer's browser on B's origin: the owner checks Origin
		// against the Host the buyer asked, B's.
		r = alice.do("POST", holds, map[string]any{"seats": []string{"S-R8-S1"}}, "Origin", bn.url)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		r = alice.do("POST", holds, map[string]any{"seats": []string{"S-R8-S2"}}, "Origin", "https://evil.example")
		require.Equal(t, http.StatusForbidden, r.status)
		require.Contains(t, r.problem(t).Detail, strings.TrimPrefix(bn.url, "http://"), "judged by the host the buyer asked")
	})
}

func TestForwardRefusesWhatItCannotTrust(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		a, bn, cb := twoNodes(t, b)
		p := a.performance(hall.Theatre(), true)
		holds := "/api/v1/performances/" + p.ID + "/holds"
		seats := `{"seats":["S-R2-S2"]}`

		send := func(e *testEnv, sign func(*http.Request)) response {
			t.Helper()
			req, err := http.NewRequest("POST", e.url+holds, strings.NewReader(seats))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			sign(req)
			resp, err := e.transport.RoundTrip(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			var buf bytes.Buffer
			_, err = buf.ReadFrom(resp.Body)
			require.NoError(t, err)
			return response{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()}
		}
		signWith := func(secret []byte) func(*http.Request) {
			return func(r *http.Request) {
				r.Header.Set(nodeauth.HeaderClientAddr, "203.0.113.5")
				nodeauth.Sign(r, "node-b", secret, a.clock.Now(), nodeauth.BodyHash([]byte(seats)))
			}
		}

		// Forged: no signature, a made-up one, another cluster's secret, a
		// client address alone. Nothing is held.
		for name, sign := range map[string]func(*http.Request){
			"node header alone": func(r *http.Request) { r.Header.Set(nodeauth.HeaderNode, "node-b") },
			"made-up signature": func(r *http.Request) {
				signWith(clusterSecret)(r)
				r.Header.Set(nodeauth.HeaderSignature, "bm90IGEgc2lnbmF0dXJlIGF0IGFsbCwgbm90IGF0IGFsbCEh")
			},
			"other secret":        signWith([]byte("another cluster's secret, 32 bytes or more")),
			"client address only": func(r *http.Request) { r.Header.Set(nodeauth.HeaderClientAddr, "203.0.113.5") },
		} {
			r := send(a, sign)
			require.Equal(t, http.StatusUnauthorized, r.status, "%s: %s", name, r.body)
			require.Contains(t, r.problem(t).Type, "node-unauthenticated", name)
		}
		free, held, _, _ := a.counts(p.ID)
		require.Equal(t, []int{800, 0}, []int{free, held})

		// Signed, to the owner: served.
		r := send(a, signWith(clusterSecret))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)

		// Signed, to a node that does not own the performance: never sent
		// on.
		asked := cb.routes()
		r = send(bn, signWith(clusterSecret))
		require.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.body)
		require.Contains(t, r.problem(t).Type, "not-owner")
		require.Equal(t, "1", r.header.Get("Retry-After"))
		require.Equal(t, asked+1, cb.routes())

		buyer := bn.buyer()
		// No owner: 503, retry.
		cb.setOwner("")
		r = buyer.do("POST", holds, map[string]any{"seats": []string{"S-R3-S3"}})
		require.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.body)
		require.Contains(t, r.problem(t).Type, "no-owner")
		require.Equal(t, "1", r.header.Get("Retry-After"))

		// The owner down (nothing listens): 503, retry; the next request
		// asks where the owner is again and gets through.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		dead := "http://" + ln.Addr().String()
		require.NoError(t, ln.Close())
		cb.setOwner(dead)
		r = buyer.do("POST", holds, map[string]any{"seats": []string{"S-R3-S3"}})
		require.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.body)
		require.Contains(t, r.problem(t).Type, "owner-unreachable")
		require.Equal(t, "1", r.header.Get("Retry-After"))
		cb.setOwner(a.url)
		r = buyer.do("POST", holds, map[string]any{"seats": []string{"S-R3-S3"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		_, held, _, _ = a.counts(p.ID)
		require.Equal(t, 2, held)
	})
}

// The owner counts a forwarded buyer by the address the forwarding node
// saw, not by the node's.
func TestForwardKeepsTheBuyersAddress(t *testing.T) {
	t.Parallel()
	a := newEnv(t, production, func(o *envOptions) {
		o.cluster = &fakeCluster{id: "node-a", secret: clusterSecret, self: true}
		o.rate = api.RateLimit{SessionPerSecond: -1, AddressPerSecond: 0.001, AddressBurst: 2}
	})
	p := a.performance(hall.Theatre(), true)
	holds := "/api/v1/performances/" + p.ID + "/holds"
	// B behind a balancer: the client's address from X-Forwarded-For.
	bp := newEnv(t, production, func(o *envOptions) {
		o.share = a
		o.cluster = &fakeCluster{id: "node-b", secret: clusterSecret, owner: a.url}
		o.config = func(c *api.Config) { c.TrustProxy = true }
	})
	hold := func(c *client, seat, from string) int {
		t.Helper()
		return c.do("POST", holds, map[string]any{"seats": []string{seat}}, "X-Forwarded-For", from).status
	}
	c := bp.buyer()
	require.Equal(t, http.StatusCreated, hold(c, "S-R1-S1", "203.0.113.7"))
	require.Equal(t, http.StatusCreated, hold(c, "S-R1-S2", "203.0.113.7"))
	require.Equal(t, http.StatusTooManyRequests, hold(c, "S-R1-S3", "203.0.113.7"))
	// Another buyer through the same node is not limited by the first.
	require.Equal(t, http.StatusCreated, hold(bp.buyer(), "S-R1-S4", "203.0.113.8"))
}

func TestEveryRouteIsPlaced(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	placed := api.RoutePlacements()
	registered := map[string]bool{}
	for _, r := range api.Routes(e.srv) {
		method, path, _ := strings.Cut(r, " ")
		if strings.HasSuffix(path, "/*") || strings.HasPrefix(method, "echo_") || strings.HasPrefix(path, api.InternalPrefix) {
			continue // catch-alls, echo's own not-found routes and nodes' routes: local
		}
		registered[r] = true
		_, ok := placed[r]
		require.True(t, ok, "route %s is neither forwarded nor local in api/forward.go's table", r)
	}
	for r := range placed {
		require.True(t, registered[r], "the table places %s, which is no route", r)
	}
	// The shard's writes are forwarded.
	for _, r := range []string{"POST /api/v1/performances/:id/holds", "POST /api/v1/holds/:token/extend", "DELETE /api/v1/holds/:token",
		"POST /api/v1/orders", "POST /api/v1/performances/:id/paint", "POST /api/v1/orders/:id/refunds", "GET /api/v1/performances/:id/holds"} {
		require.True(t, placed[r], r)
	}
	require.False(t, placed["GET /api/v1/performances/:id/live"], "the live map is served by every node")
}

func TestInternalRoutesNeedANodesSignature(t *testing.T) {
	t.Parallel()
	a, _, _ := twoNodes(t, embedded)
	require.NoError(t, a.srv.Internal("GET", "whoami", func(c *echo.Context) error {
		node, _ := api.ForwardedBy(c)
		return c.String(http.StatusOK, node)
	}))
	get := func(sign func(*http.Request)) (int, string) {
		req, err := http.NewRequest("GET", a.url+api.InternalPrefix+"whoami", nil)
		require.NoError(t, err)
		sign(req)
		resp, err := a.transport.RoundTrip(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		return resp.StatusCode, buf.String()
	}
	status, _ := get(func(*http.Request) {})
	require.Equal(t, http.StatusUnauthorized, status)
	status, _ = get(func(r *http.Request) {
		nodeauth.Sign(r, "node-c", []byte("another cluster's secret, 32 bytes or more"), a.clock.Now(), nodeauth.BodyHash(nil))
	})
	require.Equal(t, http.StatusUnauthorized, status)
	status, body := get(func(r *http.Request) {
		nodeauth.Sign(r, "node-c", clusterSecret, a.clock.Now(), nodeauth.BodyHash(nil))
	})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "node-c", body)

	// A node started with another secret cannot join: its peers refuse it.
	ctx := context.Background()
	require.NoError(t, api.CheckPeer(ctx, nil, a.url, "node-c", clusterSecret))
	require.ErrorIs(t, api.CheckPeer(ctx, nil, a.url, "node-c", []byte("another cluster's secret, 32 bytes or more")), api.ErrPeerRefused)
	require.Error(t, api.CheckPeer(ctx, nil, "http://127.0.0.1:1", "node-c", clusterSecret))

	// Without a Cluster there is no internal route.
	single := newEnv(t, embedded)
	require.Error(t, single.srv.Internal("GET", "whoami", func(c *echo.Context) error { return nil }))
}

// A buyer pays through B (the test provider's page and a webhook): the
// owner's shard sells the seats.
func TestForwardPayments(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		a, bn, _ := twoNodes(t, b, func(o *envOptions) { o.payments = hookPay{testpay.New()} })
		p := a.performance(hall.Theatre(), true)
		buyer := bn.buyer()
		buy := func(seat string) payOrder {
			t.Helper()
			r := buyer.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{seat}})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var h hold
			r.decode(t, &h)
			r = buyer.do("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Vera", "email": "vera@example.com"}})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var o payOrder
			r.decode(t, &o)
			require.Equal(t, "pending_payment", o.Status)
			return o
		}
		o := buy("S-R1-S1")
		r := buyer.do("POST", "/api/v1/payments/test/"+o.Payment.ID+"/approve", map[string]string{"client_secret": o.Payment.ClientSecret})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var paid payOrder
		r.decode(t, &paid)
		require.Equal(t, "paid", paid.Status)

		d := buy("S-R1-S2")
		r = buyer.do("POST", "/api/v1/payments/test/"+d.Payment.ID+"/decline", map[string]string{"client_secret": d.Payment.ClientSecret})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)

		w := buy("S-R1-S3")
		hook := bn.buyer()
		hook.http.Jar = nil
		ev := payment.Event{ID: "evt_fwd", Type: payment.PaymentSucceeded, PaymentID: w.Payment.ID, OrderID: w.ID, Amount: w.Total, Currency: w.Currency}
		r = hook.do("POST", "/api/v1/payments/test/webhook", ev, "X-Test-Signature", "good")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, http.StatusBadRequest, hook.do("POST", "/api/v1/payments/test/webhook", ev, "X-Test-Signature", "forged").status)

		free, held, sold, _ := a.counts(p.ID)
		require.Equal(t, []int{798, 0, 2}, []int{free, held, sold})
	})
}

// Each kind of locator finds the performance: in the path, a hold token, the
// body, the query, an order; and a local route asks no owner.
func TestForwardFindsThePerformance(t *testing.T) {
	t.Parallel()
	a, bn, cb := twoNodes(t, embedded)
	p := a.performance(hall.Theatre(), true)
	staffB := a.staff().on(bn)
	staffA := staffB.on(a)
	r := staffB.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R1-S1"}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Equal(t, p.ID, cb.lastAsked())
	var h hold
	r.decode(t, &h)

	for _, q := range []struct{ method, path string }{
		{"GET", "/api/v1/search?q=" + h.Token},
		{"GET", "/api/v1/reports/sales?performance=" + p.ID},
		{"GET", "/api/v1/performances/" + p.ID + "/fares"},
	} {
		sameAnswer(t, staffA.do(q.method, q.path, nil), staffB.do(q.method, q.path, nil))
		require.Equal(t, p.ID, cb.lastAsked(), q.path)
	}
	r = staffB.do("POST", "/api/v1/halls/"+p.HallID+"/templates", map[string]string{"name": "As set", "performance_id": p.ID})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Equal(t, p.ID, cb.lastAsked())

	r = staffB.do("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Walk-in"}, "payment": map[string]string{"method": "cash"}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Equal(t, p.ID, cb.lastAsked())
	var o order
	r.decode(t, &o)
	r = staffB.do("POST", "/api/v1/orders/"+o.ID+"/print", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, p.ID, cb.lastAsked())

	// Local: the store's reads, and what names no performance.
	for _, path := range []string{"/api/v1/orders/" + o.ID, "/api/v1/orders?performance=" + p.ID, "/api/v1/search?q=Walk", "/api/v1/halls"} {
		require.Equal(t, http.StatusOK, staffB.do("GET", path, nil).status, path)
		require.Empty(t, cb.lastAsked(), path)
	}
	// An unknown order or token is the handler's to refuse, here.
	refund := map[string]any{"seats": []string{"S-R1-S1"}, "reason": "ill", "method": "cash"}
	sameAnswer(t, staffA.do("POST", "/api/v1/orders/nosuchorder/refunds", refund), staffB.do("POST", "/api/v1/orders/nosuchorder/refunds", refund))
	sameAnswer(t, staffA.do("GET", "/api/v1/holds/nosuchtoken", nil), staffB.do("GET", "/api/v1/holds/nosuchtoken", nil))
	require.Empty(t, cb.lastAsked())
}
