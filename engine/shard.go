package engine

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bits-and-blooms/bitset"

	"github.com/seatmap/seatmap/hall"
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

// Channel is a sales channel (quota) index, 0..MaxChannels-1. Channel 0 is the web.
type Channel uint8

// ChannelMask is a set of channels a holder may sell from.
type ChannelMask uint64

// MaxChannels bounds the channels of one performance.
const MaxChannels = 64

// Web is the channel every seat starts in.
const Web Channel = 0

// AllChannels lets a holder take seats of any channel.
const AllChannels = ^ChannelMask(0)

// Mask returns the set holding only c.
func (c Channel) Mask() ChannelMask { return 1 << c }

// AnyOwner passed as owner skips the owner check (staff acting on any hold).
const AnyOwner = "\x00any"

// AnyZone in Best.Zone lets best-available take seats of any zone.
const AnyZone = -1

// DefaultMaxHoldSeats is Config.MaxHoldSeats when it is zero.
const DefaultMaxHoldSeats = 100

// Bounds of the change log when Config.LogSize is zero (see logSizeFor).
const (
	minLogSize = 1 << 8  // 4 KB: a small hall's group bookings and paint strokes
	maxLogSize = 1 << 14 // 256 KB: a stadium's on-sale window, with room to spare
)

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

// HoldRequest asks for seats: the explicit Seats, or when Seats is empty the best
// available block described by Best.
type HoldRequest struct {
	Token    string // unique among live holds, chosen by the caller (unguessable)
	Owner    string // the session or staff user making the hold
	Seats    []uint32
	Best     Best
	Channels ChannelMask // channels the holder may take seats from; 0 means Web only
	Expires  time.Time
}

// Best asks for Count seats side by side in one row, in Zone (or AnyZone).
type Best struct {
	Count int
	Zone  int
}

// HoldView is a copy of a live hold.
type HoldView struct {
	Token    string
	Owner    string
	Seats    []uint32
	Expires  time.Time
	Created  time.Time
	Pinned   bool
	Channels ChannelMask
}

// Counts are the number of seats in each state.
type Counts struct {
	Free, Held, Sold, Blocked int
}

// ChangeKind says what a Change changed.
type ChangeKind uint8

const (
	// StateChange: the seat's State.
	StateChange ChangeKind = iota
	// ZoneChange: the seat's zone (Value is the zone index or hall.NoZone).
	ZoneChange
	// ChannelChange: the seat's sales channel (Value is the Channel).
	ChannelChange
	// MetaChange: something about the performance outside the seats changed
	// (zone definitions, channel names, sale status); Seat is 0.
	MetaChange
)

// Change is one change of one seat at a version. Value is the new zone or
// channel for those kinds.
type Change struct {
	Seat  uint32
	Kind  ChangeKind
	State State
	Value uint16
}

type hold struct {
	token   string
	owner   string
	seats   []uint32 // backing array reused when the slot is reused
	expires int64    // unix nanoseconds
	created int64    // unix nanoseconds
	mask    ChannelMask
	heapIdx int32  // position in the expiry heap, -1 when not in it
	hash    uint32 // the token's hash, as in s.tokens
	pinned  bool
	lapsed  bool // expired while pinned: released on Unpin
}

// logEntry is one Change at a version, packed into two words so that the hot
// paths write an entry with two stores.
type logEntry struct {
	ver    uint64
	change uint64 // Seat | Kind<<32 | State<<40 | Value<<48
}

func packChange(c Change) uint64 {
	return uint64(c.Seat) | uint64(c.Kind)<<32 | uint64(c.State)<<40 | uint64(c.Value)<<48
}

func (e logEntry) unpack() Change {
	c := e.change
	return Change{Seat: uint32(c), Kind: ChangeKind(c >> 32), State: State(c >> 40), Value: uint16(c >> 48)}
}

// Shard is the live state of one performance. It is safe for concurrent use: one
// mutex serialises every operation, and shards never share state.
type Shard struct {
	hall *hall.Hall
	n    int
	now  func() int64 // unix nanoseconds
	max  int

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
	// unsignalled: expireLocked released holds and no signal has told
	// subscribers yet; unlock and unlockSignal clear it as they release mu.
	unsignalled bool
}

// maxExpiredKept bounds the expired-token buffer when nobody drains it.
const maxExpiredKept = 1 << 16

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

