package engine

import (
	"fmt"

	"github.com/seatmap/seatmap/hall"
)

// Verify checks the shard's invariants: a seat is in at most one of held, sold and
// blocked; a held seat belongs to exactly one live hold and every seat of a live
// hold is held by it; counts add up to the number of seats; the derived indexes
// (row filters, zone and channel sets, token index, expiry heap) agree with the state.
// On a mirror (NewMirror) held seats belong to no hold. It is for tests,
// fuzzing and diagnostics; it takes the lock for O(seats) time.
func (s *Shard) Verify() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var c Counts
	rowFree := make([]int, len(s.hall.Rows))
	for i := 0; i < s.n; i++ {
		u := uint(i)
		h, so, b := s.held.Test(u), s.sold.Test(u), s.blocked.Test(u)
		k := 0
		for _, x := range []bool{h, so, b} {
			if x {
				k++
			}
		}
		if k > 1 {
			return fmt.Errorf("seat %d is in %d states", i, k)
		}
		switch {
		case h:
			c.Held++
			slot := s.holdOf[i]
			if !s.mirror && (slot == 0 || int(slot) >= len(s.holds) || s.holds[slot].token == "") {
				return fmt.Errorf("held seat %d has no live hold", i)
			}
		case so:
			c.Sold++
		case b:
			c.Blocked++
		default:
			c.Free++
			rowFree[s.hall.Seats[i].Row]++
		}
		if !h && s.holdOf[i] != 0 {
			return fmt.Errorf("seat %d is %v but points at hold slot %d", i, s.stateLocked(uint32(i)), s.holdOf[i])
		}
		z := s.zoneOf[i]
		for zi, set := range s.zoneSets {
			if set.Test(u) != (int(z) == zi) {
				return fmt.Errorf("seat %d zone %d disagrees with zone set %d", i, z, zi)
			}
		}
		if z != hall.NoZone && int(z) >= len(s.zoneSets) {
			return fmt.Errorf("seat %d has unknown zone %d", i, z)
		}
		if s.priced.Test(u) != (z != hall.NoZone) {
			return fmt.Errorf("seat %d zone %d disagrees with the priced set", i, z)
		}
		for ci, set := range s.chanSets {
			if set != nil && set.Test(u) != (int(s.channelOf[i]) == ci) {
				return fmt.Errorf("seat %d channel %d disagrees with channel set %d", i, s.channelOf[i], ci)
			}
		}
	}
	if c != s.countsLocked() {
		return fmt.Errorf("counts %+v, recount %+v", s.countsLocked(), c)
	}
	if c.Free+c.Held+c.Sold+c.Blocked != s.n {
		return fmt.Errorf("counts %+v do not add up to %d seats", c, s.n)
	}
	for r, f := range rowFree {
		if int(s.rowFree[r]) != f {
			return fmt.Errorf("row %d free filter %d, recount %d", r, s.rowFree[r], f)
		}
	}
	heldBy := 0
	live := 0
	for slot := 1; slot < len(s.holds); slot++ {
		h := &s.holds[slot]
		if h.token == "" {
			continue
		}
		live++
		if h.hash != s.tokens.hash(h.token) {
			return fmt.Errorf("hold %q in slot %d has a stale token hash", h.token, slot)
		}
		if _, found := s.tokens.find(h.token, h.hash, s.holds); found != uint32(slot) {
			return fmt.Errorf("hold %q in slot %d not in token index (found slot %d)", h.token, slot, found)
		}
		for _, seat := range h.seats {
			if s.holdOf[seat] != uint32(slot) || !s.held.Test(uint(seat)) {
				return fmt.Errorf("seat %d of hold %q is not held by it", seat, h.token)
			}
		}
		heldBy += len(h.seats)
		inHeap := h.heapIdx >= 0 && int(h.heapIdx) < len(s.expiry) && s.expiry[h.heapIdx] == uint32(slot)
		if inHeap == h.lapsed {
			return fmt.Errorf("hold %q: in expiry heap %v, lapsed %v", h.token, inHeap, h.lapsed)
		}
	}
	if err := s.tokens.check(s.holds); err != nil {
		return err
	}
	if live != s.tokens.n {
		return fmt.Errorf("%d live holds, %d tokens indexed", live, s.tokens.n)
	}
	if heldBy != c.Held && !s.mirror {
		return fmt.Errorf("holds cover %d seats, %d seats held", heldBy, c.Held)
	}
	for i := 1; i < len(s.expiry); i++ {
		if s.heapLess(i, (i-1)/2) {
			return fmt.Errorf("expiry heap out of order at %d", i)
		}
	}
	return nil
}

// check verifies the index against holds: a power-of-two table at most half
// full, whose n entries each name a live hold with the hash they carry and can be
// reached from their home position without crossing an empty entry.
func (t *tokenIndex) check(holds []hold) error {
	ents, mask := t.ents, len(t.ents)-1
	if len(ents) < minTokenEnts || len(ents)&mask != 0 || 2*t.n > len(ents) {
		return fmt.Errorf("token index of %d entries holds %d", len(ents), t.n)
	}
	n := 0
	for i, e := range ents {
		if e.slot == 0 {
			continue
		}
		n++
		if int(e.slot) >= len(holds) || holds[e.slot].token == "" || holds[e.slot].hash != e.hash {
			return fmt.Errorf("token index entry %d names slot %d, no live hold with its hash", i, e.slot)
		}
		for j := int(e.hash) & mask; j != i; j = (j + 1) & mask {
			if ents[j].slot == 0 {
				return fmt.Errorf("token index entry %d cut off from its home %d", i, int(e.hash)&mask)
			}
		}
	}
	if n != t.n {
		return fmt.Errorf("token index counts %d entries, has %d", t.n, n)
	}
	return nil
}
