package engine

import (
	"github.com/bits-and-blooms/bitset"

	"github.com/seatmap/seatmap/hall"
)

// SetZones replaces the zone of every seat and the number of zones, as when the
// zone list is edited. zoneOf has one entry per seat, an index below zones or
// hall.NoZone. Seats whose zone index changes are recorded as zone changes.
func (s *Shard) SetZones(zoneOf []uint16, zones int) error {
	if len(zoneOf) != s.n {
		return &SeatError{Seat: uint32(len(zoneOf)), Reason: "zone map does not cover every seat"}
	}
	if zones < 0 || zones > int(hall.NoZone) {
		return ErrUnknownZone
	}
	for _, z := range zoneOf {
		if z != hall.NoZone && int(z) >= zones {
			return ErrUnknownZone
		}
	}
	s.mu.Lock()
	s.version++
	s.setZonesLocked(zoneOf, zones, true)
	s.record(Change{Kind: MetaChange})
	s.mu.Unlock()
	s.signal()
	return nil
}

func (s *Shard) setZonesLocked(zoneOf []uint16, zones int, log bool) {
	if log {
		for i, z := range zoneOf {
			if s.zoneOf[i] != z {
				s.record(Change{Seat: uint32(i), Kind: ZoneChange, Value: z})
			}
		}
	}
	s.zoneOf = append(s.zoneOf[:0], zoneOf...)
	s.zoneSets = make([]*bitset.BitSet, zones)
	for z := range s.zoneSets {
		s.zoneSets[z] = bitset.New(uint(s.n))
	}
	s.priced.ClearAll()
	for i, z := range s.zoneOf {
		if z != hall.NoZone && int(z) < zones {
			s.zoneSets[z].Set(uint(i))
			s.priced.Set(uint(i))
		}
	}
}

// ZoneOf returns a copy of the zone of every seat.
func (s *Shard) ZoneOf() []uint16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint16(nil), s.zoneOf...)
}

// ZonesOf appends the zone of each of seats to dst (hall.NoZone for none) under the
// shard's lock, and returns it: what pricing an order needs, without copying the
// zone of every seat as ZoneOf does. A seat out of range has no zone: it gets
// hall.NoZone too.
func (s *Shard) ZonesOf(seats []uint32, dst []uint16) []uint16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, seat := range seats {
		z := uint16(hall.NoZone)
		if int(seat) < len(s.zoneOf) {
			z = s.zoneOf[seat]
		}
		dst = append(dst, z)
	}
	return dst
}

// PaintZone moves seats into zone z (an index below the zone count, or
// hall.NoZone: not for sale). Held and sold seats keep their zone and price and
// are skipped.
func (s *Shard) PaintZone(seats []uint32, z uint16) (changed int, skipped []Skip, err error) {
	if err := s.checkSeats(seats); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	if z != hall.NoZone && int(z) >= len(s.zoneSets) {
		s.mu.Unlock()
		return 0, nil, ErrUnknownZone
	}
	expired := s.expireLocked(s.now()) > 0
	s.version++
	for _, seat := range seats {
		old := s.zoneOf[seat]
		if old == z {
			continue
		}
		if st := s.stateLocked(seat); st == Held || st == Sold {
			skipped = append(skipped, Skip{Seat: seat, State: st})
			continue
		}
		u := uint(seat)
		if old != hall.NoZone {
			s.zoneSets[old].Clear(u)
		}
		if z != hall.NoZone {
			s.zoneSets[z].Set(u)
			s.priced.Set(u)
		} else {
			s.priced.Clear(u)
		}
		s.zoneOf[seat] = z
		s.record(Change{Seat: seat, Kind: ZoneChange, Value: z})
		changed++
	}
	if changed == 0 {
		s.version-- // the version opened above went unused
	}
	s.mu.Unlock()
	if changed > 0 || expired {
		s.signal() // expiries found on the way are news even when nothing else changed
	}
	return changed, skipped, nil
}