// logSizeFor sizes the change log of an n-seat hall: the power of two at or
// above n/4 entries (so between a quarter and a half of the seats), within
// [minLogSize, maxLogSize].
//
// The log serves live maps that are behind by one coalescing window (50-200 ms):
// a room reads Since(version) each window, and when the changes it needs are
// gone it sends a snapshot instead (realtime, on ErrGap). On the wire a
// snapshot is about 3.7 bytes a seat and a delta about 9 bytes a changed seat,
// so a window of more than about 0.4 n changes is as cheap to send as a
// snapshot: a log longer than that buys nothing but memory, 16 bytes an entry
// for every performance loaded, all the time. The ceiling is well above what
// one window sees in a surge on this machine (some 10,000 seats held a second,
// each then sold or freed: about 4,000 changes in a 200 ms window); the floor
// keeps small halls from sending snapshots over a few group bookings.
func logSizeFor(n int) int {
	return 1 << bitsFor(min(max(n/4, minLogSize), maxLogSize))
}

func bitsFor(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}

// Hall returns the hall the shard was built on.
func (s *Shard) Hall() *hall.Hall { return s.hall }

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

// Touch records a change outside the seats (zone definitions, channel names,
// the sale status) so live seat maps know to refresh them.
func (s *Shard) Touch() {
	s.mu.Lock()
	s.version++
	s.record(Change{Kind: MetaChange})
	s.mu.Unlock()
	s.signal()
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

// Subscribe returns a channel that receives a signal (coalesced: at most one
// pending) after every change. Call cancel to stop.
func (s *Shard) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	old := *s.subs.Load()
	next := append(append(make([]chan struct{}, 0, len(old)+1), old...), ch)
	s.subs.Store(&next)
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		old := *s.subs.Load()
		next := make([]chan struct{}, 0, len(old))
		for _, c := range old {
			if c != ch {
				next = append(next, c)
			}
		}
		s.subs.Store(&next)
	}
}

