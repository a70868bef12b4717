package engine

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newClock is a settable clock for expiry tests; they never sleep.
func newClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC))
}

var (
	theatre = hall.MustCompile(hall.Theatre())
	stadium = hall.MustCompile(hall.Stadium())
)

func newShard(t testing.TB, h *hall.Hall) (*Shard, *testkit.Clock) {
	t.Helper()
	c := newClock()
	return NewShard(Config{Hall: h, Now: c.Now}), c
}

func seats(t testing.TB, h *hall.Hall, ids ...string) []uint32 {
	t.Helper()
	out := make([]uint32, len(ids))
	for i, id := range ids {
		idx, ok := h.Lookup(id)
		require.True(t, ok, id)
		out[i] = idx
	}
	return out
}

func mustVerify(t testing.TB, s *Shard) {
	t.Helper()
	require.NoError(t, s.Verify())
}

// TestHeapPerSeat: a loaded performance of a 2,000-seat hall keeps under the
// design's 16 bytes a seat on the heap (it kept 144 with a fixed 256 KB change
// log). Not parallel: the heap is measured while no other test runs.
func TestHeapPerSeat(t *testing.T) {
	const perfs = 200
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep := make([]*Shard, perfs)
	for i := range keep {
		keep[i] = NewShard(Config{Hall: hall2000})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perSeat := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / perfs / float64(hall2000.N())
	runtime.KeepAlive(keep)
	t.Logf("%.2f B/seat", perSeat)
	require.Less(t, perSeat, 16.0)
}
