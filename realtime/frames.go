package realtime

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
)

// Frames of the live protocol, all JSON text messages. Server to client:
//
//	{"type":"snapshot","version":V,"states":"0012...","zones":"<base64>","channels":"<base64>"}
//	{"type":"delta","from":A,"to":B,"changes":[[index,state],...],"zones":[[index,zone],...],"channels":[[index,channel],...]}
//	{"type":"refresh"}
//
// states has one digit per dense seat index (engine.State: 0 free, 1 held, 2 sold,
// 3 blocked); zones and channels are base64 of one byte per seat (zone index + 1,
// 0 for none; channel index). A delta leads from version A to version B; the next
// delta starts where the last one ended. Within one delta each seat appears at
// most once per list (its last value wins) and lists are sorted by seat index.
// changes is always present, possibly empty; zones and channels only when some
// changed, zone -1 meaning none. refresh follows a delta that changed zone
// definitions, channel names or the sale status: fetch the performance again.
//
// Client to server: {"type":"resync"} asks for a new snapshot; deltas then
// continue from its version. Anything else closes the socket with ClosePolicy.
//
// A client that opens the socket with ?snapshot=gzip gets every snapshot as a
// binary message: the same JSON, gzipped. The room compresses it once per
// version and every joiner shares the bytes, where permessage-deflate would
// compress it once per socket (see doc.go). Deltas and refresh stay text.

// maxClientFrame bounds what a client may send.
const maxClientFrame = 4 << 10

var refreshFrame = []byte(`{"type":"refresh"}`)

// encodeSnapshot renders a picture of every seat as a snapshot frame.
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
		raw[i] = byte(z + 1) // hall.NoZone+1 wraps to 0; a hall has at most 254 zones here
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

// gzipFrame compresses a frame for clients that asked for gzipped snapshots.
// Level 1: the snapshot is mostly runs of the same few characters, which the
// fastest level packs nearly as well as the best.
func gzipFrame(frame []byte) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	_, _ = zw.Write(frame) // a bytes.Buffer does not fail
	_ = zw.Close()
	return b.Bytes()
}

// isGzip tells a gzipped frame (binary) from a JSON one (text, starting with
// '{'): by the gzip magic number.
func isGzip(frame []byte) bool { return len(frame) >= 2 && frame[0] == 0x1f && frame[1] == 0x8b }

// delta is one frame's changes split by kind, each list holding every seat
// once (its last change) in seat order.
type delta struct {
	states, zones, channels []engine.Change
	meta                    bool
}

// split sorts changes (oldest first, as engine.Shard.Since returns them) into d,
// reusing d's slices.
func (d *delta) split(changes []engine.Change) {
	d.states, d.zones, d.channels, d.meta = d.states[:0], d.zones[:0], d.channels[:0], false
	for _, c := range changes {
		switch c.Kind {
		case engine.StateChange:
			d.states = append(d.states, c)
		case engine.ZoneChange:
			d.zones = append(d.zones, c)
		case engine.ChannelChange:
			d.channels = append(d.channels, c)
		default:
			d.meta = true
		}
	}
	d.states, d.zones, d.channels = lastPerSeat(d.states), lastPerSeat(d.zones), lastPerSeat(d.channels)
}

// lastPerSeat sorts list by seat, keeping only the last change of each seat.
// The sort is stable, so within a run of one seat the original order holds and
// the last element is the newest.
func lastPerSeat(list []engine.Change) []engine.Change {
	if len(list) < 2 {
		return list
	}
	slices.SortStableFunc(list, func(a, b engine.Change) int { return cmp.Compare(a.Seat, b.Seat) })
	out := list[:0]
	for i, c := range list {
		if i+1 < len(list) && list[i+1].Seat == c.Seat {
			continue
		}
		out = append(out, c)
	}
	return out
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

func stateValue(c engine.Change) int { return int(c.State) }

func zoneValue(c engine.Change) int {
	if c.Value == hall.NoZone {
		return -1
	}
	return int(c.Value)
}

func channelValue(c engine.Change) int { return int(c.Value) }

// encodeDelta renders the frame leading from version from to version to.
func encodeDelta(from, to uint64, d *delta) []byte {
	b := make([]byte, 0, 64+(len(d.states)+len(d.zones)+len(d.channels))*12)
	b = append(b, `{"type":"delta","from":`...)
	b = strconv.AppendUint(b, from, 10)
	b = append(b, `,"to":`...)
	b = strconv.AppendUint(b, to, 10)
	b = appendPairs(b, "changes", d.states, stateValue)
	if len(d.zones) > 0 {
		b = appendPairs(b, "zones", d.zones, zoneValue)
	}
	if len(d.channels) > 0 {
		b = appendPairs(b, "channels", d.channels, channelValue)
	}
	return append(b, '}')
}

// clientFrame is what a client may send.
type clientFrame struct {
	Type string `json:"type"`
}

const frameResync = "resync"

var errBadFrame = errors.New("bad client frame")

// decodeClientFrame accepts exactly the frames a client may send: today only
// {"type":"resync"} (extra fields are ignored, so clients may add some).
func decodeClientFrame(data []byte) (clientFrame, error) {
	if len(data) > maxClientFrame {
		return clientFrame{}, errBadFrame
	}
	var f clientFrame
	if err := json.Unmarshal(data, &f); err != nil {
		return clientFrame{}, errBadFrame
	}
	if f.Type != frameResync {
		return clientFrame{}, errBadFrame
	}
	return f, nil
}
