package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/testkit"
)

func TestExpiry(t *testing.T) {
	t.Parallel()
	s, c := newShard(t, theatre)
	a := seats(t, theatre, "S-R2-S1", "S-R2-S2")
	b := seats(t, theatre, "S-R2-S5")
	_, err := s.Hold(HoldRequest{Token: "a", Owner: "o", Seats: a, Expires: c.Now().Add(time.Minute)}, nil)
	require.NoError(t, err)
	_, err = s.Hold(HoldRequest{Token: "b", Owner: "o", Seats: b, Expires: c.Now().Add(2 * time.Minute)}, nil)
	require.NoError(t, err)
	next, ok := s.NextExpiry()
	require.True(t, ok)
	require.True(t, c.Now().Add(time.Minute).Equal(next))
	require.Equal(t, 2, s.HoldCount())

	// Extending a moves it behind b, and tells live maps its seats changed.
	v := s.Version()
	require.NoError(t, s.Extend("a", "o", c.Now().Add(3*time.Minute)))
	ch, _, err := s.Since(v, nil)
	require.NoError(t, err)
	require.Equal(t, []Change{{Seat: a[0], State: Held}, {Seat: a[1], State: Held}}, ch)
	require.ErrorIs(t, s.Extend("a", "o", c.Now().Add(-time.Second)), ErrPast)
	c.Add(2*time.Minute + time.Second)
	require.Equal(t, 1, s.Expire(c.Now()))
	require.Equal(t, Free, s.State(b[0]))
	require.Equal(t, []string{"b"}, s.DrainExpired(nil))
	require.Empty(t, s.DrainExpired(nil))
	require.Equal(t, Held, s.State(a[0]))
	require.Equal(t, 1, s.HoldCount())

	// A pinned hold survives its deadline until unpinned.
	_, err = s.Pin("a", "o")
	require.NoError(t, err)
	c.Add(2 * time.Minute)
	require.Equal(t, 0, s.Expire(c.Now()))
	require.Equal(t, Held, s.State(a[0]))
	mustVerify(t, s)
	s.Unpin("a")
	require.Equal(t, Free, s.State(a[0]))
	require.Equal(t, []string{"a"}, s.DrainExpired(nil))
	require.Equal(t, Counts{Free: 800}, s.Counts())

	// Operations expire lazily too: no sweeper needed for correctness.
	_, err = s.Hold(HoldRequest{Token: "c", Owner: "o", Seats: a, Expires: c.Now().Add(time.Second)}, nil)
	require.NoError(t, err)
	c.Add(time.Second)
	_, err = s.Hold(HoldRequest{Token: "d", Owner: "p", Seats: a, Expires: c.Now().Add(time.Second)}, nil)
	require.NoError(t, err)
	_, err = s.Get("c", "o")
	require.ErrorIs(t, err, ErrNotFound)
	mustVerify(t, s)
}

// TestExpirySignals: whichever call finds a hold past its deadline, subscribers
// (the live maps) are signalled and Since reports the seats free. The sweeper's
// Expire comes after and finds nothing, so it cannot be the one to tell them.
func TestExpirySignals(t *testing.T) {
	t.Parallel()
	a := seats(t, theatre, "S-R3-S1", "S-R3-S2")
	cases := map[string]func(s *Shard, c *testkit.Clock){
		"Get": func(s *Shard, _ *testkit.Clock) {
			_, err := s.Get("a", "o")
			require.ErrorIs(t, err, ErrNotFound)
		},
		"Pin": func(s *Shard, _ *testkit.Clock) {
			_, err := s.Pin("a", AnyOwner)
			require.ErrorIs(t, err, ErrNotFound)
		},
		"Holds":     func(s *Shard, _ *testkit.Clock) { require.Len(t, s.Holds(), 1) },
		"HoldCount": func(s *Shard, _ *testkit.Clock) { require.Equal(t, 1, s.HoldCount()) },
		"Extend": func(s *Shard, c *testkit.Clock) {
			require.ErrorIs(t, s.Extend("a", "o", c.Now().Add(time.Minute)), ErrNotFound)
		},
		"refused Hold": func(s *Shard, c *testkit.Clock) {
			_, err := s.Hold(HoldRequest{Token: "live", Owner: "o", Seats: []uint32{700}, Expires: c.Now().Add(time.Minute)}, nil)
			require.ErrorIs(t, err, ErrTokenInUse)
		},
		"Hold refused for its deadline": func(s *Shard, c *testkit.Clock) {
			_, err := s.Hold(HoldRequest{Token: "new", Owner: "o", Seats: []uint32{700}, Expires: c.Now()}, nil)
			require.ErrorIs(t, err, ErrPast)
		},
		"Hold refused a taken seat": func(s *Shard, c *testkit.Clock) {
			_, err := s.Hold(HoldRequest{Token: "new", Owner: "o", Seats: []uint32{600}, Expires: c.Now().Add(time.Minute)}, nil)
			var taken *TakenError
			require.ErrorAs(t, err, &taken)
		},
		"best-available refused": func(s *Shard, c *testkit.Clock) {
			_, err := s.Hold(HoldRequest{Token: "new", Owner: "o", Best: Best{Count: 2, Zone: 9}, Expires: c.Now().Add(time.Minute)}, nil)
			require.ErrorIs(t, err, ErrUnknownZone)
		},
		"refused Release": func(s *Shard, _ *testkit.Clock) { require.ErrorIs(t, s.Release("a", "o"), ErrNotFound) },
		"Block changing nothing": func(s *Shard, _ *testkit.Clock) {
			changed, _, err := s.Block(nil)
			require.NoError(t, err)
			require.Zero(t, changed)
		},
		"PaintChannel changing nothing": func(s *Shard, _ *testkit.Clock) {
			changed, _, err := s.PaintChannel([]uint32{700}, Web)
			require.NoError(t, err)
			require.Zero(t, changed)
		},
		"PaintZone changing nothing": func(s *Shard, _ *testkit.Clock) {
			changed, skipped, err := s.PaintZone([]uint32{600}, 0)
			require.NoError(t, err)
			require.Zero(t, changed)
			require.Equal(t, []Skip{{Seat: 600, State: Held}}, skipped)
		},
		"Expire": func(s *Shard, c *testkit.Clock) { require.Equal(t, 1, s.Expire(c.Now())) },
	}
	for name, find := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, c := newShard(t, theatre)
			_, err := s.Hold(HoldRequest{Token: "a", Owner: "o", Seats: a, Expires: c.Now().Add(10 * time.Second)}, nil)
			require.NoError(t, err)
			_, err = s.Hold(HoldRequest{Token: "live", Owner: "o", Seats: []uint32{600}, Expires: c.Now().Add(time.Hour)}, nil)
			require.NoError(t, err)
			sig, cancel := s.Subscribe()
			defer cancel()
			v := s.Version()
			c.Add(10 * time.Second) // the deadline: a is due

			find(s, c)
			select {
			case <-sig:
			default:
				t.Fatal("the expiry was not signalled")
			}
			ch, _, err := s.Since(v, nil)
			require.NoError(t, err)
			require.Equal(t, []Change{{Seat: a[0], State: Free}, {Seat: a[1], State: Free}}, ch)
			require.Zero(t, s.Expire(c.Now()), "the sweep finds nothing left to announce")
			require.Equal(t, []string{"a"}, s.DrainExpired(nil))
			mustVerify(t, s)
		})
	}
}
