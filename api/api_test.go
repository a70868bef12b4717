package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/api"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/money"
)

func forEachBackend(t *testing.T, f func(t *testing.T, b stack)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

func TestBuySeatsEndToEnd(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		p := e.performance(hall.Theatre(), true)
		require.Equal(t, "on_sale", p.Status)

		alice, bob := e.buyer(), e.buyer()
		r := alice.do("GET", "/api/v1/performances/"+p.ID+"/seatmap", nil)
		require.Equal(t, http.StatusOK, r.status)
		var sm struct {
			Seats []struct{ ID, State string }
		}
		r.decode(t, &sm)
		require.Len(t, sm.Seats, 800)
		require.Equal(t, "free", sm.Seats[0].State)
		r = alice.do("GET", "/api/v1/performances/"+p.ID+"/seatmap?format=compact", nil)
		require.Equal(t, http.StatusOK, r.status)
		var compact struct {
			Count  int
			States string
		}
		r.decode(t, &compact)
		require.Equal(t, 800, compact.Count)
		require.Equal(t, strings.Repeat("0", 800), compact.States)

		// Alice holds two seats.
		r = alice.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R5-S10", "S-R5-S11"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var h hold
		r.decode(t, &h)
		require.Equal(t, []string{"S-R5-S10", "S-R5-S11"}, h.Seats)
		require.WithinDuration(t, e.clock.Now().Add(10*time.Minute), h.ExpiresAt, 5*time.Second)

		// Bob cannot take an overlapping seat; the problem names it.
		r = bob.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R5-S11", "S-R5-S12"}})
		require.Equal(t, http.StatusConflict, r.status)
		pr := r.problem(t)
		require.Equal(t, []string{"S-R5-S11"}, pr.Seats)
		require.Contains(t, pr.Type, "seats-taken")

		// Bob may not touch Alice's hold.
		require.Equal(t, http.StatusForbidden, bob.do("GET", "/api/v1/holds/"+h.Token, nil).status)
		require.Equal(t, http.StatusForbidden, bob.do("POST", "/api/v1/holds/"+h.Token+"/extend", nil).status)
		require.Equal(t, http.StatusForbidden, bob.do("DELETE", "/api/v1/holds/"+h.Token, nil).status)
		r = bob.do("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Bob", "email": "bob@example.com"}})
		require.Equal(t, http.StatusForbidden, r.status)

		// Alice extends and sees her hold.
		e.clock.Add(time.Minute)
		r = alice.do("POST", "/api/v1/holds/"+h.Token+"/extend", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var ext hold
		r.decode(t, &ext)
		require.True(t, ext.ExpiresAt.After(h.ExpiresAt))
		require.Equal(t, http.StatusOK, alice.do("GET", "/api/v1/holds/"+h.Token, nil).status)

		// Best-available for Bob: 4 together.
		r = bob.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"best": map[string]any{"count": 4, "zone": "premium"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var bh hold
		r.decode(t, &bh)
		require.Len(t, bh.Seats, 4)
		require.True(t, strings.HasPrefix(bh.Seats[0], "S-R1-"), "best row first: %v", bh.Seats)

		free, held, sold, _ := e.counts(p.ID)
		require.Equal(t, []int{794, 6, 0}, []int{free, held, sold})

		// Alice confirms; a retry with the same key returns the same order.
		body := map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Alice Liddell", "email": "alice@example.com"}}
		r = alice.do("POST", "/api/v1/orders", body, "Idempotency-Key", "k-1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var o order
		r.decode(t, &o)
		require.Equal(t, "paid", o.Status)
		require.ElementsMatch(t, h.Seats, o.Seats)
		require.Equal(t, int64(2*8900), o.Total)
		require.Equal(t, "EUR", o.Currency)
		require.Regexp(t, `^[2-9A-Z]{5}-[2-9A-Z]{5}$`, o.Number)

		r = alice.do("POST", "/api/v1/orders", body, "Idempotency-Key", "k-1")
		require.Equal(t, http.StatusCreated, r.status)
		require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
		var again order
		r.decode(t, &again)
		require.Equal(t, o.ID, again.ID)

		// The same key for another hold is refused.
		r = alice.do("POST", "/api/v1/orders", map[string]any{"hold_token": bh.Token, "buyer": map[string]string{"name": "A", "email": "a@example.com"}}, "Idempotency-Key", "k-1")
		require.Equal(t, http.StatusUnprocessableEntity, r.status)

		// The hold is gone, the seats are sold.
		require.Equal(t, http.StatusNotFound, alice.do("GET", "/api/v1/holds/"+h.Token, nil).status)
		free, held, sold, _ = e.counts(p.ID)
		require.Equal(t, []int{794, 4, 2}, []int{free, held, sold})
		r = bob.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R5-S10"}})
		require.Equal(t, http.StatusConflict, r.status)

		// Orders are private to their session; staff see all.
		require.Equal(t, http.StatusOK, alice.do("GET", "/api/v1/orders/"+o.ID, nil).status)
		require.Equal(t, http.StatusNotFound, bob.do("GET", "/api/v1/orders/"+o.ID, nil).status)
		require.Equal(t, http.StatusOK, e.staff().do("GET", "/api/v1/orders/"+o.ID, nil).status)
		r = e.staff().do("GET", "/api/v1/orders?performance="+p.ID, nil)
		require.Equal(t, http.StatusOK, r.status)
		var list struct{ Items []order }
		r.decode(t, &list)
		require.Len(t, list.Items, 1)

		// Bob releases; his seats are free again.
		require.Equal(t, http.StatusNoContent, bob.do("DELETE", "/api/v1/holds/"+bh.Token, nil).status)
		free, held, sold, _ = e.counts(p.ID)
		require.Equal(t, []int{798, 0, 2}, []int{free, held, sold})
	})
}

