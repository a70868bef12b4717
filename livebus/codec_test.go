package livebus

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
)

func TestFrameRoundTrip(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]frame{
		"delta": {perf: "perf-1", token: 1 << 40, from: 9, to: 12, changes: []engine.Change{
			{Seat: 199_999, Kind: engine.StateChange, State: engine.Blocked},
			{Seat: 0, Kind: engine.StateChange, State: engine.Free},
			{Seat: 7, Kind: engine.ZoneChange, Value: hall.NoZone},
			{Seat: 8, Kind: engine.ChannelChange, Value: 63},
			{Kind: engine.MetaChange},
		}},
		"reset": {reset: true, perf: "p", token: 3, from: 5, to: 5},
		"empty": {perf: "p", token: 3, from: 5, to: 6},
		"beat":  {beat: true, perf: "p", token: 3, from: 8, to: 8},
	} {
		t.Run(name, func(t *testing.T) {
			b := appendFrame(nil, &f)
			var got frame
			require.NoError(t, parseFrame(b, &got))
			require.Equal(t, f, got)
			// Every cut of a good frame is refused.
			for i := range len(b) {
				require.Error(t, parseFrame(b[:i], &got), "cut at %d", i)
			}
		})
	}
	// A stadium seat's state change is three bytes.
	one := appendFrame(nil, &frame{perf: "p", token: 1, from: 1, to: 2, changes: []engine.Change{{Seat: 79_999, State: engine.Held}}})
	two := appendFrame(nil, &frame{perf: "p", token: 1, from: 1, to: 2, changes: []engine.Change{{Seat: 79_999, State: engine.Held}, {Seat: 79_998, State: engine.Sold}}})
	require.Equal(t, 3, len(two)-len(one))

	var f frame
	require.Error(t, parseFrame(appendFrame(nil, &frame{perf: "p", from: 5, to: 5}), &f), "a delta must move forward")
	require.Error(t, parseFrame([]byte{frameMagic, 9}, &f))
	require.Error(t, parseFrame(appendFrame(nil, &frame{beat: true, perf: "p", from: 5, to: 6}), &f), "a beat stays at its version")
	require.Error(t, parseFrame(appendFrame(nil, &frame{beat: true, perf: "p", from: 5, to: 5, changes: []engine.Change{{Seat: 1}}}), &f), "a beat has no changes")
	require.Error(t, parseFrame(append(appendFrame(nil, &frame{perf: "p", from: 1, to: 2}), 0), &f), "trailing bytes")
}

func FuzzParseFrame(f *testing.F) {
	f.Add(appendFrame(nil, &frame{perf: "p", token: 2, from: 1, to: 2, changes: []engine.Change{{Seat: 3, State: engine.Held}, {Seat: 4, Kind: engine.ZoneChange, Value: 2}}}))
	f.Add(appendFrame(nil, &frame{reset: true, perf: "perf", token: 9, from: 4, to: 4}))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr frame
		if parseFrame(data, &fr) != nil {
			return
		}
		// What parses encodes back to what parses the same.
		var again frame
		require.NoError(t, parseFrame(appendFrame(nil, &fr), &again))
		require.Equal(t, fr, again)
		// And a mirror takes it or refuses it whole, never panics.
		m := engine.NewMirror(engine.Config{Hall: theatre})
		_, _ = m.ApplyChanges(fr.changes)
		require.NoError(t, m.Verify())
	})
}

