package memory

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/lease/leasetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 3, 1, 19, 30, 0, 0, time.UTC))
}

func TestConformance(t *testing.T) {
	leasetest.Run(t, leasetest.Harness{
		New: func(*testing.T) leasetest.Subject {
			c := newClock()
			return leasetest.Subject{Store: New(Options{Now: c.Now}), Now: c.Now, Advance: c.Add}
		},
		Short: 2 * time.Minute,
	})
}

func TestMaxSeatsMatchesSuite(t *testing.T) {
	require.Equal(t, leasetest.MaxSeats, MaxSeats)
}

// TestSweep checks that leases which lapse on seats nobody asks for again do
// not pile up.
func TestSweep(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClock()
	s := New(Options{Now: c.Now})
	for i := range 10_000 {
		l := lease.Lease{Performance: "p", Token: fmt.Sprint("t", i), Seats: []uint32{uint32(i)}, Expires: c.Now().Add(time.Minute)}
		require.NoError(t, s.Acquire(ctx, l))
		c.Add(time.Second)
	}
	p := s.perf("p", false)
	p.mu.Lock()
	defer p.mu.Unlock()
	require.Less(t, len(p.leases), 200, "about a minute of live leases, at most twice over")
	require.Len(t, p.seats, len(p.leases))
}

// TestListCopiesSeats checks a caller cannot write into the store.
func TestListCopiesSeats(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := New(Options{})
	seats := []uint32{1, 2}
	require.NoError(t, s.Acquire(ctx, lease.Lease{Performance: "p", Token: "a", Seats: seats, Expires: time.Now().Add(time.Hour)}))
	seats[0] = 9
	got, err := s.List(ctx, "p")
	require.NoError(t, err)
	got[0].Seats[1] = 9
	got, err = s.List(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, []uint32{1, 2}, got[0].Seats)
}
