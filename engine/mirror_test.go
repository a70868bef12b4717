package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

// requireSamePicture fails unless two shards show the same states, zones and
// channels (versions differ: a mirror counts its own).
func requireSamePicture(t *testing.T, want, got *Shard) {
	t.Helper()
	var a, b Snapshot
	want.Snapshot(&a)
	got.Snapshot(&b)
	require.Equal(t, a.States, b.States, "states")
	require.Equal(t, a.Zones, b.Zones, "zones")
	require.Equal(t, a.Channels, b.Channels, "channels")
	require.Equal(t, want.Counts(), got.Counts())
	require.NoError(t, got.Verify())
}

// TestMirrorFollowsShard: a mirror fed the owner's Since, batch by batch, ends
// with the owner's picture, counts and invariants, and its own versions grow
// by one per batch that changed something.
func TestMirrorFollowsShard(t *testing.T) {
	t.Parallel()
	owner, c := newShard(t, theatre)
	m := NewMirror(Config{Hall: theatre})
	require.True(t, m.Mirror())
	rng := rand.New(rand.NewPCG(1, 2))
	from := owner.Version()
	n := uint32(theatre.N())
	for round := range 300 {
		for range rng.IntN(5) + 1 {
			seats := []uint32{rng.Uint32N(n), rng.Uint32N(n)}
			switch rng.IntN(8) {
			case 0, 1, 2:
				_, _ = owner.Hold(HoldRequest{Token: fmt.Sprint(round, rng.Int()), Owner: "o", Seats: seats, Expires: c.Now().Add(time.Minute)}, nil)
			case 3:
				if hs := owner.Holds(); len(hs) > 0 {
					h := hs[rng.IntN(len(hs))]
					if rng.IntN(2) == 0 {
						_ = owner.Release(h.Token, AnyOwner)
					} else {
						_ = owner.Confirm(h.Token)
					}
				}
			case 4:
				_, _, _ = owner.Block(seats)
			case 5:
				_, _, _ = owner.Unblock(seats)
			case 6:
				_, _, _ = owner.PaintZone(seats, uint16(rng.IntN(len(theatre.Layout.Zones))))
			case 7:
				_, _, _ = owner.PaintChannel(seats, Channel(rng.IntN(3)))
			}
		}
		if round%50 == 0 {
			owner.Touch()
			c.Add(2 * time.Minute) // every hold so far expires
			owner.Expire(c.Now())
		}
		changes, to, err := owner.Since(from, nil)
		require.NoError(t, err)
		before := m.Version()
		after, err := m.ApplyChanges(changes)
		require.NoError(t, err)
		require.GreaterOrEqual(t, after, before)
		require.LessOrEqual(t, after, before+1, "one version per batch")
		from = to
		requireSamePicture(t, owner, m)
	}
}

func TestMirrorChangesReachSubscribers(t *testing.T) {
	t.Parallel()
	m := NewMirror(Config{Hall: theatre})
	sig, cancel := m.Subscribe()
	defer cancel()
	v0 := m.Version()
	changes := []Change{
		{Seat: 4, Kind: StateChange, State: Held},
		{Seat: 5, Kind: StateChange, State: Sold},
		{Seat: 4, Kind: StateChange, State: Free}, // a later change of the same seat wins
		{Seat: 6, Kind: ZoneChange, Value: hall.NoZone},
		{Seat: 7, Kind: ChannelChange, Value: 3},
		{Kind: MetaChange},
	}
	v1, err := m.ApplyChanges(changes)
	require.NoError(t, err)
	require.Equal(t, v0+1, v1)
	<-sig
	got, to, err := m.Since(v0, nil)
	require.NoError(t, err)
	require.Equal(t, v1, to)
	require.Equal(t, changes, got, "every change that changed something, in order")
	require.Equal(t, Free, m.State(4))
	require.Equal(t, Sold, m.State(5))
	require.Equal(t, uint16(hall.NoZone), m.ZoneOf()[6])
	require.Equal(t, Channel(3), m.ChannelOf()[7])
	require.NoError(t, m.Verify())

	// Changes to what the seats already are change nothing.
	v2, err := m.ApplyChanges(changes[1:5])
	require.NoError(t, err)
	require.Equal(t, v1, v2, "no change, no version")
	v2, err = m.ApplyChanges(nil)
	require.NoError(t, err)
	require.Equal(t, v1, v2)

	// A zone beyond the hall's zones is taken: the owner's list may be longer.
	_, err = m.ApplyChanges([]Change{{Seat: 8, Kind: ZoneChange, Value: 40}})
	require.NoError(t, err)
	require.Equal(t, uint16(40), m.ZoneOf()[8])
	require.NoError(t, m.Verify())
}