func randomSnapshot(rng *rand.Rand, n int) Snapshot {
	s := Snapshot{Token: rng.Uint64(), Version: rng.Uint64(), States: make([]engine.State, n), Zones: make([]uint16, n), Channels: make([]engine.Channel, n)}
	z, c := uint16(0), engine.Channel(0)
	for i := range n {
		s.States[i] = engine.State(rng.IntN(4))
		if rng.IntN(100) == 0 {
			z = uint16(rng.IntN(5))
			if rng.IntN(5) == 0 {
				z = hall.NoZone
			}
		}
		if rng.IntN(300) == 0 {
			c = engine.Channel(rng.IntN(engine.MaxChannels))
		}
		s.Zones[i], s.Channels[i] = z, c
	}
	return s
}

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 3, 4, 5, 1000, stadium.N()} {
		s := randomSnapshot(rng, n)
		b, err := s.MarshalBinary()
		require.NoError(t, err)
		var got Snapshot
		require.NoError(t, got.UnmarshalBinary(b))
		require.Equal(t, s, got, "%d seats", n)
		for _, cut := range []int{0, 1, len(b) / 2, len(b) - 1} {
			if cut < len(b) {
				require.Error(t, got.UnmarshalBinary(b[:cut]), "%d seats cut at %d", n, cut)
			}
		}
		if n == stadium.N() {
			t.Logf("a stadium snapshot (%d seats, random states) is %d bytes", n, len(b))
			require.Less(t, len(b), 24_000)
		}
	}
	_, err := Snapshot{States: make([]engine.State, 3), Zones: make([]uint16, 2), Channels: make([]engine.Channel, 3)}.MarshalBinary()
	require.Error(t, err)
	var s Snapshot
	require.Error(t, s.UnmarshalBinary([]byte{snapshotMagic, 1, 1, 0xff, 0xff, 0xff, 0x7f}), "more seats than a hall has")
}

func FuzzUnmarshalSnapshot(f *testing.F) {
	b, _ := randomSnapshot(rand.New(rand.NewPCG(1, 1)), 40).MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Snapshot
		if s.UnmarshalBinary(data) != nil {
			return
		}
		require.Len(t, s.Zones, len(s.States))
		require.Len(t, s.Channels, len(s.States))
		again, err := s.MarshalBinary()
		require.NoError(t, err)
		var t2 Snapshot
		require.NoError(t, t2.UnmarshalBinary(again))
		require.Equal(t, s, t2)
	})
}

func TestHandlerAndFetch(t *testing.T) {
	t.Parallel()
	shard := engine.NewShard(engine.Config{Hall: theatre})
	hold(t, shard, "a", 3, 4)
	_, _, err := shard.PaintChannel([]uint32{9}, 2)
	require.NoError(t, err)
	get := func(_ context.Context, perf string) (uint64, *engine.Shard, error) {
		switch perf {
		case "p/1": // an id with a slash travels escaped
			return 42, shard, nil
		case "moved":
			return 0, nil, ErrNotOwner
		case "down":
			return 0, nil, errors.New("rebuilding")
		}
		return 0, nil, ErrNotFound
	}
	signed := 0
	sign := func(r *http.Request) { signed++; r.Header.Set("Authorization", "Bearer x") }
	ctx := context.Background()

	// Behind a ServeMux pattern, and on a plain path (an echo route).
	mux := http.NewServeMux()
	mux.Handle("GET "+SnapshotPath, Handler(get))
	for name, h := range map[string]http.Handler{"mux": mux, "plain": Handler(get)} {
		t.Run(name, func(t *testing.T) {
			ts := httptest.NewServer(h)
			defer ts.Close()
			snap, err := FetchHTTP(ctx, ts.Client(), ts.URL+"/", "p/1", sign)
			require.NoError(t, err)
			require.Equal(t, SnapshotOf(42, shard), snap)
			require.Equal(t, engine.Held, snap.States[3])
			require.Equal(t, engine.Channel(2), snap.Channels[9])

			_, err = FetchHTTP(ctx, ts.Client(), ts.URL, "gone", nil)
			require.ErrorIs(t, err, ErrNotFound)
			_, err = FetchHTTP(ctx, ts.Client(), ts.URL, "moved", nil)
			require.ErrorIs(t, err, ErrNotOwner)
			_, err = FetchHTTP(ctx, ts.Client(), ts.URL, "down", nil)
			require.ErrorContains(t, err, "503")
			_, err = FetchHTTP(ctx, ts.Client(), ts.URL, "", nil)
			require.Error(t, err)

			resp, err := ts.Client().Post(ts.URL+"/internal/v1/live/p/snapshot", "text/plain", nil)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		})
	}
	require.Equal(t, 2, signed)
	ts := httptest.NewServer(Handler(get))
	defer ts.Close()
	resp, err := ts.Client().Get(ts.URL + "/internal/v1/live/p/other")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
