package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/faultproxy"
	"github.com/seatmap/seatmap/lease/redis/redistest"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
)

// The tests in this file put a fault proxy between the seatd binary and
// Redis, with the environment of the README's production example (issue 10,
// item 8): Redis that hangs (as under SIGSTOP) and Redis that loses its data.

// stallSetup is a seatd on Postgres and Redis, talking to Redis through a
// proxy the test can freeze, and a client of the same Redis for looking at
// the leases.
type stallSetup struct {
	proc   *seatdProc
	proxy  *faultproxy.Proxy
	redis  *goredis.Client
	prefix string
	perf   string
}

func startBehindProxy(t *testing.T) *stallSetup {
	t.Helper()
	opt := redistest.Options(t)
	proxy, err := faultproxy.New(opt.Addr)
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	rc := goredis.NewClient(opt)
	t.Cleanup(func() { rc.Close() })
	prefix := redistest.Prefix(t)
	proc := startBinary(t, t.TempDir(), map[string]string{
		"DATABASE_URL":       pgtest.Schema(t, ""),
		"REDIS_URL":          fmt.Sprintf("redis://%s/%d", proxy.Addr(), opt.DB),
		"SEATD_REDIS_PREFIX": prefix,
	}, "-payment", "none")
	return &stallSetup{proc: proc, proxy: proxy, redis: rc, prefix: prefix, perf: demoPerformance(t, proc.Base)}
}

// leaseKeys returns the Redis keys of the performance's hold records
// ("<prefix>{<performance>}:h:<token>") and what they hold.
func (s *stallSetup) leaseRecords(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	iter := s.redis.Scan(ctx, 0, s.prefix+"{"+s.perf+"}:h:*", 1000).Iterator()
	for iter.Next(ctx) {
		v, err := s.redis.Get(ctx, iter.Val()).Result()
		if err == goredis.Nil {
			continue // lapsed meanwhile
		}
		require.NoError(t, err)
		out[iter.Val()] = v
	}
	require.NoError(t, iter.Err())
	return out
}

// recordKey is the Redis key of a hold's lease record.
func (s *stallSetup) recordKey(token string) string {
	return s.prefix + "{" + s.perf + "}:h:" + token
}

// seatIDsByIndex maps the dense seat index of the performance's hall to the
// public seat id.
func seatIDsByIndex(t *testing.T, base, perf string) map[int]string {
	t.Helper()
	var m struct {
		Seats []struct {
			ID    string
			Index int
		}
	}
	getJSON(t, base+"/api/v1/performances/"+perf+"/seatmap", &m)
	out := make(map[int]string, len(m.Seats))
	for _, s := range m.Seats {
		out[s.Index] = s.ID
	}
	return out
}