func TestHoldExpires(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b, func(o *envOptions) { o.holdTTL = 2 * time.Second })
		p := e.performance(hall.Theatre(), true)
		alice, bob := e.buyer(), e.buyer()
		r := alice.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R1-S1"}})
		require.Equal(t, http.StatusCreated, r.status)
		var h hold
		r.decode(t, &h)
		// The service lets the hold go on its clock and drops its lease; Redis
		// would also lapse it on its own clock (lease/redis tests that).
		e.clock.Add(3 * time.Second)
		// Expired: the token is dead, the seat can be taken by someone else.
		require.Eventually(t, func() bool {
			return alice.do("GET", "/api/v1/holds/"+h.Token, nil).status == http.StatusNotFound
		}, 5*time.Second, 20*time.Millisecond)
		r = alice.do("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "A", "email": "a@example.com"}})
		require.Equal(t, http.StatusNotFound, r.status)
		require.Contains(t, r.problem(t).Type, "hold-not-found")
		r = bob.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R1-S1"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		p := e.performance(hall.Theatre(), true)
		draft := e.performance(hall.Theatre(), false)
		buyer := e.buyer()
		r := buyer.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R2-S1"}})
		require.Equal(t, http.StatusCreated, r.status)
		var taken hold
		r.decode(t, &taken)

		holds := "/api/v1/performances/" + p.ID + "/holds"
		cases := []struct {
			name   string
			method string
			path   string
			body   any
			status int
			slug   string
			header []string
		}{
			{"malformed json", "POST", holds, `{"seats": [`, 400, "malformed-json", nil},
			{"wrong type", "POST", holds, `{"seats": "S-R1-S1"}`, 422, "invalid-json", nil},
			{"unknown field", "POST", holds, `{"seat": ["S-R1-S1"]}`, 422, "invalid-json", nil},
			{"trailing data", "POST", holds, `{"seats": ["S-R1-S1"]} {}`, 422, "invalid-json", nil},
			{"oversized body", "POST", holds, `{"seats": ["` + strings.Repeat("x", 70_000) + `"]}`, 413, "too-large", nil},
			{"not json", "POST", holds, nil, 415, "unsupported-media-type", nil},
			{"empty request", "POST", holds, `{}`, 422, "invalid-input", nil},
			{"unknown performance", "POST", "/api/v1/performances/nope/holds", map[string]any{"seats": []string{"S-R1-S1"}}, 404, "performance-not-found", nil},
			{"draft performance hidden", "POST", "/api/v1/performances/" + draft.ID + "/holds", map[string]any{"seats": []string{"S-R1-S1"}}, 409, "not-on-sale", nil},
			{"unknown seat", "POST", holds, map[string]any{"seats": []string{"S-R1-S1", "Z-9"}}, 422, "unknown-seats", nil},
			{"taken seat", "POST", holds, map[string]any{"seats": []string{"S-R1-S1", "S-R2-S1"}}, 409, "seats-taken", nil},
			{"seat twice", "POST", holds, map[string]any{"seats": []string{"S-R1-S1", "S-R1-S1"}}, 422, "invalid-input", nil},
			{"too many seats", "POST", holds, map[string]any{"seats": []string{"S-R1-S1", "S-R1-S2", "S-R1-S3", "S-R1-S4", "S-R1-S5", "S-R1-S6", "S-R1-S7", "S-R1-S8", "S-R1-S9", "S-R1-S10", "S-R1-S11"}}, 422, "invalid-input", nil},
			{"best zero", "POST", holds, map[string]any{"best": map[string]any{"count": 0}}, 422, "invalid-input", nil},
			{"best unknown zone", "POST", holds, map[string]any{"best": map[string]any{"count": 2, "zone": "gold"}}, 422, "invalid-input", nil},
			{"best too many", "POST", holds, map[string]any{"best": map[string]any{"count": 11}}, 422, "invalid-input", nil},
			{"unknown hold", "POST", "/api/v1/holds/" + p.ID + ".aaaaaaaaaaaaaaaaaaaaaaaaaa/extend", nil, 404, "hold-not-found", nil},
			{"malformed token", "DELETE", "/api/v1/holds/garbage", nil, 404, "hold-not-found", nil},
			{"order for unknown hold", "POST", "/api/v1/orders", map[string]any{"hold_token": "x.y", "buyer": map[string]string{"name": "A", "email": "a@example.com"}}, 404, "hold-not-found", nil},
			{"order with bad email", "POST", "/api/v1/orders", map[string]any{"hold_token": taken.Token, "buyer": map[string]string{"name": "A", "email": "not-an-address"}}, 422, "invalid-input", nil},
			{"order without name", "POST", "/api/v1/orders", map[string]any{"hold_token": taken.Token, "buyer": map[string]string{"name": " ", "email": "a@example.com"}}, 422, "invalid-input", nil},
			{"order with huge key", "POST", "/api/v1/orders", map[string]any{"hold_token": taken.Token, "buyer": map[string]string{"name": "A", "email": "a@example.com"}}, 422, "invalid-input", []string{"Idempotency-Key", strings.Repeat("k", 201)}},
			{"cross-site post", "POST", holds, map[string]any{"seats": []string{"S-R1-S1"}}, 403, "cross-site", []string{"Origin", "https://evil.example"}},
			{"unknown route", "GET", "/api/v1/nothing-here", nil, 404, "", nil},
			{"bad list limit", "GET", "/api/v1/performances?limit=0", nil, 422, "invalid-input", nil},
			{"bad list date", "GET", "/api/v1/performances?from=yesterday", nil, 422, "invalid-input", nil},
			{"bad cursor", "GET", "/api/v1/performances?cursor=bm9wZQ", nil, 422, "invalid-input", nil},
			{"bad seatmap format", "GET", "/api/v1/performances/" + p.ID + "/seatmap?format=xml", nil, 422, "invalid-input", nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var r response
				if tc.name == "not json" {
					r = buyer.do(tc.method, tc.path, nil, "Content-Type", "text/plain")
					req, _ := http.NewRequest("POST", e.url+tc.path, strings.NewReader("seats=S-R1-S1"))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					resp, err := buyer.http.Do(req)
					require.NoError(t, err)
					resp.Body.Close()
					require.Equal(t, tc.status, resp.StatusCode)
					return
				}
				r = buyer.do(tc.method, tc.path, tc.body, tc.header...)
				require.Equal(t, tc.status, r.status, "%s", r.body)
				pr := r.problem(t)
				require.NotEmpty(t, pr.Detail)
				if tc.slug != "" {
					require.Equal(t, "https://seatmap.dev/problems/"+tc.slug, pr.Type, "%s", r.body)
				}
			})
		}
		// Nothing changed: one seat held, the rest free, nothing sold.
		free, held, sold, blocked := e.counts(p.ID)
		require.Equal(t, []int{799, 1, 0, 0}, []int{free, held, sold, blocked})
		require.Equal(t, http.StatusOK, buyer.do("GET", "/api/v1/holds/"+taken.Token, nil).status)
	})
}

func TestStaffRoutesNeedToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	p := e.performance(hall.Theatre(), false)
	anon := e.buyer()
	wrong := e.buyer()
	wrong.token = "smk_definitely_not_the_token"
	for _, rt := range []struct{ method, path string }{
		{"POST", "/api/v1/halls"},
		{"GET", "/api/v1/halls/" + p.HallID},
		{"POST", "/api/v1/performances"},
		{"POST", "/api/v1/performances/" + p.ID + "/sales/start"},
		{"POST", "/api/v1/performances/" + p.ID + "/sales/stop"},
		{"GET", "/api/v1/orders"},
	} {
		var body any
		if rt.method == "POST" {
			body = map[string]any{}
		}
		r := anon.do(rt.method, rt.path, body)
		require.Equal(t, http.StatusUnauthorized, r.status, "%s %s", rt.method, rt.path)
		require.Equal(t, `Bearer realm="seatmap"`, r.header.Get("WWW-Authenticate"))
		require.Equal(t, http.StatusUnauthorized, wrong.do(rt.method, rt.path, body).status, "%s %s", rt.method, rt.path)
	}
	// Drafts are invisible to buyers, visible to staff.
	require.Equal(t, http.StatusNotFound, anon.do("GET", "/api/v1/performances/"+p.ID, nil).status)
	require.Equal(t, http.StatusOK, e.staff().do("GET", "/api/v1/performances/"+p.ID, nil).status)

	// Start and stop sales: a stopped performance refuses holds, keeps existing ones.
	staff := e.staff()
	require.Equal(t, http.StatusOK, staff.do("POST", "/api/v1/performances/"+p.ID+"/sales/start", nil).status)
	r := anon.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R1-S1"}})
	require.Equal(t, http.StatusCreated, r.status)
	var h hold
	r.decode(t, &h)
	require.Equal(t, http.StatusOK, staff.do("POST", "/api/v1/performances/"+p.ID+"/sales/stop", nil).status)
	r = anon.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R1-S2"}})
	require.Equal(t, http.StatusConflict, r.status)
	require.Contains(t, r.problem(t).Detail, "not on sale")
	r = anon.do("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Late", "email": "late@example.com"}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)

	// Layout validation errors name the bad element.
	bad := hall.Theatre()
	bad.Sections[0].Rows[2].Seats[3].ID = bad.Sections[0].Rows[2].Seats[4].ID
	r = staff.do("POST", "/api/v1/halls", bad)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	pr := r.problem(t)
	require.NotEmpty(t, pr.Errors)
	require.Equal(t, "sections[0].rows[2].seats[4].id", pr.Errors[0].Path)
}