func TestMirrorRefusesWhatWouldBreakIt(t *testing.T) {
	t.Parallel()
	m := NewMirror(Config{Hall: theatre})
	_, err := m.Hold(HoldRequest{Token: "a", Owner: "o", Seats: []uint32{1}, Expires: time.Now().Add(time.Minute)}, nil)
	require.ErrorIs(t, err, ErrMirror)

	s, _ := newShard(t, theatre)
	_, err = s.ApplyChanges([]Change{{Seat: 1, State: Held}})
	require.ErrorIs(t, err, ErrNotMirror)
	_, err = s.ResetStates(make([]State, theatre.N()), nil, nil)
	require.ErrorIs(t, err, ErrNotMirror)

	v := m.Version()
	for name, c := range map[string]Change{
		"seat":    {Seat: uint32(theatre.N()), State: Held},
		"state":   {Seat: 1, State: 9},
		"channel": {Seat: 1, Kind: ChannelChange, Value: MaxChannels},
		"kind":    {Seat: 1, Kind: 7},
	} {
		_, err := m.ApplyChanges([]Change{{Seat: 2, State: Sold}, c})
		var se *SeatError
		require.ErrorAs(t, err, &se, name)
		require.Equal(t, Free, m.State(2), "%s: nothing applied", name)
	}
	require.Equal(t, v, m.Version())
	_, err = m.ResetStates(make([]State, 3), nil, nil)
	require.Error(t, err)
	bad := make([]State, theatre.N())
	bad[5] = 7
	_, err = m.ResetStates(bad, nil, nil)
	require.Error(t, err)
	_, err = m.ResetStates(make([]State, theatre.N()), nil, make([]Channel, 2))
	require.Error(t, err)
	require.Equal(t, v, m.Version())
}

// TestMirrorReset: ResetStates takes a whole picture as one version, and Since
// from before it is a gap, which a hub room answers with a snapshot.
func TestMirrorReset(t *testing.T) {
	t.Parallel()
	owner, c := newShard(t, stadium)
	_, err := owner.Hold(HoldRequest{Token: "a", Owner: "o", Seats: []uint32{1, 2, 3}, Expires: c.Now().Add(time.Minute)}, nil)
	require.NoError(t, err)
	_, _, err = owner.MarkSold([]uint32{10, 11})
	require.NoError(t, err)
	_, _, err = owner.Block([]uint32{500})
	require.NoError(t, err)
	_, _, err = owner.PaintZone([]uint32{600}, hall.NoZone)
	require.NoError(t, err)
	_, _, err = owner.PaintChannel([]uint32{700}, 5)
	require.NoError(t, err)

	m := NewMirror(Config{Hall: stadium})
	_, err = m.ApplyChanges([]Change{{Seat: 900, State: Sold}, {Seat: 901, Kind: ChannelChange, Value: 2}})
	require.NoError(t, err)
	v0 := m.Version()
	sig, cancel := m.Subscribe()
	defer cancel()

	var snap Snapshot
	owner.Snapshot(&snap)
	v1, err := m.ResetStates(snap.States, snap.Zones, snap.Channels)
	require.NoError(t, err)
	require.Equal(t, v0+1, v1)
	<-sig
	requireSamePicture(t, owner, m)
	_, _, err = m.Since(v0, nil)
	require.ErrorIs(t, err, ErrGap)
	got, to, err := m.Since(v1, nil)
	require.NoError(t, err)
	require.Empty(t, got)
	require.Equal(t, v1, to)

	// Deltas chain from the reset as before.
	v2, err := m.ApplyChanges([]Change{{Seat: 1, State: Sold}})
	require.NoError(t, err)
	got, to, err = m.Since(v1, nil)
	require.NoError(t, err)
	require.Equal(t, []Change{{Seat: 1, State: Sold}}, got)
	require.Equal(t, v2, to)

	// nil zones and channels keep them.
	zones, channels := m.ZoneOf(), m.ChannelOf()
	_, err = m.ResetStates(make([]State, stadium.N()), nil, nil)
	require.NoError(t, err)
	require.Equal(t, zones, m.ZoneOf())
	require.Equal(t, channels, m.ChannelOf())
	require.Equal(t, Counts{Free: stadium.N()}, m.Counts())
	require.NoError(t, m.Verify())
}
