package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/faultproxy"
	"github.com/seatmap/seatmap/lease/redis/redistest"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
)

// The tests of issue 10, items 4, 7 and 9: what reaches seatd from outside
// (bad bytes, guessed passwords, outages, clients that give up) must not
// close checkout, lock staff out or drown the log.

// send is one request, safe to call from any goroutine: it returns what came
// back rather than failing the test.
func send(ctx context.Context, c *http.Client, method, url string, body []byte, header ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

func buyerClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// productionEnv is the environment the README gives for Postgres and Redis;
// pgAddr and redisAddr, when set, route a line through a fault proxy.
func productionEnv(t *testing.T, pgAddr, redisAddr string) map[string]string {
	t.Helper()
	redisURL := redistest.URL()
	if redisAddr != "" {
		u, err := url.Parse(redisURL)
		require.NoError(t, err)
		u.Host = redisAddr
		redisURL = u.String()
	}
	return map[string]string{
		"DATABASE_URL":       pgtest.Schema(t, pgAddr),
		"REDIS_URL":          redisURL,
		"SEATD_REDIS_PREFIX": redistest.Prefix(t),
	}
}

// buyOne holds the best seat and confirms it, as a new buyer, with the given
// voucher code (if any) and Idempotency-Key; it returns the statuses of the
// hold and of the order.
func buyOne(ctx context.Context, base, perf, voucher, key string) (hold, order int, err error) {
	c := buyerClient()
	status, body, err := send(ctx, c, "POST", base+"/api/v1/performances/"+perf+"/holds", []byte(`{"best":{"count":1}}`))
	if err != nil || status != http.StatusCreated {
		return status, 0, err
	}
	var h struct{ Token string }
	if err := json.Unmarshal(body, &h); err != nil {
		return status, 0, err
	}
	in := map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}}
	if voucher != "" {
		in["voucher_code"] = voucher
	}
	confirm, _ := json.Marshal(in)
	order, _, err = send(ctx, c, "POST", base+"/api/v1/orders", confirm, "Idempotency-Key", key)
	return status, order, err
}