func TestRepertoire(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	staff := e.staff()
	r := staff.do("POST", "/api/v1/halls", hall.Theatre())
	require.Equal(t, http.StatusCreated, r.status)
	var h struct{ ID string }
	r.decode(t, &h)
	base := time.Date(2030, 5, 1, 19, 30, 0, 0, time.UTC)
	for i := 0; i < 7; i++ {
		r := staff.do("POST", "/api/v1/performances", map[string]any{"hall_id": h.ID, "name": fmt.Sprint("Night ", i), "starts_at": base.AddDate(0, 0, i).Format(time.RFC3339), "on_sale": i != 3})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	}
	// Buyers page through the on-sale ones in a date range (day 3 is a draft).
	buyer := e.buyer()
	var seen []string
	path := "/api/v1/performances?from=2030-05-02&to=2030-05-07&limit=2"
	for path != "" {
		r := buyer.do("GET", path, nil)
		require.Equal(t, http.StatusOK, r.status)
		var page struct {
			Items []struct{ Name string }
			Next  *string
		}
		r.decode(t, &page)
		for _, it := range page.Items {
			seen = append(seen, it.Name)
		}
		path = ""
		if page.Next != nil {
			path = "/api/v1/performances?from=2030-05-02&to=2030-05-07&limit=2&cursor=" + *page.Next
		}
	}
	require.Equal(t, []string{"Night 1", "Night 2", "Night 4", "Night 5"}, seen)
}

// TestOneWinnerOfAThousand fires 1,000 concurrent holds at the same 4 seats from
// 1,000 sessions: exactly one wins, every other gets a 409 naming the seats.
func TestOneWinnerOfAThousand(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		p := e.performance(hall.Arena(), true)
		seats := []string{"001-R1-S10", "001-R1-S11", "001-R1-S12", "001-R1-S13"}
		buyers := make([]*client, 1000)
		for i := range buyers {
			buyers[i] = e.buyer()
		}
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, c := range buyers {
			wg.Go(func() {
				<-start
				r := c.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": seats})
				switch r.status {
				case http.StatusCreated:
					wins.Add(1)
				case http.StatusConflict:
					conflicts.Add(1)
				default:
					t.Errorf("unexpected %d: %s", r.status, r.body)
				}
			})
		}
		close(start)
		wg.Wait()
		require.Equal(t, int32(1), wins.Load())
		require.Equal(t, int32(999), conflicts.Load())
		_, held, _, _ := e.counts(p.ID)
		require.Equal(t, 4, held)
	})
}

