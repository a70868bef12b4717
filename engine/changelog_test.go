package engine

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

func TestSinceAndGap(t *testing.T) {
	t.Parallel()
	c := newClock()
	s := NewShard(Config{Hall: theatre, Now: c.Now, LogSize: 8})
	v0 := s.Version()
	_, err := s.Hold(HoldRequest{Token: "a", Owner: "o", Seats: []uint32{1, 2}, Expires: c.Now().Add(time.Minute)}, nil)
	require.NoError(t, err)
	ch, v1, err := s.Since(v0, nil)
	require.NoError(t, err)
	require.Equal(t, []Change{{Seat: 1, State: Held}, {Seat: 2, State: Held}}, ch)
	require.Equal(t, v0+1, v1)
	require.NoError(t, s.Release("a", "o"))
	ch, v2, err := s.Since(v1, nil)
	require.NoError(t, err)
	require.Equal(t, []Change{{Seat: 1, State: Free}, {Seat: 2, State: Free}}, ch)
	// Ten more changes overflow the 8-entry log: v1 is too old now.
	_, _, err = s.Block([]uint32{10, 11, 12, 13, 14, 15, 16, 17, 18, 19})
	require.NoError(t, err)
	_, _, err = s.Since(v1, nil)
	require.ErrorIs(t, err, ErrGap)
	_, _, err = s.Since(v2, nil)
	require.ErrorIs(t, err, ErrGap)
	ch, _, err = s.Since(s.Version(), nil)
	require.NoError(t, err)
	require.Empty(t, ch)
}

// TestLogSizedToHall: the change log grows with the hall between its floor and
// its ceiling. (Issue 10, item 12: every performance carried 16,384 entries,
// 256 KB, whatever its size.)
func TestLogSizedToHall(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		h    *hall.Hall
		want int
	}{
		{rowHall(t, 12), minLogSize},
		{theatre, minLogSize},
		{hall2000, 512},
		{hall.MustCompile(hall.Arena()), 8192},
		{stadium, maxLogSize},
	} {
		require.Len(t, NewShard(Config{Hall: tc.h}).log, tc.want, tc.h.Layout.Name)
	}
	require.Len(t, NewShard(Config{Hall: theatre, LogSize: 9}).log, 16, "an explicit size, rounded up")
}

// TestChangeLogLaps checks the change log's batched bookkeeping (recordStates)
// against writing entries one by one, over many laps of a small ring and batches
// longer than the ring: the same entries kept, and the same floor below which
// Since reports a gap.
func TestChangeLogLaps(t *testing.T) {
	t.Parallel()
	const size = 8
	rng := rand.New(rand.NewPCG(3, 4))
	s := NewShard(Config{Hall: theatre, LogSize: size})
	var want [size]logEntry
	var head, floor uint64
	for step := 0; step < 3000; step++ {
		seats := make([]uint32, 1+rng.IntN(2*size))
		for i := range seats {
			seats[i] = rng.Uint32N(uint32(theatre.N()))
		}
		s.mu.Lock()
		s.version++
		if len(seats) == 1 && rng.IntN(2) == 0 {
			s.record(Change{Seat: seats[0], Kind: StateChange, State: Held})
		} else {
			s.recordStates(seats, Held)
		}
		v := s.version
		got, gotHead, gotFloor := s.log, s.logHead, s.logFloor
		s.mu.Unlock()
		for _, seat := range seats {
			e := &want[head%size]
			if head >= size && e.ver > floor {
				floor = e.ver
			}
			*e = logEntry{ver: v, change: packChange(Change{Seat: seat, Kind: StateChange, State: Held})}
			head++
		}
		require.Equal(t, head, gotHead, "step %d", step)
		require.Equal(t, floor, gotFloor, "step %d", step)
		require.Equal(t, want[:], got, "step %d", step)
	}
}
