package redis

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/lease/leasetest"
	"github.com/seatmap/seatmap/lease/redis/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newStore returns a store with its own key prefix, removed after the test.
func newStore(t testing.TB) (*Store, *goredis.Client) {
	t.Helper()
	c := redistest.Client(t)
	return New(c, Options{Prefix: redistest.Prefix(t)}), c
}

func TestConformance(t *testing.T) {
	leasetest.Run(t, leasetest.Harness{
		New: func(t *testing.T) leasetest.Subject {
			s, _ := newStore(t)
			return leasetest.Subject{Store: s, Now: time.Now, Wait: time.Sleep}
		},
		Short: 300 * time.Millisecond,
	})
}

// TestRedisExpiresSeatsItself checks the deadline lives in Redis: after it, no
// key of the lease is left.
func TestRedisExpiresSeatsItself(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	ctx := context.Background()
	require.NoError(t, s.Acquire(ctx, lease.Lease{Performance: "p1", Token: "t", Owner: "o", Seats: []uint32{7, 8}, Expires: time.Now().Add(200 * time.Millisecond)}))
	ttl, err := c.PTTL(ctx, s.seatPrefix("p1")+"7").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, time.Duration(0))
	require.Eventually(t, func() bool {
		n, err := c.Exists(ctx, s.seatPrefix("p1")+"7", s.seatPrefix("p1")+"8", s.holdKey("p1", "t")).Result()
		return err == nil && n == 0
	}, 3*time.Second, 20*time.Millisecond)
	got, err := s.List(ctx, "p1")
	require.NoError(t, err)
	require.Empty(t, got)
	n, err := c.SCard(ctx, s.indexKey("p1")).Result()
	require.NoError(t, err)
	require.Zero(t, n, "List prunes expired tokens from the index")
}

func TestRefusesBracesInPerformance(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	err := s.Acquire(context.Background(), lease.Lease{Performance: "a}b", Token: "t", Seats: []uint32{1}, Expires: time.Now().Add(time.Minute)})
	require.ErrorContains(t, err, "braces")
}

func BenchmarkAcquireRelease4(b *testing.B) {
	s, _ := newStore(b)
	ctx := context.Background()
	l := lease.Lease{Performance: "bench", Token: "t", Owner: "o", Seats: []uint32{1, 2, 3, 4}, Expires: time.Now().Add(time.Hour)}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Acquire(ctx, l); err != nil {
			b.Fatal(err)
		}
		if err := s.Release(ctx, "bench", "t"); err != nil {
			b.Fatal(err)
		}
	}
}
