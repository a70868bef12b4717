package engine

import (
	"errors"

	"github.com/bits-and-blooms/bitset"

	"github.com/seatmap/seatmap/hall"
)

// A mirror is a shard whose seats are set from outside: a picture of a shard
// that lives on another node, kept for live seat maps (livebus). It has no
// holds: a held seat is simply Held. Its changes go into its own change log at
// its own versions, so Since, Subscribe and Snapshot serve a hub room exactly
// as a real shard's do.

var (
	// ErrMirror: a mirror takes no holds; its seats are set by ApplyChanges
	// and ResetStates.
	ErrMirror = errors.New("shard is a mirror: its seats are set from outside")
	// ErrNotMirror: ApplyChanges and ResetStates are for mirrors only; on a
	// shard with holds they would break the holds' bookkeeping.
	ErrNotMirror = errors.New("shard is not a mirror")
)

// NewMirror builds a mirror shard: every seat free, in the Web channel, in the
// zones cfg says, until ResetStates or ApplyChanges say otherwise.
func NewMirror(cfg Config) *Shard {
	s := NewShard(cfg)
	s.mirror = true
	return s
}

// Mirror reports whether the shard is a mirror.
func (s *Shard) Mirror() bool { return s.mirror }

// ApplyChanges sets seats as changes say, in order, as one new version
// recorded in the change log like any operation: a hub room reading Since
// sees an ordinary delta. Changes are absolute (a seat's new state, zone or
// channel), so applying a run of changes again is harmless. A change that
// changes nothing is left out; a MetaChange is always recorded. It returns
// the shard's version after them (unchanged when nothing changed). Nothing
// is applied when a change is invalid.
func (s *Shard) ApplyChanges(changes []Change) (uint64, error) {
	if !s.mirror {
		return 0, ErrNotMirror
	}
	for _, c := range changes {
		if err := s.checkChange(c); err != nil {
			return 0, err
		}
	}
	s.mu.Lock()
	if len(changes) == 0 {
		v := s.version
		s.mu.Unlock()
		return v, nil
	}
	s.version++
	changed := 0
	for _, c := range changes {
		switch c.Kind {
		case StateChange:
			if from := s.stateLocked(c.Seat); from != c.State {
				s.set(c.Seat, from, c.State)
				changed++
			}
		case ZoneChange:
			if s.zoneOf[c.Seat] != c.Value {
				s.setZoneLocked(c.Seat, c.Value)
				s.record(c)
				changed++
			}
		case ChannelChange:
			if ch := Channel(c.Value); s.channelOf[c.Seat] != ch {
				s.setChannelLocked(c.Seat, ch)
				s.record(c)
				changed++
			}
		case MetaChange:
			s.record(Change{Kind: MetaChange})
			changed++
		}
	}
	if changed == 0 {
		s.version-- // the version opened above went unused
	}
	v := s.version
	s.mu.Unlock()
	if changed > 0 {
		s.signal()
	}
	return v, nil
}

func (s *Shard) checkChange(c Change) error {
	switch c.Kind {
	case MetaChange:
		return nil
	case StateChange:
		if c.State > Blocked {
			return &SeatError{Seat: c.Seat, Reason: "unknown state"}
		}
	case ZoneChange:
	case ChannelChange:
		if c.Value >= MaxChannels {
			return &SeatError{Seat: c.Seat, Reason: "channel out of range"}
		}
	default:
		return &SeatError{Seat: c.Seat, Reason: "unknown kind of change"}
	}
	if int(c.Seat) >= s.n {
		return &SeatError{Seat: c.Seat, Reason: "no such seat"}
	}
	return nil
}

// setZoneLocked moves one seat to zone z, making room for a zone index the
// mirror has not seen yet (the owner's zone list may be longer than the hall's).
func (s *Shard) setZoneLocked(seat uint32, z uint16) {
	u := uint(seat)
	if old := s.zoneOf[seat]; old != hall.NoZone {
		s.zoneSets[old].Clear(u)
	}
	if z != hall.NoZone {
		for int(z) >= len(s.zoneSets) {
			s.zoneSets = append(s.zoneSets, bitset.New(uint(s.n)))
		}
		s.zoneSets[z].Set(u)
		s.priced.Set(u)
	} else {
		s.priced.Clear(u)
	}
	s.zoneOf[seat] = z
}

func (s *Shard) setChannelLocked(seat uint32, c Channel) {
	if s.chanSets[c] == nil {
		s.chanSets[c] = bitset.New(uint(s.n))
	}
	s.chanSets[s.channelOf[seat]].Clear(uint(seat))
	s.chanSets[c].Set(uint(seat))
	s.channelOf[seat] = c
}

// ResetStates replaces the whole picture: every seat's state, and its zone and
// channel unless zoneOf or channels is nil (kept as they are). It is one new
// version, and the change log starts again there: Since from any earlier
// version returns ErrGap, so a hub room reloads and sends every client a
// snapshot. It returns the new version.
func (s *Shard) ResetStates(states []State, zoneOf []uint16, channels []Channel) (uint64, error) {
	if !s.mirror {
		return 0, ErrNotMirror
	}
	if len(states) != s.n {
		return 0, &SeatError{Seat: uint32(len(states)), Reason: "states do not cover every seat"}
	}
	for i, st := range states {
		if st > Blocked {
			return 0, &SeatError{Seat: uint32(i), Reason: "unknown state"}
		}
	}
	zones := 0
	if zoneOf != nil {
		if len(zoneOf) != s.n {
			return 0, &SeatError{Seat: uint32(len(zoneOf)), Reason: "zone map does not cover every seat"}
		}
		for _, z := range zoneOf {
			if z != hall.NoZone && int(z) >= zones {
				zones = int(z) + 1
			}
		}
	}
	if channels != nil {
		if len(channels) != s.n {
			return 0, &SeatError{Seat: uint32(len(channels)), Reason: "channel map does not cover every seat"}
		}
		for i, c := range channels {
			if c >= MaxChannels {
				return 0, &SeatError{Seat: uint32(i), Reason: "channel out of range"}
			}
		}
	}
	s.mu.Lock()
	s.version++
	s.held.ClearAll()
	s.sold.ClearAll()
	s.blocked.ClearAll()
	s.cnt = [4]int{}
	for i, r := range s.hall.Rows {
		s.rowFree[i] = uint16(r.Count)
	}
	rowOf := s.hall.RowOf
	for i, st := range states {
		s.cnt[st]++
		if st == Free {
			continue
		}
		s.words[st][i>>6] |= 1 << (uint(i) & 63)
		s.rowFree[rowOf[i]]--
	}
	if zoneOf != nil {
		s.setZonesLocked(zoneOf, max(zones, len(s.zoneSets)), false)
	}
	if channels != nil {
		for c := range s.chanSets {
			if s.chanSets[c] != nil {
				s.chanSets[c].ClearAll()
			}
		}
		for i, c := range channels {
			if s.chanSets[c] == nil {
				s.chanSets[c] = bitset.New(uint(s.n))
			}
			s.chanSets[c].Set(uint(i))
		}
		copy(s.channelOf, channels)
	}
	s.logFloor = s.version
	v := s.version
	s.mu.Unlock()
	s.signal()
	return v, nil
}

// Subscribers is the number of live Subscribe channels: a mirror's keeper
// drops a mirror nobody has watched for a while.
func (s *Shard) Subscribers() int { return len(*s.subs.Load()) }
