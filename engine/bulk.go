package engine

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
	expired := s.expireLocked(s.now()) > 0
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
	if changed == 0 {
		s.version-- // the version opened above went unused
	}
	s.mu.Unlock()
	if changed > 0 || expired {
		s.signal() // expiries found on the way are news even when nothing else changed
	}
	return changed, skipped, nil
}

func (s *Shard) checkSeats(seats []uint32) error {
	for _, seat := range seats {
		if int(seat) >= s.n {
			return &SeatError{Seat: seat, Reason: "no such seat"}
		}
	}
	return nil
}

// SellBlocked turns blocked seats sold in one step, with no moment in which
// they are free: a seat kept for an order that the store has since sold
// (an order moved to a replacement date, issue 16).
func (s *Shard) SellBlocked(seats []uint32) (changed int, skipped []Skip, err error) {
	return s.bulk(seats, Blocked, Sold)
}