// signal wakes subscribers. It never blocks: a subscriber with a pending signal
// will read every change since its last version anyway.
func (s *Shard) signal() {
	for _, ch := range *s.subs.Load() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// unlock releases s.mu at the end of an operation that changed nothing itself
// but may have expired holds on its way (Get, Pin, a refused Hold...), and
// then signals if it did: an expiry must reach live maps whichever call finds
// it, and a sweep after this one finds nothing left to announce.
func (s *Shard) unlock() {
	due := s.unsignalled
	s.unsignalled = false
	s.mu.Unlock()
	if due {
		s.signal()
	}
}

// unlockSignal releases s.mu after a change and signals, which announces any
// expiry found on the way too.
func (s *Shard) unlockSignal() {
	s.unsignalled = false
	s.mu.Unlock()
	s.signal()
}

// Version is the number of state-changing operations applied so far.
func (s *Shard) Version() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
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

// Since appends to dst the changes after version v, oldest first, and returns the
// version they lead to. ErrGap means changes after v are no longer kept: take a
// fresh snapshot with States.
func (s *Shard) Since(v uint64, dst []Change) ([]Change, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v == s.version {
		return dst, v, nil
	}
	if v > s.version || v < s.logFloor {
		return dst, s.version, ErrGap
	}
	mask := uint64(len(s.log) - 1)
	i := s.logHead
	for i > 0 && s.log[(i-1)&mask].ver > v && s.logHead-(i-1) <= uint64(len(s.log)) {
		i--
	}
	for ; i < s.logHead; i++ {
		dst = append(dst, s.log[i&mask].unpack())
	}
	return dst, s.version, nil
}

// ErrGap: the changes asked for are older than the shard keeps.
var ErrGap = gapError{}

type gapError struct{}

func (gapError) Error() string { return "changes no longer kept; take a snapshot" }

// record adds c to the change log at the current version.
func (s *Shard) record(c Change) {
	i := s.logReserve(1) & uint64(len(s.log)-1)
	s.log[i] = logEntry{ver: s.version, change: packChange(c)}
}

// logReserve makes room for k entries of the current version and returns the
// position of the first (not yet masked); the caller writes them. Entries a lap
// behind are overwritten, so logFloor rises to the newest version overwritten:
// versions rise along the ring, so that is the last of the k slots, or this very
// version when k is more than the ring holds.
func (s *Shard) logReserve(k int) uint64 {
	head, size := s.logHead, uint64(len(s.log))
	end := head + uint64(k)
	if end > size && k > 0 {
		if uint64(k) > size {
			s.logFloor = s.version
		} else if old := s.log[(end-1)&(size-1)].ver; old > s.logFloor {
			s.logFloor = old
		}
	}
	s.logHead = end
	return head
}

// recordStates records that seats changed to state st, as record would one by one.
func (s *Shard) recordStates(seats []uint32, st State) {
	head := s.logReserve(len(seats))
	log, v := s.log, s.version
	mask := uint64(len(log) - 1)
	c := packChange(Change{Kind: StateChange, State: st})
	for i, seat := range seats {
		log[(head+uint64(i))&mask] = logEntry{ver: v, change: c | uint64(seat)}
	}
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

// holdSeats moves free seats to held by slot, as set would one by one. The caller
// has checked that they are free and bumped s.version. (The change log is written
// first: no call after the loop, so the compiler keeps the loop in registers.)
func (s *Shard) holdSeats(seats []uint32, slot uint32) {
	s.recordStates(seats, Held)
	s.cnt[Free] -= len(seats)
	s.cnt[Held] += len(seats)
	held, holdOf, rowOf, rowFree := s.words[Held], s.holdOf, s.hall.RowOf, s.rowFree
	for _, seat := range seats {
		holdOf[seat] = slot
		held[seat>>6] |= 1 << (seat & 63)
		rowFree[rowOf[seat]]--
	}
}

// unholdSeats moves the seats of a hold from held to state to (Free or Sold), as
// set would one by one. The caller has bumped s.version.
func (s *Shard) unholdSeats(seats []uint32, to State) {
	s.recordStates(seats, to)
	s.cnt[Held] -= len(seats)
	s.cnt[to] += len(seats)
	held, holdOf := s.words[Held], s.holdOf
	if to == Free {
		rowOf, rowFree := s.hall.RowOf, s.rowFree
		for _, seat := range seats {
			holdOf[seat] = 0
			held[seat>>6] &^= 1 << (seat & 63)
			rowFree[rowOf[seat]]++
		}
		return
	}
	dst := s.words[to]
	for _, seat := range seats {
		holdOf[seat] = 0
		w, b := seat>>6, uint64(1)<<(seat&63)
		held[w] &^= b
		dst[w] |= b
	}
}

func (s *Shard) mask(m ChannelMask) ChannelMask {
	if m == 0 {
		return Web.Mask()
	}
	return m
}

// Hold takes the requested seats, all or none, and appends the seats taken to dst.
func (s *Shard) Hold(req HoldRequest, dst []uint32) ([]uint32, error) {
	if req.Token == "" {
		return dst, ErrNotFound
	}
	exp := req.Expires.UnixNano()
	m := s.mask(req.Channels)
	th := s.tokens.hash(req.Token)
	s.mu.Lock()
	now := s.now()
	s.expireDue(now)
	if exp <= now {
		s.unlock()
		return dst, ErrPast
	}
	pos, slot := s.tokens.find(req.Token, th, s.holds)
	if slot != 0 {
		s.unlock()
		return dst, ErrTokenInUse
	}
	seats := req.Seats
	if len(seats) > 0 {
		if err := s.checkExplicit(seats, m); err != nil {
			s.unlock()
			return dst, err
		}
	} else {
		start := len(dst)
		var err error
		if dst, err = s.bestLocked(req.Best, m, dst); err != nil {
			s.unlock()
			return dst[:start], err
		}
		seats = dst[start:]
	}
	slot = s.allocSlot()
	h := &s.holds[slot]
	h.seats = append(h.seats[:0], seats...)
	s.version++
	s.holdSeats(h.seats, slot)
	h.token = req.Token
	h.hash = th
	h.owner = req.Owner
	h.expires = exp
	h.created = now
	h.mask = m
	h.pinned, h.lapsed = false, false
	s.tokens.insert(pos, th, slot)
	s.heapPush(slot)
	s.unsignalled = false // unlockSignal by hand: a call too many for the hot path
	s.mu.Unlock()
	s.signal()
	if len(req.Seats) > 0 { // best-available appended to dst already
		dst = append(dst, req.Seats...)
	}
	return dst, nil
}

func (s *Shard) checkExplicit(seats []uint32, m ChannelMask) error {
	if len(seats) > s.max {
		return ErrTooMany
	}
	for k, seat := range seats {
		if int(seat) >= s.n {
			return &SeatError{Seat: seat, Reason: "no such seat"}
		}
		// Quadratic, but k is bounded by s.max and small in practice; no allocation.
		for _, prev := range seats[:k] {
			if prev == seat {
				return &SeatError{Seat: seat, Reason: "listed twice"}
			}
		}
	}
	// Which seats are taken is only worked out when one is.
	if s.available(seats, m) {
		return nil
	}
	var taken []uint32
	for i, seat := range seats {
		if !s.available(seats[i:i+1], m) {
			taken = append(taken, seat)
		}
	}
	return &TakenError{Seats: taken}
}

// available reports whether all seats are free, priced, and in one of the
// channels of m; a seat out of range is not. The word slices are cut to one
// length, so that one check of each index spares the compiler's bounds checks.
func (s *Shard) available(seats []uint32, m ChannelMask) bool {
	held, chans := s.words[Held], s.channelOf
	sold, blocked, priced := s.words[Sold][:len(held)], s.words[Blocked][:len(held)], s.pricedW[:len(held)]
	for _, seat := range seats {
		w := int(seat >> 6)
		if int(seat) >= len(chans) || w >= len(held) {
			return false
		}
		if (held[w]|sold[w]|blocked[w]|^priced[w])>>(seat&63)&1 != 0 || m>>(chans[seat]&(MaxChannels-1))&1 == 0 {
			return false
		}
	}
	return true
}

func (s *Shard) allocSlot() uint32 {
	if k := len(s.freeSlots); k > 0 {
		slot := s.freeSlots[k-1]
		s.freeSlots = s.freeSlots[:k-1]
		return slot
	}
	s.holds = append(s.holds, hold{heapIdx: -1})
	return uint32(len(s.holds) - 1)
}

// lookup finds a live hold of owner. The caller holds s.mu.
func (s *Shard) lookup(token, owner string) (uint32, error) {
	return s.lookupHashed(token, s.tokens.hash(token), owner)
}

// lookupHashed is lookup with the token's hash computed by the caller, outside the
// lock.
func (s *Shard) lookupHashed(token string, th uint32, owner string) (uint32, error) {
	_, slot := s.tokens.find(token, th, s.holds)
	if slot == 0 {
		return 0, ErrNotFound
	}
	if owner != AnyOwner && s.holds[slot].owner != owner {
		return 0, ErrNotOwner
	}
	return slot, nil
}

// drop removes a hold, moving its seats to state to.
func (s *Shard) drop(slot uint32, to State) {
	h := &s.holds[slot]
	s.version++
	s.unholdSeats(h.seats, to)
	if h.heapIdx >= 0 {
		s.heapRemove(int(h.heapIdx))
	}
	s.tokens.remove(h.hash, slot)
	h.token, h.owner = "", ""
	s.freeSlots = append(s.freeSlots, slot)
}

// Release frees a hold's seats.
func (s *Shard) Release(token, owner string) error {
	th := s.tokens.hash(token)
	s.mu.Lock()
	s.expireDue(s.now())
	slot, err := s.lookupHashed(token, th, owner)
	if err == nil && s.holds[slot].pinned {
		err = ErrPinned
	}
	if err != nil {
		s.unlock()
		return err
	}
	s.drop(slot, Free)
	s.unsignalled = false // unlockSignal by hand, as in Hold
	s.mu.Unlock()
	s.signal()
	return nil
}

// Extend moves a hold's deadline. Its seats are recorded as changed (still
// held), so a live page showing them learns that the hold moved.
func (s *Shard) Extend(token, owner string, expires time.Time) error {
	exp := expires.UnixNano()
	s.mu.Lock()
	now := s.now()
	s.expireLocked(now)
	slot, err := s.lookup(token, owner)
	if err == nil && exp <= now {
		err = ErrPast
	}
	if err != nil {
		s.unlock()
		return err
	}
	h := &s.holds[slot]
	h.expires = exp
	if h.heapIdx >= 0 {
		s.heapFix(int(h.heapIdx))
	} else { // lapsed while pinned: back on the clock
		h.lapsed = false
		s.heapPush(slot)
	}
	s.version++
	for _, seat := range h.seats {
		s.record(Change{Seat: seat, Kind: StateChange, State: Held})
	}
	s.unlockSignal()
	return nil
}

// Get returns a copy of a live hold.
func (s *Shard) Get(token, owner string) (HoldView, error) {
	s.mu.Lock()
	defer s.unlock()
	s.expireLocked(s.now())
	slot, err := s.lookup(token, owner)
	if err != nil {
		return HoldView{}, err
	}
	return s.view(slot), nil
}

func (s *Shard) view(slot uint32) HoldView {
	h := &s.holds[slot]
	return HoldView{
		Token:    h.token,
		Owner:    h.owner,
		Seats:    append([]uint32(nil), h.seats...),
		Expires:  time.Unix(0, h.expires).UTC(),
		Created:  time.Unix(0, h.created).UTC(),
		Pinned:   h.pinned,
		Channels: h.mask,
	}
}

// Holds returns copies of every live hold.
func (s *Shard) Holds() []HoldView {
	s.mu.Lock()
	defer s.unlock()
	s.expireLocked(s.now())
	out := make([]HoldView, 0, s.tokens.n)
	for slot := 1; slot < len(s.holds); slot++ {
		if s.holds[slot].token != "" {
			out = append(out, s.view(uint32(slot)))
		}
	}
	return out
}

// HoldCount is the number of live holds: Holds without copying them.
func (s *Shard) HoldCount() int {
	s.mu.Lock()
	defer s.unlock()
	s.expireLocked(s.now())
	return s.tokens.n
}

// HolderOf returns the token of the hold on a seat, if any.
func (s *Shard) HolderOf(seat uint32) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if int(seat) >= s.n || s.holdOf[seat] == 0 {
		return "", false
	}
	return s.holds[s.holdOf[seat]].token, true
}

// Pin marks a hold as being confirmed: it neither expires nor can be released
// until Confirm or Unpin. It returns a copy of the hold.
func (s *Shard) Pin(token, owner string) (HoldView, error) {
	s.mu.Lock()
	defer s.unlock()
	s.expireLocked(s.now())
	slot, err := s.lookup(token, owner)
	if err != nil {
		return HoldView{}, err
	}
	h := &s.holds[slot]
	if h.pinned {
		return HoldView{}, ErrPinned
	}
	h.pinned = true
	return s.view(slot), nil
}

// Unpin ends a confirmation that failed. A hold whose deadline passed meanwhile
// is released now.
func (s *Shard) Unpin(token string) {
	th := s.tokens.hash(token)
	s.mu.Lock()
	_, slot := s.tokens.find(token, th, s.holds)
	if slot == 0 {
		s.mu.Unlock()
		return
	}
	h := &s.holds[slot]
	h.pinned = false
	if !h.lapsed && h.expires > s.now() {
		s.mu.Unlock()
		return
	}
	s.noteExpired(h.token)
	s.drop(slot, Free)
	s.unlockSignal()
}

// Confirm turns a hold's seats into sold seats and ends the hold.
func (s *Shard) Confirm(token string) error {
	th := s.tokens.hash(token)
	s.mu.Lock()
	_, slot := s.tokens.find(token, th, s.holds)
	if slot == 0 {
		s.mu.Unlock()
		return ErrNotFound
	}
	s.drop(slot, Sold)
	s.unlockSignal()
	return nil
}

// Expire releases every hold whose deadline has passed by now, and returns how
// many. A sweeper calls it so that expiries reach live maps when no other call
// comes to find them.
func (s *Shard) Expire(now time.Time) int {
	s.mu.Lock()
	k := s.expireLocked(now.UnixNano())
	s.unlock()
	return k
}

// NextExpiry is the earliest deadline of a live unpinned hold.
func (s *Shard) NextExpiry() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.expiry) == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, s.holds[s.expiry[0]].expires).UTC(), true
}

