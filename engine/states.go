package engine

import (
	"math/bits"

	"github.com/bits-and-blooms/bitset"
)

// State of one seat.
type State uint8

const (
	Free State = iota
	Held
	Sold
	Blocked
)

var stateNames = [...]string{"free", "held", "sold", "blocked"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Counts are the number of seats in each state.
type Counts struct {
	Free, Held, Sold, Blocked int
}

// Counts returns the number of seats in each state.
func (s *Shard) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.countsLocked()
}

func (s *Shard) countsLocked() Counts {
	return Counts{Free: s.cnt[Free], Held: s.cnt[Held], Sold: s.cnt[Sold], Blocked: s.cnt[Blocked]}
}

// Stats are the counts of a performance by zone and by channel.
type Stats struct {
	Total    Counts
	Zones    []Counts            // by zone index
	Channels [MaxChannels]Counts // by channel; zero for unused channels
	Unpriced Counts              // seats without a zone
}

// Stats counts seats by state within every zone and every channel, with word
// operations over the bitsets.
func (s *Shard) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Total: s.countsLocked(), Zones: make([]Counts, len(s.zoneSets))}
	count := func(set *bitset.BitSet) Counts {
		var c Counts
		all := int(set.Count())
		c.Held = int(set.IntersectionCardinality(s.held))
		c.Sold = int(set.IntersectionCardinality(s.sold))
		c.Blocked = int(set.IntersectionCardinality(s.blocked))
		c.Free = all - c.Held - c.Sold - c.Blocked
		return c
	}
	for z, set := range s.zoneSets {
		st.Zones[z] = count(set)
	}
	for c, set := range s.chanSets {
		if set != nil {
			st.Channels[c] = count(set)
		}
	}
	unpriced := s.priced.Complement()
	st.Unpriced = count(unpriced)
	return st
}

// State returns one seat's state.
func (s *Shard) State(seat uint32) State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stateLocked(seat)
}

func (s *Shard) stateLocked(seat uint32) State {
	w, b := seat>>6, uint64(1)<<(seat&63)
	switch {
	case s.words[Held][w]&b != 0:
		return Held
	case s.words[Sold][w]&b != 0:
		return Sold
	case s.words[Blocked][w]&b != 0:
		return Blocked
	}
	return Free
}

// States appends the state of every seat, by index, to dst and returns it with the
// version it reflects.
func (s *Shard) States(dst []State) ([]State, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statesLocked(dst), s.version
}

func (s *Shard) statesLocked(dst []State) []State {
	start := len(dst)
	dst = append(dst, make([]State, s.n)...)
	out := dst[start:]
	// out starts all Free (zero); visit only the set bits of each state.
	for st, words := range [...][]uint64{Held: s.held.Words(), Sold: s.sold.Words(), Blocked: s.blocked.Words()} {
		if st == int(Free) {
			continue
		}
		for w, x := range words {
			for ; x != 0; x &= x - 1 {
				out[w<<6+bits.TrailingZeros64(x)] = State(st)
			}
		}
	}
	return dst
}

// Snapshot is a consistent picture of every seat at one version.
type Snapshot struct {
	Version  uint64
	States   []State
	Zones    []uint16 // zone index or hall.NoZone
	Channels []Channel
}

// Snapshot fills snap, reusing its slices, under one lock.
func (s *Shard) Snapshot(snap *Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap.Version = s.version
	snap.States = s.statesLocked(snap.States[:0])
	snap.Zones = append(snap.Zones[:0], s.zoneOf...)
	snap.Channels = append(snap.Channels[:0], s.channelOf...)
}

// set moves a seat between states, keeping counts, row filters and the change log.
// The caller has bumped s.version for the operation.
func (s *Shard) set(seat uint32, from, to State) {
	w, b := seat>>6, uint64(1)<<(seat&63)
	if from == Free {
		s.rowFree[s.hall.RowOf[seat]]--
	} else {
		s.words[from][w] &^= b
	}
	if to == Free {
		s.rowFree[s.hall.RowOf[seat]]++
	} else {
		s.words[to][w] |= b
	}
	s.cnt[from]--
	s.cnt[to]++
	s.record(Change{Seat: seat, Kind: StateChange, State: to})
}
