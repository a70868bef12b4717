package realtime

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
)

// Frames of the live protocol. Server to client:
//
//	{"type":"snapshot","version":V,"states":"0012...","zones":"<base64>","channels":"<base64>"}
//	{"type":"delta","from":A,"to":B,"changes":[[index,state],...],"zones":[[index,zone],...],"channels":[[index,channel],...]}
//	{"type":"refresh"}
//
// states has one digit per seat index; zones and channels are base64 of one byte
// per seat (zone index + 1, 0 for none; channel index). A delta carries only the
// kinds that changed; zone -1 means none. refresh says zone definitions, channel
// names or the sale status changed: fetch the performance again.
//
// Client to server: {"type":"resync"} asks for a new snapshot.

// maxClientFrame bounds what a client may send.
const maxClientFrame = 4 << 10

var refreshFrame = []byte(`{"type":"refresh"}`)

func encodeSnapshot(snap *engine.Snapshot) []byte {
	n := len(snap.States)
	b := make([]byte, 0, n+2*base64.StdEncoding.EncodedLen(n)+96)
	b = append(b, `{"type":"snapshot","version":`...)
	b = strconv.AppendUint(b, snap.Version, 10)
	b = append(b, `,"states":"`...)
	for _, s := range snap.States {
		b = append(b, '0'+byte(s))
	}
	raw := make([]byte, n)
	for i, z := range snap.Zones {
		raw[i] = byte(z + 1) // hall.NoZone+1 wraps to 0; zones are at most 250
	}
	b = append(b, `","zones":"`...)
	b = base64.StdEncoding.AppendEncode(b, raw)
	for i, c := range snap.Channels {
		raw[i] = byte(c)
	}
	b = append(b, `","channels":"`...)
	b = base64.StdEncoding.AppendEncode(b, raw)
	return append(b, `"}`...)
}

// delta is one frame's changes, split by kind, each de-duplicated per seat (last
// wins) and ordered by seat.
type delta struct {
	states, zones, channels []engine.Change
	meta                    bool
}

func split(changes []engine.Change, seen map[uint64]int) delta {
	clear(seen)
	var d delta
	for _, c := range changes {
		var list *[]engine.Change
		switch c.Kind {
		case engine.StateChange:
			list = &d.states
		case engine.ZoneChange:
			list = &d.zones
		case engine.ChannelChange:
			list = &d.channels
		default:
			d.meta = true
			continue
		}
		key := uint64(c.Kind)<<32 | uint64(c.Seat)
		if i, ok := seen[key]; ok {
			(*list)[i] = c
			continue
		}
		seen[key] = len(*list)
		*list = append(*list, c)
	}
	for _, l := range [][]engine.Change{d.states, d.zones, d.channels} {
		slices.SortFunc(l, func(a, b engine.Change) int { return int(a.Seat) - int(b.Seat) })
	}
	return d
}

func appendPairs(b []byte, name string, list []engine.Change, value func(engine.Change) int) []byte {
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `":[`...)
	for i, c := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendUint(b, uint64(c.Seat), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(value(c)), 10)
		b = append(b, ']')
	}
	return append(b, ']')
}

func encodeDelta(from, to uint64, d delta) []byte {
	b := make([]byte, 0, 64+(len(d.states)+len(d.zones)+len(d.channels))*10)
	b = append(b, `{"type":"delta","from":`...)
	b = strconv.AppendUint(b, from, 10)
	b = append(b, `,"to":`...)
	b = strconv.AppendUint(b, to, 10)
	b = appendPairs(b, "changes", d.states, func(c engine.Change) int { return int(c.State) })
	if len(d.zones) > 0 {
		b = appendPairs(b, "zones", d.zones, func(c engine.Change) int {
			if c.Value == hall.NoZone {
				return -1
			}
			return int(c.Value)
		})
	}
	if len(d.channels) > 0 {
		b = appendPairs(b, "channels", d.channels, func(c engine.Change) int { return int(c.Value) })
	}
	return append(b, '}')
}

// clientFrame is what a client may send.
type clientFrame struct {
	Type string `json:"type"`
}

var errBadFrame = errors.New("bad client frame")

func decodeClientFrame(data []byte) (clientFrame, error) {
	var f clientFrame
	if err := json.Unmarshal(data, &f); err != nil || f.Type != "resync" {
		return clientFrame{}, errBadFrame
	}
	return f, nil
}
