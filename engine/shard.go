package engine

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/bits-and-blooms/bitset"

	"github.com/seatmap/seatmap/hall"
)

// DefaultMaxHoldSeats is Config.MaxHoldSeats when it is zero.
const DefaultMaxHoldSeats = 100

// Config describes a new shard.
type Config struct {
	Hall *hall.Hall
	// ZoneOf is each seat's zone index (hall.NoZone for none). Nil takes the hall's
	// default zones. The shard keeps its own copy.
	ZoneOf []uint16
	// Zones is the number of zones; indices in ZoneOf must be below it. Zero takes
	// the number of zones of the hall layout.
	Zones int
	// Now is the shard's clock, for tests. Nil means the wall clock (wallClock:
	// time.Now's, read more cheaply where the platform allows).
	Now func() time.Time
	// LogSize is the number of seat changes kept for Since; rounded up to a
	// power of two. Zero sizes it to the hall (logSizeFor).
	LogSize int
	// MaxHoldSeats bounds the seats of one hold.
	MaxHoldSeats int
}

// Shard is the live state of one performance. It is safe for concurrent use: one
// mutex serialises every operation, and shards never share state.
//
// The lock rule. mu guards every field below it. Whatever takes mu (the
// exported methods that read or write those fields, bulk, the cancel func
// Subscribe returns) releases it in the same function, by defer or on each of
// its returns; the helpers it calls under mu never take or release it. Nothing
// done under mu blocks or calls out of the package: no I/O, no channel
// operation, no callback but the clock (Config.Now, which must neither block
// nor call the shard). Subscribers are signalled by the function that took mu,
// after releasing it: after every change, and after holds expired on the way
// even when the operation then changed nothing (see expireLocked). The fields
// above mu are set by NewShard (and mirror by NewMirror) and never written again, except subs, which
// Subscribe replaces under mu and signal reads without it.
// TestLockReleasedWhereTaken checks that mu is released where it is taken.
type Shard struct {
	hall *hall.Hall
	n    int
	now  func() int64 // unix nanoseconds
	max  int
	// mirror: the seats are set from outside (NewMirror, mirror.go); no holds.
	mirror bool

	subs atomic.Pointer[[]chan struct{}]

	mu        sync.Mutex // guards every field below
	held      *bitset.BitSet
	sold      *bitset.BitSet
	blocked   *bitset.BitSet
	zoneOf    []uint16
	zoneSets  []*bitset.BitSet
	priced    *bitset.BitSet // seats with a zone: only they can be sold
	channelOf []Channel
	chanSets  [MaxChannels]*bitset.BitSet // nil for channels without seats
	holdOf    []uint32                    // slot of the hold on each seat, 0 for none
	rowFree   []uint16                    // free seats per row, a filter for best-available
	holds     []hold                      // slot 0 is unused
	freeSlots []uint32
	tokens    tokenIndex  // token of each live hold → slot
	expiry    []uint32    // min-heap of slots by deadline
	words     [4][]uint64 // the state bitsets' words by State (Free: nil), for hot loops
	pricedW   []uint64
	cnt       [4]int // seats per State
	version   uint64
	log       []logEntry
	logHead   uint64   // entries ever written
	logFloor  uint64   // highest version some of whose entries were overwritten
	expired   []string // tokens of holds that expired, until DrainExpired
}

// NewShard builds a shard with every seat free and in the Web channel.
func NewShard(cfg Config) *Shard {
	h := cfg.Hall
	n := h.N()
	zones := cfg.Zones
	if zones == 0 {
		zones = len(h.Layout.Zones)
	}
	size := cfg.LogSize
	if size <= 0 {
		size = logSizeFor(n)
	}
	size = 1 << bitsFor(size)
	s := &Shard{
		hall:      h,
		n:         n,
		max:       cfg.MaxHoldSeats,
		held:      bitset.New(uint(n)),
		sold:      bitset.New(uint(n)),
		blocked:   bitset.New(uint(n)),
		channelOf: make([]Channel, n),
		holdOf:    make([]uint32, n),
		rowFree:   make([]uint16, len(h.Rows)),
		holds:     make([]hold, 1, 8), // grows with demand: 64 slots up front were 6 KB before any hold
		tokens:    newTokenIndex(),
		log:       make([]logEntry, size),
	}
	s.now = wallClock
	if cfg.Now != nil {
		now := cfg.Now
		s.now = func() int64 { return now().UnixNano() }
	}
	if s.max <= 0 {
		s.max = DefaultMaxHoldSeats
	}
	for i, r := range h.Rows {
		s.rowFree[i] = uint16(r.Count)
	}
	s.chanSets[Web] = bitset.New(uint(n)).SetAll()
	s.priced = bitset.New(uint(n))
	s.pricedW = s.priced.Words()
	s.cnt[Free] = n
	s.words[Held], s.words[Sold], s.words[Blocked] = s.held.Words(), s.sold.Words(), s.blocked.Words()
	zoneOf := cfg.ZoneOf
	if zoneOf == nil {
		zoneOf = h.ZoneOf
	}
	s.zoneOf = make([]uint16, 0, n)
	s.setZonesLocked(zoneOf, zones, false)
	empty := []chan struct{}{}
	s.subs.Store(&empty)
	return s
}

// Hall returns the hall the shard was built on.
func (s *Shard) Hall() *hall.Hall { return s.hall }