// expireDue is expireLocked for the hot paths: the common case, nothing due, is
// inlined.
func (s *Shard) expireDue(now int64) {
	if len(s.expiry) > 0 && s.holds[s.expiry[0]].expires <= now {
		s.expireLocked(now)
	}
}

// expireLocked releases the holds due by now. Whoever calls it releases s.mu
// with unlock or unlockSignal, which announce the expiries.
func (s *Shard) expireLocked(now int64) int {
	k := 0
	for len(s.expiry) > 0 {
		slot := s.expiry[0]
		h := &s.holds[slot]
		if h.expires > now {
			break
		}
		s.heapRemove(0)
		if h.pinned {
			h.lapsed = true
			continue
		}
		s.noteExpired(h.token)
		s.drop(slot, Free)
		k++
	}
	if k > 0 {
		s.unsignalled = true
	}
	return k
}

func (s *Shard) noteExpired(token string) {
	if len(s.expired) >= maxExpiredKept {
		s.expired = s.expired[:copy(s.expired, s.expired[len(s.expired)/2:])]
	}
	s.expired = append(s.expired, token)
}

// DrainExpired appends the tokens of holds that expired since the last call to
// dst, so their leases can be released before they lapse on their own. At most
// the latest 65,536 are kept between calls.
func (s *Shard) DrainExpired(dst []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	dst = append(dst, s.expired...)
	clear(s.expired)
	s.expired = s.expired[:0]
	return dst
}

