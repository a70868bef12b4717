package engine

// Bounds of the change log when Config.LogSize is zero (see logSizeFor).
const (
	minLogSize = 1 << 8  // 4 KB: a small hall's group bookings and paint strokes
	maxLogSize = 1 << 14 // 256 KB: a stadium's on-sale window, with room to spare
)

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

// Touch records a change outside the seats (zone definitions, channel names,
// the sale status) so live seat maps know to refresh them.
func (s *Shard) Touch() {
	s.mu.Lock()
	s.version++
	s.record(Change{Kind: MetaChange})
	s.mu.Unlock()
	s.signal()
}

// Version is the number of state-changing operations applied so far.
func (s *Shard) Version() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
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
