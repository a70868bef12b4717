package realtime

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
)

func TestEncodeSnapshot(t *testing.T) {
	t.Parallel()
	snap := engine.Snapshot{
		Version:  42,
		States:   []engine.State{engine.Free, engine.Held, engine.Sold, engine.Blocked},
		Zones:    []uint16{0, 1, hall.NoZone, 2},
		Channels: []engine.Channel{0, 0, 3, 1},
	}
	// zones: 1,2,0,3 ; channels: 0,0,3,1 (base64 of those bytes)
	require.Equal(t, `{"type":"snapshot","version":42,"states":"0123","zones":"AQIAAw==","channels":"AAADAQ=="}`, string(encodeSnapshot(&snap)))
}

func TestSplit(t *testing.T) {
	t.Parallel()
	st := func(seat uint32, s engine.State) engine.Change { return engine.Change{Seat: seat, State: s} }
	zone := func(seat uint32, z uint16) engine.Change {
		return engine.Change{Seat: seat, Kind: engine.ZoneChange, Value: z}
	}
	ch := func(seat uint32, c uint16) engine.Change {
		return engine.Change{Seat: seat, Kind: engine.ChannelChange, Value: c}
	}
	meta := engine.Change{Kind: engine.MetaChange}
	cases := map[string]struct {
		in   []engine.Change
		want string
	}{
		"empty":            {nil, `{"type":"delta","from":1,"to":2,"changes":[]}`},
		"sorted":           {[]engine.Change{st(9, 1), st(3, 1), st(5, 2)}, `{"type":"delta","from":1,"to":2,"changes":[[3,1],[5,2],[9,1]]}`},
		"last wins":        {[]engine.Change{st(9, 1), st(3, 1), st(9, 0), st(3, 0), st(3, 1)}, `{"type":"delta","from":1,"to":2,"changes":[[3,1],[9,0]]}`},
		"kinds apart":      {[]engine.Change{st(4, 1), zone(4, 2), ch(4, 1), zone(1, hall.NoZone), zone(4, 0)}, `{"type":"delta","from":1,"to":2,"changes":[[4,1]],"zones":[[1,-1],[4,0]],"channels":[[4,1]]}`},
		"meta only":        {[]engine.Change{meta}, `{"type":"delta","from":1,"to":2,"changes":[]}`},
		"seat zero counts": {[]engine.Change{st(0, 3), meta, st(0, 2)}, `{"type":"delta","from":1,"to":2,"changes":[[0,2]]}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var d delta
			d.split(tc.in)
			require.Equal(t, tc.want, string(encodeDelta(1, 2, &d)))
			hasMeta := false
			for _, c := range tc.in {
				hasMeta = hasMeta || c.Kind == engine.MetaChange
			}
			require.Equal(t, hasMeta, d.meta)
		})
	}
}

func TestDecodeClientFrame(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		in string
		ok bool
	}{
		"resync":         {`{"type":"resync"}`, true},
		"spaces":         {" {\"type\" : \"resync\"}\n", true},
		"extra field":    {`{"type":"resync","why":"gap","from":3}`, true},
		"unknown type":   {`{"type":"dance"}`, false},
		"no type":        {`{}`, false},
		"type not text":  {`{"type":1}`, false},
		"null":           {`null`, false},
		"array":          {`[]`, false},
		"empty":          {``, false},
		"trailing bytes": {`{"type":"resync"}x`, false},
		"too big":        {`{"type":"resync","pad":"` + strings.Repeat("x", maxClientFrame) + `"}`, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := decodeClientFrame([]byte(tc.in))
			require.Equal(t, tc.ok, err == nil, "%v", err)
		})
	}
}

func FuzzDecodeClientFrame(f *testing.F) {
	for _, s := range []string{`{"type":"resync"}`, `{"type":"dance"}`, `{"type":"resync","x":[1,2]}`, `{"type":"\u0072esync"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := decodeClientFrame(data)
		if err != nil {
			return
		}
		// Whatever is accepted is small, valid JSON and says resync.
		var v struct {
			Type string `json:"type"`
		}
		require.LessOrEqual(t, len(data), maxClientFrame)
		require.NoError(t, json.Unmarshal(data, &v))
		require.Equal(t, "resync", v.Type)
	})
}

// FuzzDelta: for any sequence of changes, the frame holds, for each kind, every
// seat that changed exactly once with its last value, in seat order.
func FuzzDelta(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var changes []engine.Change
		for ; len(data) >= 3; data = data[3:] {
			c := engine.Change{Seat: uint32(data[0] % 32), Kind: engine.ChangeKind(data[1] % 4)}
			switch c.Kind {
			case engine.StateChange:
				c.State = engine.State(data[2] % 4)
			case engine.ZoneChange:
				c.Value = uint16(data[2] % 5)
				if c.Value == 4 {
					c.Value = hall.NoZone
				}
			case engine.ChannelChange:
				c.Value = uint16(data[2] % 64)
			default:
				c.Seat = 0
			}
			changes = append(changes, c)
		}
		want := map[string]map[uint32]int{"changes": {}, "zones": {}, "channels": {}}
		for _, c := range changes {
			switch c.Kind {
			case engine.StateChange:
				want["changes"][c.Seat] = stateValue(c)
			case engine.ZoneChange:
				want["zones"][c.Seat] = zoneValue(c)
			case engine.ChannelChange:
				want["channels"][c.Seat] = channelValue(c)
			}
		}
		var d delta
		d.split(changes)
		var got map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(encodeDelta(7, 9, &d), &got))
		require.JSONEq(t, `"delta"`, string(got["type"]))
		require.JSONEq(t, `7`, string(got["from"]))
		require.JSONEq(t, `9`, string(got["to"]))
		for name, seats := range want {
			var pairs [][2]int
			if raw, ok := got[name]; ok {
				require.NoError(t, json.Unmarshal(raw, &pairs))
			} else {
				require.NotEqual(t, "changes", name, "changes is always there")
			}
			require.Len(t, pairs, len(seats), name)
			for i, p := range pairs {
				if i > 0 {
					require.Less(t, pairs[i-1][0], p[0], "%s sorted, each seat once", name)
				}
				require.Equal(t, seats[uint32(p[0])], p[1], fmt.Sprintf("%s of seat %d", name, p[0]))
			}
		}
	})
}
