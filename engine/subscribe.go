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
