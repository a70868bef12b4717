package engine

import "math/bits"

// Best-available: Count seats side by side in one row, rows taken best rank first,
// nearest the row's middle within a row. A placement that would leave a single
// empty seat between taken seats (or between a taken seat and the row's end) is
// only chosen when no placement anywhere avoids it.

// AnyZone in Best.Zone lets best-available take seats of any zone.
const AnyZone = -1

// Best asks for Count seats side by side in one row, in Zone (or AnyZone);
// with Accessible, only accessible seats (the hall's AccessibleWords).
type Best struct {
	Count      int
	Zone       int
	Accessible bool
}

type avail struct {
	held, sold, blocked []uint64
	zone                []uint64 // nil: any zone
	access              []uint64 // nil: any seat
	chans               [][]uint64
	allChans            bool
}

func (a *avail) word(w int) uint64 {
	x := ^(a.held[w] | a.sold[w] | a.blocked[w])
	if a.zone != nil {
		x &= a.zone[w]
	}
	if a.access != nil {
		x &= a.access[w]
	}
	if !a.allChans {
		var c uint64
		for _, cw := range a.chans {
			c |= cw[w]
		}
		x &= c
	}
	return x
}

// next returns the first index in [i, end) whose availability equals want, or end.
func (a *avail) next(i, end int, want bool) int {
	w := i >> 6
	x := a.word(w)
	if !want {
		x = ^x
	}
	x &= ^uint64(0) << (i & 63)
	for x == 0 {
		w++
		if w<<6 >= end {
			return end
		}
		x = a.word(w)
		if !want {
			x = ^x
		}
	}
	return min(w<<6+bits.TrailingZeros64(x), end)
}

type placement struct {
	pos     int
	orphans int
	dist    int
}

func (s *Shard) bestLocked(b Best, m ChannelMask, dst []uint32) ([]uint32, error) {
	n := b.Count
	if n <= 0 {
		return dst, ErrEmpty
	}
	if n > s.max {
		return dst, ErrTooMany
	}
	a := avail{held: s.held.Words(), sold: s.sold.Words(), blocked: s.blocked.Words(), zone: s.priced.Words(), allChans: true}
	if b.Zone != AnyZone {
		if b.Zone < 0 || b.Zone >= len(s.zoneSets) {
			return dst, ErrUnknownZone
		}
		a.zone = s.zoneSets[b.Zone].Words()
	}
	if b.Accessible {
		if s.hall.AccessibleWords == nil {
			return dst, ErrNoSeats
		}
		a.access = s.hall.AccessibleWords
	}
	var chanBuf [MaxChannels][]uint64
	a.chans = chanBuf[:0]
	for c, set := range s.chanSets {
		if set == nil {
			continue
		}
		if m&(1<<c) != 0 {
			a.chans = append(a.chans, set.Words())
		} else {
			a.allChans = false
		}
	}

	fallback := placement{pos: -1, orphans: 3}
	for _, r := range s.hall.RowsByRank {
		if int(s.rowFree[r]) < n {
			continue
		}
		row := s.hall.Rows[r]
		first, end := int(row.First), int(row.First+row.Count)
		center2 := 2*first + int(row.Count) - 1
		best := placement{pos: -1, orphans: 3}
		for i := a.next(first, end, true); i < end; {
			j := a.next(i, end, false)
			for p := i; p+n <= j; p++ {
				orphans := 0
				if p-i == 1 {
					orphans++
				}
				if j-(p+n) == 1 {
					orphans++
				}
				d := 2*p + n - 1 - center2
				if d < 0 {
					d = -d
				}
				if orphans < best.orphans || (orphans == best.orphans && d < best.dist) {
					best = placement{pos: p, orphans: orphans, dist: d}
				}
			}
			if j >= end {
				break
			}
			i = a.next(j, end, true)
		}
		if best.pos < 0 {
			continue
		}
		if best.orphans == 0 {
			return appendRange(dst, best.pos, n), nil
		}
		if best.orphans < fallback.orphans {
			fallback = best
		}
	}
	if fallback.pos < 0 {
		return dst, ErrNoSeats
	}
	return appendRange(dst, fallback.pos, n), nil
}

func appendRange(dst []uint32, from, n int) []uint32 {
	for k := 0; k < n; k++ {
		dst = append(dst, uint32(from+k))
	}
	return dst
}
