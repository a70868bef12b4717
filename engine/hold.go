package engine

import "time"

// AnyOwner passed as owner skips the owner check (staff acting on any hold).
const AnyOwner = "\x00any"

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

// Hold takes the requested seats, all or none, and appends the seats taken to dst.
func (s *Shard) Hold(req HoldRequest, dst []uint32) ([]uint32, error) {
	if req.Token == "" {
		return dst, ErrNotFound
	}
	if s.mirror {
		return dst, ErrMirror
	}
	exp := req.Expires.UnixNano()
	m := s.mask(req.Channels)
	th := s.tokens.hash(req.Token)
	s.mu.Lock()
	now := s.now()
	expired := s.expireDue(now) > 0
	if exp <= now {
		s.mu.Unlock()
		if expired {
			s.signal()
		}
		return dst, ErrPast
	}
	pos, slot := s.tokens.find(req.Token, th, s.holds)
	if slot != 0 {
		s.mu.Unlock()
		if expired {
			s.signal()
		}
		return dst, ErrTokenInUse
	}
	seats := req.Seats
	if len(seats) > 0 {
		if err := s.checkExplicit(seats, m); err != nil {
			s.mu.Unlock()
			if expired {
				s.signal()
			}
			return dst, err
		}
	} else {
		start := len(dst)
		var err error
		if dst, err = s.bestLocked(req.Best, m, dst); err != nil {
			s.mu.Unlock()
			if expired {
				s.signal()
			}
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
	expired := s.expireDue(s.now()) > 0
	slot, err := s.lookupHashed(token, th, owner)
	if err == nil && s.holds[slot].pinned {
		err = ErrPinned
	}
	if err != nil {
		s.mu.Unlock()
		if expired {
			s.signal()
		}
		return err
	}
	s.drop(slot, Free)
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
	expired := s.expireLocked(now) > 0
	slot, err := s.lookup(token, owner)
	if err == nil && exp <= now {
		err = ErrPast
	}
	if err != nil {
		s.mu.Unlock()
		if expired {
			s.signal()
		}
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
	s.mu.Unlock()
	s.signal()
	return nil
}

// Get returns a copy of a live hold.
func (s *Shard) Get(token, owner string) (HoldView, error) {
	s.mu.Lock()
	expired := s.expireLocked(s.now()) > 0
	slot, err := s.lookup(token, owner)
	var v HoldView
	if err == nil {
		v = s.view(slot)
	}
	s.mu.Unlock()
	if expired {
		s.signal()
	}
	return v, err
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
	expired := s.expireLocked(s.now()) > 0
	out := make([]HoldView, 0, s.tokens.n)
	for slot := 1; slot < len(s.holds); slot++ {
		if s.holds[slot].token != "" {
			out = append(out, s.view(uint32(slot)))
		}
	}
	s.mu.Unlock()
	if expired {
		s.signal()
	}
	return out
}

// HoldCount is the number of live holds: Holds without copying them.
func (s *Shard) HoldCount() int {
	s.mu.Lock()
	expired := s.expireLocked(s.now()) > 0
	n := s.tokens.n
	s.mu.Unlock()
	if expired {
		s.signal()
	}
	return n
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
	expired := s.expireLocked(s.now()) > 0
	slot, err := s.lookup(token, owner)
	if err == nil && s.holds[slot].pinned {
		err = ErrPinned
	}
	var v HoldView
	if err == nil {
		s.holds[slot].pinned = true
		v = s.view(slot)
	}
	s.mu.Unlock()
	if expired {
		s.signal()
	}
	return v, err
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
	s.mu.Unlock()
	s.signal()
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
	s.mu.Unlock()
	s.signal()
	return nil
}
