package engine

import "time"

// maxExpiredKept bounds the expired-token buffer when nobody drains it.
const maxExpiredKept = 1 << 16

// Expire releases every hold whose deadline has passed by now, and returns how
// many. A sweeper calls it so that expiries reach live maps when no other call
// comes to find them.
func (s *Shard) Expire(now time.Time) int {
	s.mu.Lock()
	k := s.expireLocked(now.UnixNano())
	s.mu.Unlock()
	if k > 0 {
		s.signal()
	}
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
func (s *Shard) expireDue(now int64) int {
	if len(s.expiry) > 0 && s.holds[s.expiry[0]].expires <= now {
		return s.expireLocked(now)
	}
	return 0
}

// expireLocked releases the holds due by now and returns how many. A caller
// that gets more than none signals after it releases s.mu, even when its own
// operation then changes nothing (Get, Pin, a refused Hold...): an expiry must
// reach live maps whichever call finds it, and a sweep after this one finds
// nothing left to announce.
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