// TestRedisStallLeavesNoUnbookableSeats freezes Redis for 10 s while buyers
// ask for the best seats: seatd gives up on their lease writes (503) and
// undoes the holds, but the writes were sent, and land when Redis thaws —
// leases without a hold, on seats the map shows free. Those seats must be
// bookable at once: best-available and explicit holds on them answer 201,
// never 409. (Issue 10, item 8: best-available answered 409 in a loop for the
// 10 minutes until the stray leases expired.)
func TestRedisStallLeavesNoUnbookableSeats(t *testing.T) {
	t.Parallel()
	s := startBehindProxy(t)
	base, perf := s.proc.Base, s.perf

	s.proxy.Freeze()
	frozenFor := 10 * time.Second
	thawAt := time.Now().Add(frozenFor)
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		wg       sync.WaitGroup
	)
	for range 6 {
		wg.Go(func() {
			buyer := newAPIClient(t, base)
			for time.Now().Before(thawAt.Add(-time.Second)) {
				st := buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"best": map[string]any{"count": 2}}, nil)
				mu.Lock()
				statuses[st]++
				mu.Unlock()
				time.Sleep(300 * time.Millisecond) // a buyer's pace; the session limit is 2/s
			}
		})
	}
	wg.Wait()
	time.Sleep(time.Until(thawAt)) // the stall's length is the scenario, not a wait for an effect
	s.proxy.Thaw()
	t.Logf("answers while Redis hung: %v", statuses)
	require.Zero(t, statuses[http.StatusCreated], "no hold succeeds while Redis hangs")
	require.Positive(t, statuses[http.StatusServiceUnavailable])

	// The writes seatd gave up on land now: leases of holds that do not exist.
	var stray map[string]string
	require.Eventually(t, func() bool {
		stray = s.leaseRecords(t)
		return len(stray) > 0
	}, 10*time.Second, 50*time.Millisecond, "the lease writes sent while Redis hung land when it thaws")
	require.Zero(t, perfCounts(t, base, perf).Held, "the map shows every seat free")
	ids := seatIDsByIndex(t, base, perf)
	var straySeats [][]string
	for key, rec := range stray {
		parts := strings.Split(rec, "|")
		require.Len(t, parts, 3, "record %s = %q", key, rec)
		var seats []string
		for f := range strings.SplitSeq(parts[1], ",") {
			i, err := strconv.Atoi(f)
			require.NoError(t, err)
			seats = append(seats, ids[i])
		}
		straySeats = append(straySeats, seats)
	}
	t.Logf("%d stray lease(s) landed after the stall, on seats %v", len(stray), straySeats)

	// Wait for the breaker to close: a hold far from the best seats.
	probe := newAPIClient(t, base)
	var h holdJSON
	require.Eventually(t, func() bool {
		return probe.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"B-R8-S1"}}, &h) == http.StatusCreated
	}, 15*time.Second, 100*time.Millisecond, "holds work again once Redis answers")
	require.Equal(t, http.StatusNoContent, probe.call("DELETE", "/api/v1/holds/"+h.Token, nil, nil))

	// Best-available picks the seats the stray leases sit on: every ask is
	// answered with seats, and each is released for the next ask.
	conflicts := 0
	start := time.Now()
	const asks = 20
	for i := range asks {
		buyer := newAPIClient(t, base) // a session each: the per-session limit is not the subject
		var got holdJSON
		st := buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"best": map[string]any{"count": 2}}, &got)
		if st == http.StatusConflict {
			conflicts++
			continue
		}
		require.Equal(t, http.StatusCreated, st, "ask %d", i)
		require.Equal(t, http.StatusNoContent, buyer.call("DELETE", "/api/v1/holds/"+got.Token, nil, nil))
	}
	t.Logf("best-available after the stall: %d of %d asks answered 409 in %s", conflicts, asks, time.Since(start).Round(time.Millisecond))
	require.Zero(t, conflicts, "seats the map shows free are bookable")

	// Every seat a stray lease sat on can be held by name.
	buyer := newAPIClient(t, base)
	for _, seats := range straySeats {
		var got holdJSON
		require.Equal(t, http.StatusCreated, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": seats}, &got), "seats %v", seats)
		require.ElementsMatch(t, seats, got.Seats)
		require.Equal(t, http.StatusNoContent, buyer.call("DELETE", "/api/v1/holds/"+got.Token, nil, nil))
	}
	require.Empty(t, s.leaseRecords(t), "no stray lease is left")
}

