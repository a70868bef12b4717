package baseline_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/faultproxy"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease/redis/redistest"
	"github.com/seatmap/seatmap/loadtest"
	"github.com/seatmap/seatmap/loadtest/baseline"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
)

const adminToken = "baseline-test-admin-token-0123456789"

// rig is the Redis baseline served on a schema and key prefix of its own.
type rig struct {
	api   *loadtest.API
	venue *loadtest.Venue
	db    *pgx.Conn         // the schema, straight to Postgres, for the test's own SQL
	proxy *faultproxy.Proxy // between the baseline and Postgres
	app   string            // the baseline's application_name in pg_stat_activity
	// confirms receives once per confirm the server has finished answering,
	// whether or not its client still waits.
	confirms chan struct{}
}

// redisBaseline serves the Redis baseline with holds of ttl; it reaches
// Postgres through a fault proxy.
func redisBaseline(t *testing.T, ttl time.Duration) *rig {
	t.Helper()
	ctx := context.Background()
	direct, err := url.Parse(pgtest.URL())
	require.NoError(t, err)
	proxy, err := faultproxy.New(direct.Host)
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	dsn, err := url.Parse(pgtest.Schema(t, proxy.Addr()))
	require.NoError(t, err)
	g := &rig{proxy: proxy, app: "baseline-" + strconv.FormatInt(time.Now().UnixNano(), 36), confirms: make(chan struct{}, 16)}
	q := dsn.Query()
	q.Set("application_name", g.app)
	dsn.RawQuery = q.Encode()

	c := goredis.NewClient(redistest.Options(t))
	t.Cleanup(func() { _ = c.Close() })
	r, err := baseline.NewRedis(ctx, c, dsn.String(), redistest.Prefix(t), 4)
	require.NoError(t, err)
	t.Cleanup(r.Close)
	h := baseline.NewServer(r, adminToken, ttl)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.ServeHTTP(w, req)
		if req.Method == "POST" && req.URL.Path == "/api/v1/orders" {
			g.confirms <- struct{}{}
		}
	}))
	t.Cleanup(srv.Close)
	g.api = loadtest.NewAPI(srv.URL, adminToken, 8)
	t.Cleanup(g.api.Close)
	g.venue, err = loadtest.Setup(ctx, g.api, loadtest.Presets["theatre"])
	require.NoError(t, err)

	dsn.Host = direct.Host
	g.db, err = pgx.Connect(ctx, dsn.String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = g.db.Close(context.Background()) })
	return g
}

// slowCommits makes every order's commit take d inside Postgres, as a commit
// that waits its turn to be flushed does under load: a constraint trigger
// deferred to the commit sleeps.
func (g *rig) slowCommits(t *testing.T, d time.Duration) {
	t.Helper()
	_, err := g.db.Exec(context.Background(), `
CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(`+strconv.FormatFloat(d.Seconds(), 'f', 3, 64)+`); RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON blr_orders DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION slow_commit();`)
	require.NoError(t, err)
}

// orders counts the orders Postgres has committed.
func (g *rig) orders(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, g.db.QueryRow(context.Background(), `SELECT count(*) FROM blr_orders`).Scan(&n))
	return n
}

// committing says whether the baseline has a COMMIT running in Postgres.
func (g *rig) committing(t *testing.T) bool {
	t.Helper()
	var n int
	require.NoError(t, g.db.QueryRow(context.Background(),
		`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query ILIKE 'commit%'`, g.app).Scan(&n))
	return n > 0
}

// auditClean waits until bench-compare's end-of-run audit passes, and fails
// with its findings when it does not within a few seconds.
func (g *rig) auditClean(t *testing.T, confirmed map[string][]string) {
	t.Helper()
	var a loadtest.Audit
	testkit.Within(3*time.Second, func() bool {
		in, err := g.api.Gather(context.Background(), g.venue.Performance)
		require.NoError(t, err)
		in.Confirmed, in.Grace = confirmed, 2*time.Second
		a = loadtest.Check(in)
		return a.OK
	})
	require.True(t, a.OK, "audit: %v", a.Violations)
	require.Positive(t, a.SoldSeats)
}