// Skip says why a seat was left out of a bulk operation.
type Skip struct {
	Seat  uint32
	State State
}

// Block makes free seats unavailable for sale. Held and sold seats keep their state
// and are reported as skipped; already blocked seats count as unchanged.
func (s *Shard) Block(seats []uint32) (changed int, skipped []Skip, err error) {
	return s.bulk(seats, Free, Blocked)
}

// Unblock returns blocked seats to sale.
func (s *Shard) Unblock(seats []uint32) (changed int, skipped []Skip, err error) {
	return s.bulk(seats, Blocked, Free)
}

// MarkSold sets free seats sold, as when rebuilding a shard from stored tickets.
func (s *Shard) MarkSold(seats []uint32) (changed int, skipped []Skip, err error) {
	return s.bulk(seats, Free, Sold)
}

// Refund returns sold seats to sale.
func (s *Shard) Refund(seats []uint32) (changed int, skipped []Skip, err error) {
	return s.bulk(seats, Sold, Free)
}

func (s *Shard) bulk(seats []uint32, from, to State) (int, []Skip, error) {
	if err := s.checkSeats(seats); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	s.expireLocked(s.now())
	s.version++
	changed := 0
	var skipped []Skip
	for _, seat := range seats {
		st := s.stateLocked(seat)
		switch st {
		case from:
			s.set(seat, from, to)
			changed++
		case to:
		default:
			skipped = append(skipped, Skip{Seat: seat, State: st})
		}
	}
	return s.finishBulk(changed, skipped)
}