// TestHoldStorm has 50 buyers each take up to 40 random holds; no seat may ever
// be in two successful holds.
func TestHoldStorm(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		p := e.performance(hall.Theatre(), true)
		var mu sync.Mutex
		owner := map[string]string{}
		var wg sync.WaitGroup
		var held atomic.Int32
		for g := 0; g < 50; g++ {
			c := e.buyer()
			wg.Go(func() {
				for k := 0; k < 40; k++ {
					n := 1 + (g+k)%4
					row := 1 + (g*7+k*3)%20
					first := 1 + (g*13+k*5)%27
					var seats []string
					for i := 0; i < n; i++ {
						seats = append(seats, fmt.Sprintf("S-R%d-S%d", row, first+i))
					}
					r := c.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": seats})
					if r.status != http.StatusCreated {
						require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
						continue
					}
					var h hold
					r.decode(t, &h)
					mu.Lock()
					for _, s := range h.Seats {
						if prev, dup := owner[s]; dup {
							t.Errorf("seat %s in holds %s and %s", s, prev, h.Token)
						}
						owner[s] = h.Token
					}
					mu.Unlock()
					held.Add(int32(len(h.Seats)))
				}
			})
		}
		wg.Wait()
		_, heldNow, _, _ := e.counts(p.ID)
		require.Equal(t, int(held.Load()), heldNow)
		require.Equal(t, len(owner), heldNow)
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded, func(o *envOptions) {
		o.rate = api.RateLimit{SessionPerSecond: 0.1, SessionBurst: 3, AddressPerSecond: -1}
	})
	p := e.performance(hall.Theatre(), true)
	c := e.buyer()
	for i := 1; i <= 3; i++ {
		r := c.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{fmt.Sprintf("S-R3-S%d", i)}})
		require.Equal(t, http.StatusCreated, r.status)
	}
	r := c.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R3-S9"}})
	require.Equal(t, http.StatusTooManyRequests, r.status)
	require.NotEmpty(t, r.header.Get("Retry-After"))
	r.problem(t)
	// Another session is not affected.
	r = e.buyer().do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R3-S9"}})
	require.Equal(t, http.StatusCreated, r.status)
}

func TestHealthAndSpec(t *testing.T) {
	t.Parallel()
	e := newEnv(t, production)
	c := e.buyer()
	require.Equal(t, http.StatusOK, c.do("GET", "/healthz", nil).status)
	require.Equal(t, http.StatusOK, c.do("GET", "/readyz", nil).status)
	r := c.do("GET", "/api/v1/openapi.yaml", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, string(r.body), "openapi: 3.0.3")
	// Metrics are for admins on the public port.
	require.Equal(t, http.StatusUnauthorized, c.do("GET", "/metrics", nil).status)
	r = e.staff().do("GET", "/metrics", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, string(r.body), "seatmap_http_request_duration_seconds")
}

// TestCurrencies: the decimals the browser app counts amounts by are the
// server's own, for every currency the server knows.
func TestCurrencies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	r := e.buyer().do("GET", "/api/v1/currencies", nil)
	require.Equal(t, http.StatusOK, r.status)
	var list struct {
		Items []struct {
			Code     string
			Decimals int
		}
	}
	r.decode(t, &list)
	require.Len(t, list.Items, len(money.Currencies()))
	got := map[string]int{}
	for _, c := range list.Items {
		got[c.Code] = c.Decimals
		require.Equal(t, money.Digits(c.Code), c.Decimals, c.Code)
	}
	require.Equal(t, 2, got["EUR"])
	require.Equal(t, 0, got["JPY"])
	require.Equal(t, 3, got["BHD"])
}

// TestLiveUnknownPerformance: a socket to a performance that does not exist is
// closed with 4004, which browsers can read (an HTTP 404 on the handshake they
// cannot).
func TestLiveUnknownPerformance(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/api/v1/performances/nope/live", nil)
	require.NoError(t, err)
	defer conn.CloseNow()
	_, _, err = conn.Read(ctx)
	require.Equal(t, websocket.StatusCode(4004), websocket.CloseStatus(err))
}