// TestRedisBaselineConfirmOutlivesItsRequest is how bench-compare's audit
// found paid seats still held. The load tester cuts a target off 30 s after
// the surge; a confirm whose COMMIT had reached Postgres when its request went
// lost the answer (pgx gives up on a cancelled context at once, and its cancel
// request cannot stop a commit), the order was committed, and the script that
// marks the seats sold never ran: they stayed held for the hold's ten minutes.
// Here the commit takes a second, the line to Postgres freezes while it runs
// (so the answer, and pgx's cancel request, arrive late), and the buyer gives
// up meanwhile.
func TestRedisBaselineConfirmOutlivesItsRequest(t *testing.T) {
	t.Parallel()
	g := redisBaseline(t, time.Minute)
	ctx := context.Background()
	seats := []string{g.venue.Map.IDs[0], g.venue.Map.IDs[1]}
	h, err := g.api.HoldSeats(ctx, "buyer-a", g.venue.Performance, seats)
	require.NoError(t, err)
	g.slowCommits(t, time.Second)

	buyer, giveUp := context.WithCancel(ctx)
	defer giveUp()
	answered := make(chan error, 1)
	go func() {
		_, err := g.api.Confirm(buyer, "buyer-a", h.Token, "k1")
		answered <- err
	}()
	testkit.Eventually(t, 5*time.Second, "the COMMIT", func() bool { return g.committing(t) })
	g.proxy.Freeze()
	giveUp()
	require.Error(t, <-answered, "the buyer gave up before the commit ended")

	// The commit is Postgres's: it ends whatever became of the request. The
	// baseline's own confirm has given up by then, or waits for the answer.
	testkit.Eventually(t, 5*time.Second, "the commit", func() bool { return g.orders(t) == 1 })
	select {
	case <-g.confirms:
		t.Log("the server's confirm ended before the commit's answer came")
	case <-time.After(100 * time.Millisecond):
		t.Log("the server's confirm waits for the commit's answer")
	}
	g.proxy.Thaw()
	g.auditClean(t, nil)
}

// TestRedisBaselineConfirmPinsItsHold: a hold that ends while its confirm
// commits must not go to another buyer. Before, its seat keys expired under
// the commit, a second buyer held them (201), the first order committed and
// its script found the hold gone and left the seats alone: paid seats held by
// someone else.
func TestRedisBaselineConfirmPinsItsHold(t *testing.T) {
	t.Parallel()
	const ttl = time.Second
	g := redisBaseline(t, ttl)
	ctx := context.Background()
	seats := []string{g.venue.Map.IDs[0], g.venue.Map.IDs[1]}
	h, err := g.api.HoldSeats(ctx, "buyer-a", g.venue.Performance, seats)
	require.NoError(t, err)
	g.slowCommits(t, 3*ttl)

	type result struct {
		o   loadtest.Order
		err error
	}
	done := make(chan result, 1)
	go func() {
		o, err := g.api.Confirm(ctx, "buyer-a", h.Token, "k1")
		done <- result{o, err}
	}()
	// Another buyer tries the same seats until the first confirm answers:
	// across the hold's end, which falls inside the commit.
	var first result
	tries := 0
	for waiting := true; waiting; {
		select {
		case first = <-done:
			waiting = false
		case <-time.After(20 * time.Millisecond):
			_, err := g.api.HoldSeats(ctx, "buyer-b", g.venue.Performance, seats)
			var p *loadtest.Problem
			require.True(t, errors.As(err, &p) && p.Status == 409, "a second buyer held seats being paid for: %v", err)
			tries++
		}
	}
	require.NoError(t, first.err)
	require.ElementsMatch(t, seats, first.o.Seats)
	require.True(t, time.Now().After(h.ExpiresAt), "the commit outlasted the hold")
	t.Logf("the second buyer was refused %d times", tries)
	require.Equal(t, 1, g.orders(t))
	g.auditClean(t, map[string][]string{first.o.ID: first.o.Seats})
}
