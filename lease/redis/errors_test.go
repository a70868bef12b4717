package redis

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/faultproxy"
	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/lease/redis/redistest"
)

// TestClassify: a cut line, a line that hangs past the deadline and a closed
// client are unavailability; a refused lease and bad input are answers.
func TestClassify(t *testing.T) {
	t.Parallel()
	proxy, err := faultproxy.New(redistest.Options(t).Addr)
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	opt := redistest.Options(t)
	opt.Addr, opt.MaxRetries, opt.DialerRetries = proxy.Addr(), -1, 1
	opt.ReadTimeout = 300 * time.Millisecond // a frozen line times out soon
	c := goredis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	s := New(c, Options{Prefix: redistest.Prefix(t)})
	ctx := context.Background()
	l := func(token string, seats ...uint32) lease.Lease {
		return lease.Lease{Performance: "p", Token: token, Seats: seats, Expires: time.Now().Add(time.Minute)}
	}
	answers := func(err error) {
		t.Helper()
		require.Error(t, err)
		require.NotErrorIs(t, s.Classify(err), lease.ErrUnavailable, "%v", err)
	}
	unavailable := func(err error) {
		t.Helper()
		require.Error(t, err)
		require.ErrorIs(t, s.Classify(err), lease.ErrUnavailable, "%v", err)
	}

	require.NoError(t, s.Acquire(ctx, l("a", 1)))
	answers(s.Acquire(ctx, l("b", 1)))                             // a conflict
	answers(s.Acquire(ctx, l("", 2)))                              // no token
	answers(s.Extend(ctx, "p", "gone", time.Now().Add(time.Hour))) // not found
	require.NoError(t, s.Classify(nil))

	proxy.SetDown(true)
	unavailable(s.Acquire(ctx, l("c", 3)))
	proxy.SetDown(false)
	require.Eventually(t, func() bool { return s.Ping(ctx) == nil }, 10*time.Second, 20*time.Millisecond)

	proxy.Freeze()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	unavailable(s.Acquire(short, l("d", 4)))
	cancel()
	unavailable(s.Acquire(ctx, l("e", 5)))
	proxy.Thaw()

	require.NoError(t, c.Close())
	unavailable(s.Release(ctx, "p", "a"))
}