// TestMalformedRequestsLeaveCheckoutOpen sends 10,000 malformed requests (NUL
// and other control bytes, invalid UTF-8, over-long ids, in paths, query
// strings, headers and JSON bodies) to seatd on Postgres and Redis while real
// buyers hold and confirm seats. Every malformed request gets a 4xx, and no
// order gets a 503: bad input is not an outage. (Issue 10, item 4: twenty
// requests for /api/v1/performances/x%00y opened the store's circuit breaker
// and every confirm got 503.)
func TestMalformedRequestsLeaveCheckoutOpen(t *testing.T) {
	t.Parallel()
	p := startBinary(t, t.TempDir(), productionEnv(t, "", ""), "-payment", "none")
	perf := demoPerformance(t, p.Base)
	base := p.Base + "/api/v1"
	long := strings.Repeat("a", 5000)
	type bad struct {
		method, path string
		body         []byte
		header       []string
	}
	shapes := []bad{
		{"GET", "/performances/x%00y", nil, nil},
		{"GET", "/performances/%ff", nil, nil},
		{"GET", "/performances/" + long, nil, nil},
		{"GET", "/performances/a%01b/seatmap", nil, nil},
		{"GET", "/performances/a%1bb/live", nil, nil},
		{"GET", "/holds/tok%00en", nil, nil},
		{"POST", "/holds/tok%ffen/extend", nil, nil},
		{"DELETE", "/holds/" + long, nil, nil},
		{"GET", "/orders/x%7fy", nil, nil},
		{"GET", "/orders/%c3%28", nil, nil},
		{"GET", "/performances?from=%00", nil, nil},
		{"GET", "/performances?cursor=%ff%fe", nil, nil},
		{"GET", "/performances?cursor=" + long, nil, nil},
		{"GET", "/vouchers/AB%00CD/check?performance=" + perf, nil, nil},
		{"GET", "/vouchers/ABCDEFGH/check?performance=x%00y", nil, nil},
		{"POST", "/orders", []byte(`{"hold_token":"a\u0000b","buyer":{"name":"Ada","email":"ada@example.com"}}`), nil},
		{"POST", "/orders", []byte(`{"hold_token":"x","buyer":{"name":"A\u0000da","email":"ada@example.com"}}`), nil},
		{"POST", "/orders", []byte(`{"hold_token":"x","buyer":{"name":"Ada","email":"ada@example.com"}}`), []string{"Idempotency-Key", "key\xffkey"}},
		{"POST", "/orders", []byte("{\"hold_token\":\"x\xff\",\"buyer\":{\"name\":\"Ada\",\"email\":\"ada@example.com\"}}"), nil},
	}
	const malformed = 10_000
	var (
		next     atomic.Int64
		answered sync.Map // "METHOD path → status" → count, for the failure message
		wrong    atomic.Int64
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var attackers sync.WaitGroup
	for range 4 {
		attackers.Go(func() {
			c := buyerClient()
			for {
				i := next.Add(1) - 1
				if i >= malformed {
					return
				}
				b := shapes[i%int64(len(shapes))]
				status, body, err := send(ctx, c, b.method, base+b.path, b.body, b.header...)
				key := fmt.Sprintf("%s %.60s → %d", b.method, b.path, status)
				n, _ := answered.LoadOrStore(key, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
				if err != nil || status < 400 || status >= 500 {
					if wrong.Add(1) == 1 {
						t.Logf("first wrong answer: %s: %v %.300s", key, err, body)
					}
				}
			}
		})
	}

	// Real buyers, a few dozen a second (under the per-address hold limit),
	// while the malformed requests last. Some of them confirm with bytes the
	// database would refuse, in the Idempotency-Key or in the voucher code:
	// a 4xx for them, not an outage for everyone.
	var (
		orders, ordered, unavailable, odd, oddRefused atomic.Int64
		statuses                                      sync.Map
	)
	var buyers sync.WaitGroup
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	// (At most 600 of the demo's 800 seats.)
	for n := 0; (next.Load() < malformed || n < 100) && n < 600; n++ {
		<-tick.C
		voucher, key, want := "", fmt.Sprintf("order-%d", n), http.StatusCreated
		switch n % 20 {
		case 9:
			key, want = fmt.Sprintf("order-\xff-%d", n), http.StatusBadRequest
		case 19:
			voucher, want = "SUMMER\x0025", http.StatusUnprocessableEntity
		}
		buyers.Go(func() {
			hold, order, err := buyOne(ctx, p.Base, perf, voucher, key)
			if err != nil || hold != http.StatusCreated {
				t.Errorf("buyer %d: hold %d, %v", n, hold, err)
				return
			}
			v, _ := statuses.LoadOrStore(fmt.Sprintf("order (want %d) → %d", want, order), new(atomic.Int64))
			v.(*atomic.Int64).Add(1)
			if order == http.StatusServiceUnavailable {
				unavailable.Add(1)
			}
			if want != http.StatusCreated {
				odd.Add(1)
				if order == want {
					oddRefused.Add(1)
				}
				return
			}
			orders.Add(1)
			if order == http.StatusCreated {
				ordered.Add(1)
			}
		})
	}
	attackers.Wait()
	buyers.Wait()

	var summary []string
	answered.Range(func(k, v any) bool {
		summary = append(summary, fmt.Sprintf("%s ×%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	statuses.Range(func(k, v any) bool {
		summary = append(summary, fmt.Sprintf("%s ×%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	sort.Strings(summary)
	t.Logf("%d malformed requests, %d not answered with a 4xx; %d real orders, %d confirmed; %d orders with bad bytes, %d refused as they should be; %d orders answered 503",
		malformed, wrong.Load(), orders.Load(), ordered.Load(), odd.Load(), oddRefused.Load(), unavailable.Load())
	require.Zero(t, wrong.Load(), "malformed requests answered otherwise than 4xx:\n%s", strings.Join(summary, "\n"))
	require.Zero(t, unavailable.Load(), "orders refused with 503:\n%s", strings.Join(summary, "\n"))
	require.Equal(t, orders.Load(), ordered.Load(), "every real order is confirmed:\n%s", strings.Join(summary, "\n"))
	require.Equal(t, odd.Load(), oddRefused.Load(), "orders with bad bytes get their 4xx:\n%s", strings.Join(summary, "\n"))

	// The answer names what is wrong.
	status, body, err := send(ctx, buyerClient(), "GET", base+"/performances/x%00y", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, status, "%s", body)
	require.Contains(t, string(body), "control character")
	// The static handler: a path that is not UTF-8 is a bad request, not a 500.
	status, body, err = send(ctx, buyerClient(), "GET", p.Base+"/%ff", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, status, "%s", body)
	// A body is JSON only when it says exactly so.
	status, body, err = send(ctx, buyerClient(), "POST", base+"/orders", []byte(`{"hold_token":"x","buyer":{"name":"Ada","email":"ada@example.com"}}`),
		"Content-Type", "application/jsonfoo")
	require.NoError(t, err)
	require.Equal(t, http.StatusUnsupportedMediaType, status, "%s", body)
	status, body, err = send(ctx, buyerClient(), "POST", base+"/performances/"+perf+"/holds", []byte(`{"best":{"count":1}}`),
		"Content-Type", "application/json; charset=utf-8")
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	p.Stop()
}

// TestSignInLimitIsPerAddress plays two addresses through a trusted proxy
// (-trust-proxy, X-Forwarded-For): wrong passwords from A, far beyond the
// sign-in burst, cost the real user at B nothing, and A stays limited.
// (Issue 10, item 7: the limiter was keyed by login alone, so one wrong
// password every 6 s from anywhere kept the real person out.)
func TestSignInLimitIsPerAddress(t *testing.T) {
	t.Parallel()
	p := startBinary(t, t.TempDir(), nil, "-trust-proxy")
	token := p.AdminToken()
	require.NotEmpty(t, token)
	const password = "a long passphrase of olga's"
	admin := &http.Client{Timeout: 30 * time.Second}
	ctx := context.Background()
	user, _ := json.Marshal(map[string]string{"login": "olga", "name": "Olga", "role": "box_office", "password": password})
	status, body, err := send(ctx, admin, "POST", p.Base+"/api/v1/users", user, "Authorization", "Bearer "+token)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status, "%s", body)

	signIn := func(address, password string) int {
		t.Helper()
		creds, _ := json.Marshal(map[string]string{"login": "olga", "password": password})
		status, body, err := send(ctx, buyerClient(), "POST", p.Base+"/api/v1/session", creds, "X-Forwarded-For", address)
		require.NoError(t, err)
		require.Contains(t, []int{http.StatusOK, http.StatusUnauthorized, http.StatusTooManyRequests}, status, "%s", body)
		return status
	}
	const attacker, olga = "203.0.113.7", "198.51.100.23"
	counts := map[int]int{}
	for range 25 {
		counts[signIn(attacker, "wrong password")]++
	}
	t.Logf("25 wrong passwords from %s: %v", attacker, counts)
	require.Positive(t, counts[http.StatusTooManyRequests], "the attacker's address is limited")
	require.Equal(t, http.StatusOK, signIn(olga, password), "olga signs in from her own address")
	require.Equal(t, http.StatusTooManyRequests, signIn(attacker, password), "the attacker's address stays limited, even with the right password")
	p.Stop()
}

var errorLine = regexp.MustCompile(`(?m)^.*level=ERROR.*$`)

// TestRedisOutageLogsTransitionsOnce cuts Redis for 10 s (a fault proxy on
// REDIS_URL's line) under a steady trickle of holds: the holds are refused
// with 503 meanwhile and succeed again after, and the log says so once per
// transition of the lease store's circuit breaker, with counts, instead of an
// ERROR line per refused request. (Issue 10, item 9: 10 s of Redis outage
// wrote 65,000 ERROR lines.)
func TestRedisOutageLogsTransitionsOnce(t *testing.T) {
	t.Parallel()
	proxy, err := faultproxy.New(redistest.Options(t).Addr)
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	p := startBinary(t, t.TempDir(), productionEnv(t, "", proxy.Addr()))
	perf := demoPerformance(t, p.Base)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		lastOK   atomic.Int64 // unix nanos of the last 201
	)
	var trickle sync.WaitGroup
	trickle.Go(func() {
		tick := time.NewTicker(25 * time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
			c := buyerClient()
			status, body, err := send(ctx, c, "POST", p.Base+"/api/v1/performances/"+perf+"/holds", []byte(`{"best":{"count":1}}`))
			if err != nil {
				continue
			}
			mu.Lock()
			statuses[status]++
			mu.Unlock()
			if status == http.StatusCreated {
				lastOK.Store(time.Now().UnixNano())
				var h struct{ Token string }
				if json.Unmarshal(body, &h) == nil {
					_, _, _ = send(ctx, c, "DELETE", p.Base+"/api/v1/holds/"+h.Token, nil)
				}
			}
		}
	})
	require.Eventually(t, func() bool { return lastOK.Load() != 0 }, 10*time.Second, 10*time.Millisecond, "holds before the outage")
	before := len(errorLine.FindAllString(p.Stderr.String(), -1))

	proxy.SetDown(true)
	cut := time.Now()
	time.Sleep(10 * time.Second) // the outage itself: its length is the point
	proxy.SetDown(false)
	back := time.Now()
	require.Eventually(t, func() bool { return lastOK.Load() > back.UnixNano() }, 15*time.Second, 20*time.Millisecond, "holds after the outage")
	cancel()
	trickle.Wait()

	logs := p.Stderr.String()
	errors := errorLine.FindAllString(logs, -1)
	mu.Lock()
	t.Logf("holds during and around a %s Redis outage: %v; ERROR lines: %d before the outage, %d after it (%d bytes of log)",
		back.Sub(cut).Round(time.Millisecond), statuses, before, len(errors), len(logs))
	require.Positive(t, statuses[http.StatusServiceUnavailable], "holds are refused during the outage")
	mu.Unlock()
	for _, line := range regexp.MustCompile(`(?m)^.*circuit breaker.*$`).FindAllString(logs, -1) {
		t.Log(line)
	}
	require.LessOrEqual(t, len(errors), 2, "ERROR lines:\n%s", strings.Join(errors[:min(len(errors), 20)], "\n"))
	require.Regexp(t, `level=ERROR msg="service unavailable; circuit breaker open" service=redis failures=\d+`, logs)
	require.Regexp(t, `msg="service available again; circuit breaker closed" service=redis open_for=\S+ refused=[1-9]\d*`, logs)
	p.Stop()
}

// TestAbandonedRequestIsNotAnError freezes Postgres (a fault proxy on
// DATABASE_URL's line) and lets a buyer give up on a confirm and on reading
// an order: seatd logs no ERROR and counts no 500 for them, and once
// Postgres answers again the buyer's retry goes through. (Issue 10, item 9: a
// client that cancelled its request was a 500 and an ERROR line.)
func TestAbandonedRequestIsNotAnError(t *testing.T) {
	t.Parallel()
	pgCfg, err := pgx.ParseConfig(pgtest.URL())
	require.NoError(t, err)
	proxy, err := faultproxy.New(net.JoinHostPort(pgCfg.Host, fmt.Sprint(pgCfg.Port)))
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	p := startBinary(t, t.TempDir(), productionEnv(t, proxy.Addr(), ""), "-log-level", "debug", "-payment", "none")
	perf := demoPerformance(t, p.Base)
	ctx := context.Background()

	c := buyerClient()
	buy := func(ctx context.Context, key string) (int, []byte, error) {
		status, body, err := send(ctx, c, "POST", p.Base+"/api/v1/performances/"+perf+"/holds", []byte(`{"best":{"count":1}}`))
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, status, "%s", body)
		var h struct{ Token string }
		require.NoError(t, json.Unmarshal(body, &h))
		confirm, _ := json.Marshal(map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}})
		return send(ctx, c, "POST", p.Base+"/api/v1/orders", confirm, "Idempotency-Key", key)
	}
	status, body, err := buy(ctx, "first")
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var first struct{ ID string }
	require.NoError(t, json.Unmarshal(body, &first))

	proxy.Freeze()
	giveUp := func(f func(ctx context.Context) (int, []byte, error)) {
		ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		status, body, err := f(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded, "status %d: %s", status, body)
	}
	giveUp(func(ctx context.Context) (int, []byte, error) {
		return send(ctx, c, "GET", p.Base+"/api/v1/orders/"+first.ID, nil)
	})
	var token string
	giveUp(func(ctx context.Context) (int, []byte, error) {
		status, body, err := send(ctx, c, "POST", p.Base+"/api/v1/performances/"+perf+"/holds", []byte(`{"best":{"count":1}}`))
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, status, "%s", body)
		var h struct{ Token string }
		require.NoError(t, json.Unmarshal(body, &h))
		token = h.Token
		confirm, _ := json.Marshal(map[string]any{"hold_token": token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}})
		return send(ctx, c, "POST", p.Base+"/api/v1/orders", confirm, "Idempotency-Key", "second")
	})
	// seatd learns that both clients left (at debug level, each request that
	// ends in an error is logged with its status).
	require.Eventually(t, func() bool {
		logs := p.Stderr.String()
		return strings.Count(logs, "status=499")+strings.Count(logs, "status=500") >= 2
	}, 10*time.Second, 20*time.Millisecond, "the abandoned requests are logged; stderr:\n%s", p.Stderr)
	proxy.Thaw()

	// The buyer retries with the same key: one order.
	confirm, _ := json.Marshal(map[string]any{"hold_token": token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}})
	require.Eventually(t, func() bool {
		status, _, err := send(ctx, c, "POST", p.Base+"/api/v1/orders", confirm, "Idempotency-Key", "second")
		return err == nil && status == http.StatusCreated
	}, 15*time.Second, 50*time.Millisecond)

	logs := p.Stderr.String()
	require.Empty(t, errorLine.FindAllString(logs, -1), "no ERROR line for clients that left")
	require.Equal(t, 2, strings.Count(logs, "status=499"), "both logged as gone (debug):\n%s", logs)
	// /metrics, where this build serves it on the main port, counts no 500.
	status, body, err = send(ctx, c, "GET", p.Base+"/metrics", nil)
	require.NoError(t, err)
	if status == http.StatusOK && bytes.Contains(body, []byte("seatmap_http_request_duration_seconds")) {
		require.NotContains(t, string(body), `status="500"`)
		require.Contains(t, string(body), `status="499"`)
	}
	p.Stop()
}
