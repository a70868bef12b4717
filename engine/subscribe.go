package engine

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