// TestExtendRewritesLostLease lets Redis lose its data under a live hold:
// extending the hold answers 200 and writes the lease again. (Issue 10, item 8:
// the extend answered 404 and destroyed the hold.)
func TestExtendRewritesLostLease(t *testing.T) {
	t.Parallel()
	s := startBehindProxy(t)
	base, perf := s.proc.Base, s.perf
	buyer := newAPIClient(t, base)
	var h holdJSON
	require.Equal(t, http.StatusCreated, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R5-S10", "S-R5-S11"}}, &h))
	require.Contains(t, s.leaseRecords(t), s.recordKey(h.Token))

	// Redis loses everything of this seatd (a restart without persistence,
	// a failover to an empty replica).
	ctx := context.Background()
	iter := s.redis.Scan(ctx, 0, s.prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	require.NoError(t, iter.Err())
	require.NotEmpty(t, keys)
	require.NoError(t, s.redis.Del(ctx, keys...).Err())

	var ext holdJSON
	require.Equal(t, http.StatusOK, buyer.call("POST", "/api/v1/holds/"+h.Token+"/extend", nil, &ext))
	require.Equal(t, h.Seats, ext.Seats)
	require.Greater(t, ext.ExpiresAt, h.ExpiresAt)
	require.Equal(t, http.StatusOK, buyer.call("GET", "/api/v1/holds/"+h.Token, nil, nil))
	require.Equal(t, 2, perfCounts(t, base, perf).Held)

	// The lease is back, with the new deadline, and keeps the seats from
	// another node's or a rebuild's view.
	rec, ok := s.leaseRecords(t)[s.recordKey(h.Token)]
	require.True(t, ok, "the extend wrote the lease again")
	deadline, _, _ := strings.Cut(rec, "|")
	ms, err := strconv.ParseInt(deadline, 10, 64)
	require.NoError(t, err)
	want, err := time.Parse(time.RFC3339Nano, ext.ExpiresAt)
	require.NoError(t, err)
	require.WithinDuration(t, want, time.UnixMilli(ms), time.Millisecond)
	ttl, err := s.redis.PTTL(ctx, s.recordKey(h.Token)).Result()
	require.NoError(t, err)
	require.Positive(t, ttl)

	// A seat of the hold is not for anyone else.
	other := newAPIClient(t, base)
	require.Equal(t, http.StatusConflict, other.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R5-S10"}}, nil))
}

// TestConfirmDoesNotWaitForHungRedis confirms a hold, and reserves another,
// while Redis hangs: the order is committed in Postgres, so the answer comes
// at once; the leases are released when Redis answers again. (Issue 10, item
// 8: the confirm waited 2.2 s for the lease release to time out.)
func TestConfirmDoesNotWaitForHungRedis(t *testing.T) {
	t.Parallel()
	s := startBehindProxy(t)
	base, perf := s.proc.Base, s.perf
	token := s.proc.AdminToken()
	require.NotEmpty(t, token)
	buyer := newAPIClient(t, base)
	staff := newAPIClient(t, base)
	auth := []string{"Authorization", "Bearer " + token}
	var bought, reserved holdJSON
	require.Equal(t, http.StatusCreated, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R2-S1", "S-R2-S2"}}, &bought))
	require.Equal(t, http.StatusCreated, staff.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R2-S5"}}, &reserved, auth...))
	require.Len(t, s.leaseRecords(t), 2)

	s.proxy.Freeze()
	start := time.Now()
	st := buyer.call("POST", "/api/v1/orders", map[string]any{"hold_token": bought.Token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}}, nil, "Idempotency-Key", "stall-1")
	confirmTook := time.Since(start)
	require.Equal(t, http.StatusCreated, st)
	start = time.Now()
	st = staff.call("POST", "/api/v1/holds/"+reserved.Token+"/reserve", map[string]any{"days": 2, "buyer": map[string]string{"name": "Bo", "email": "bo@example.com"}}, nil, auth...)
	reserveTook := time.Since(start)
	require.Equal(t, http.StatusCreated, st)
	t.Logf("with Redis hung: confirm answered in %s, reserve in %s", confirmTook.Round(time.Millisecond), reserveTook.Round(time.Millisecond))
	// The lease store's per-call timeout is 2 s: an answer within it did not
	// wait for the lease release to give up.
	require.Less(t, confirmTook, 2*time.Second, "the confirm waited for Redis")
	require.Less(t, reserveTook, 2*time.Second, "the reserve waited for Redis")
	c := perfCounts(t, base, perf)
	require.Equal(t, 2, c.Sold)
	require.Equal(t, 1, c.Held, "the reservation keeps its seat")

	s.proxy.Thaw()
	require.Eventually(t, func() bool { return len(s.leaseRecords(t)) == 0 }, 15*time.Second, 50*time.Millisecond,
		"the leases of the order and the reservation are released once Redis answers")
}
