package livebus

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/seatmap/seatmap/engine"
)

// A frame is what the owner publishes: the changes of one performance's
// shard from version From to version To under the owner's fencing Token; or a
// reset (the changes are not there to send: fetch a snapshot); or a beat
// (From = To = the owner's version, no changes), sent when the owner has
// been quiet for a while, so that a mirror finds a lost last frame, or a
// dead owner, without asking. Binary, one Redis message:
//
//	byte      frameMagic
//	byte      kind (frameDelta, frameReset, frameBeat)
//	uvarint   len(perf), perf
//	uvarint   token, from, to
//	uvarint   number of changes
//	changes   uvarint(seat<<4 | kind<<2 | state), then uvarint(value) for zone and channel changes
//
// A state change of a stadium seat is three bytes.
type frame struct {
	reset    bool
	beat     bool
	perf     string
	token    uint64
	from, to uint64
	changes  []engine.Change
}

const (
	frameMagic = 0xB5
	frameDelta = 0
	frameReset = 1
	frameBeat  = 2
	// maxPerf bounds a performance id in a frame or a snapshot's path.
	maxPerf = 128
)

var errFrame = errors.New("livebus: bad frame")

func appendFrame(b []byte, f *frame) []byte {
	kind := byte(frameDelta)
	switch {
	case f.reset:
		kind = frameReset
	case f.beat:
		kind = frameBeat
	}
	b = append(b, frameMagic, kind)
	b = binary.AppendUvarint(b, uint64(len(f.perf)))
	b = append(b, f.perf...)
	b = binary.AppendUvarint(b, f.token)
	b = binary.AppendUvarint(b, f.from)
	b = binary.AppendUvarint(b, f.to)
	b = binary.AppendUvarint(b, uint64(len(f.changes)))
	for _, c := range f.changes {
		b = binary.AppendUvarint(b, uint64(c.Seat)<<4|uint64(c.Kind&3)<<2|uint64(c.State&3))
		if c.Kind == engine.ZoneChange || c.Kind == engine.ChannelChange {
			b = binary.AppendUvarint(b, uint64(c.Value))
		}
	}
	return b
}

// parseFrame decodes data into f, reusing f.changes. It checks the form, not
// the seats: ApplyChanges checks those against the hall.
func parseFrame(data []byte, f *frame) error {
	if len(data) < 2 || data[0] != frameMagic || data[1] > frameBeat {
		return errFrame
	}
	f.reset, f.beat = data[1] == frameReset, data[1] == frameBeat
	r := reader{b: data[2:]}
	n := r.uvarint()
	if n > maxPerf || n > uint64(len(r.b)) {
		return fmt.Errorf("%w: performance id of %d bytes", errFrame, n)
	}
	f.perf = string(r.b[:n])
	r.b = r.b[n:]
	f.token, f.from, f.to = r.uvarint(), r.uvarint(), r.uvarint()
	count := r.uvarint()
	if r.err || count > uint64(len(r.b)) { // every change takes a byte at least
		return errFrame
	}
	f.changes = f.changes[:0]
	for range count {
		x := r.uvarint()
		c := engine.Change{Seat: uint32(x >> 4), Kind: engine.ChangeKind(x >> 2 & 3), State: engine.State(x & 3)}
		if x>>4 > 1<<31 {
			return fmt.Errorf("%w: seat %d", errFrame, x>>4)
		}
		if c.Kind == engine.ZoneChange || c.Kind == engine.ChannelChange {
			v := r.uvarint()
			if v > 0xFFFF {
				return fmt.Errorf("%w: value %d", errFrame, v)
			}
			c.Value = uint16(v)
		}
		f.changes = append(f.changes, c)
	}
	if r.err || len(r.b) != 0 {
		return errFrame
	}
	switch {
	case f.beat && (f.from != f.to || len(f.changes) > 0):
		return fmt.Errorf("%w: beat %d→%d with %d changes", errFrame, f.from, f.to, len(f.changes))
	case !f.reset && !f.beat && f.to <= f.from:
		return fmt.Errorf("%w: delta %d→%d", errFrame, f.from, f.to)
	}
	return nil
}

// reader reads uvarints, remembering the first failure.
type reader struct {
	b   []byte
	err bool
}

func (r *reader) uvarint() uint64 {
	if r.err {
		return 0
	}
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = true
		return 0
	}
	r.b = r.b[n:]
	return x
}

// Channel is the Redis channel a performance's frames go to, hash-tagged so
// that on a Redis Cluster it has the slot of the performance's other keys.
func Channel(prefix, perf string) string {
	return prefix + "live:{" + perf + "}"
}
