package realtime

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/seatmap/seatmap/engine"
)

// Frames of the live protocol. Server to client:
//
//	{"type":"snapshot","version":V,"states":"0012..."}   one digit per seat index
//	{"type":"delta","from":A,"to":B,"changes":[[index,state],...]}
//
// Client to server: {"type":"resync"} asks for a new snapshot.

// maxClientFrame bounds what a client may send.
const maxClientFrame = 4 << 10

func encodeSnapshot(version uint64, states []engine.State) []byte {
	b := make([]byte, 0, len(states)+64)
	b = append(b, `{"type":"snapshot","version":`...)
	b = strconv.AppendUint(b, version, 10)
	b = append(b, `,"states":"`...)
	for _, s := range states {
		b = append(b, '0'+byte(s))
	}
	return append(b, `"}`...)
}

// dedupe keeps the last state of each seat, ordered by seat index.
func dedupe(changes []engine.Change, seen map[uint32]int) []engine.Change {
	clear(seen)
	out := changes[:0:0]
	for _, c := range changes {
		if i, ok := seen[c.Seat]; ok {
			out[i].State = c.State
			continue
		}
		seen[c.Seat] = len(out)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b engine.Change) int { return int(a.Seat) - int(b.Seat) })
	return out
}

func encodeDelta(from, to uint64, changes []engine.Change) []byte {
	b := make([]byte, 0, 64+len(changes)*10)
	b = append(b, `{"type":"delta","from":`...)
	b = strconv.AppendUint(b, from, 10)
	b = append(b, `,"to":`...)
	b = strconv.AppendUint(b, to, 10)
	b = append(b, `,"changes":[`...)
	for i, c := range changes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendUint(b, uint64(c.Seat), 10)
		b = append(b, ',', '0'+byte(c.State), ']')
	}
	return append(b, `]}`...)
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