// expiry heap: a binary min-heap of slots ordered by deadline, with each hold
// knowing its position so Extend and Release fix it in O(log n).

func (s *Shard) heapLess(a, b int) bool {
	return s.holds[s.expiry[a]].expires < s.holds[s.expiry[b]].expires
}

func (s *Shard) heapSwap(a, b int) {
	s.expiry[a], s.expiry[b] = s.expiry[b], s.expiry[a]
	s.holds[s.expiry[a]].heapIdx = int32(a)
	s.holds[s.expiry[b]].heapIdx = int32(b)
}

func (s *Shard) heapPush(slot uint32) {
	s.expiry = append(s.expiry, slot)
	i := len(s.expiry) - 1
	s.holds[slot].heapIdx = int32(i)
	s.heapUp(i)
}

func (s *Shard) heapRemove(i int) {
	last := len(s.expiry) - 1
	slot := s.expiry[i]
	if i != last {
		s.heapSwap(i, last)
	}
	s.expiry = s.expiry[:last]
	s.holds[slot].heapIdx = -1
	if i != last {
		s.heapFix(i)
	}
}

func (s *Shard) heapFix(i int) {
	if !s.heapDown(i) {
		s.heapUp(i)
	}
}

func (s *Shard) heapUp(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !s.heapLess(i, p) {
			break
		}
		s.heapSwap(i, p)
		i = p
	}
}

func (s *Shard) heapDown(i0 int) bool {
	i, n := i0, len(s.expiry)
	for {
		l := 2*i + 1
		if l >= n || l < 0 {
			break
		}
		j := l
		if r := l + 1; r < n && s.heapLess(r, l) {
			j = r
		}
		if !s.heapLess(j, i) {
			break
		}
		s.heapSwap(i, j)
		i = j
	}
	return i > i0
}
