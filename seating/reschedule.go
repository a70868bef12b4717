package seating

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/store"
)

// A replacement date (issue 16, seed 003 Ersatztermin). The replacement is
// written to the store with the original's data while nobody knows it, and
// the seats still to be moved are blocked (BlockMoving) before it goes on
// sale: buyers buy the rest at once, and never a seat an order of the
// original will take. Each order's move is stored in one transaction that
// also ends its seats' blocks; the engine follows (Moved): blocked seats
// turn sold in one step, so a moved seat is never free in between.

// CreateReplacement stores performance id as a copy of origin (hall, name,
// zones and prices, channels and quotas, re-entry) starting at startsAt, in
// draft; one stored already is left as it is.
func (s *Service) CreateReplacement(ctx context.Context, originID, id string, startsAt time.Time) error {
	if _, err := s.store.GetPerformance(ctx, id); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("replacement %s: %w", id, err)
	}
	o, err := s.store.GetPerformance(ctx, originID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("performance %s: %w", originID, ErrPerformanceNotFound)
	}
	if err != nil {
		return fmt.Errorf("load performance %s: %w", originID, err)
	}
	r := o
	r.ID, r.StartsAt, r.Status = id, startsAt.UTC(), catalog.Draft
	if err := s.store.CreatePerformance(ctx, r); err != nil && !errors.Is(err, store.ErrDuplicate) {
		return fmt.Errorf("create replacement %s: %w", id, err)
	}
	if err := s.claim(ctx, id); err != nil {
		return err
	}
	return nil
}

// BlockSeats blocks seats by index with a reason, as a block stroke does:
// engine first, then the store. Held and sold seats are skipped.
func (s *Service) BlockSeats(ctx context.Context, performanceID string, seats []uint32, reason string) (PaintResult, error) {
	if len(seats) == 0 {
		return PaintResult{}, nil
	}
	p, err := s.load(ctx, performanceID)
	if err != nil {
		return PaintResult{}, err
	}
	p.setup.Lock()
	defer p.setup.Unlock()
	return s.block(ctx, p, dedupeSeats(seats), reason)
}

// UnblockSeats frees blocked seats by index: the store first, then the
// engine (a printed ticket of the previous date returned).
func (s *Service) UnblockSeats(ctx context.Context, performanceID string, seats []uint32) error {
	if len(seats) == 0 {
		return nil
	}
	p, err := s.load(ctx, performanceID)
	if err != nil {
		return err
	}
	p.setup.Lock()
	defer p.setup.Unlock()
	_, err = s.unblock(ctx, p, seats)
	return err
}

// BlockReasons returns the reasons of a performance's blocked seats.
func (p *Perf) BlockReasons() map[uint32]string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make(map[uint32]string, len(p.blocks))
	for k, v := range p.blocks {
		out[k] = v
	}
	return out
}

// Moved shows in the engine an order's move the store has written: sold are
// seats the moved order has tickets for (blocked until now: sold in one
// step), blocked are seats still blocked with reason (printed or pending),
// freed are seats whose blocks ended with nothing taking them (a released
// reservation): the store wrote that first, so they go on sale now.
func (s *Service) Moved(p *Perf, sold, blocked []uint32, reason string, freed []uint32) {
	p.mu.Lock()
	for _, seat := range sold {
		delete(p.blocks, seat)
	}
	for _, seat := range freed {
		delete(p.blocks, seat)
	}
	for _, seat := range blocked {
		p.blocks[seat] = reason
	}
	p.mu.Unlock()
	if len(sold) > 0 {
		_, skipped, err := p.shard.SellBlocked(sold)
		if err != nil {
			s.log.Error("show moved seats sold", "performance", p.id, "err", err)
		}
		var free []uint32
		for _, sk := range skipped {
			if sk.State == engine.Free {
				free = append(free, sk.Seat)
			} else {
				// Held by a buyer: the store has the moved ticket, so that
				// buyer's order is refused there (one live ticket a seat).
				s.log.Warn("a moved seat is held on the replacement", "performance", p.id, "seat", sk.Seat, "state", sk.State.String())
			}
		}
		if len(free) > 0 {
			s.MarkSold(p, free)
		}
	}
	if len(blocked) > 0 {
		if _, _, err := p.shard.Block(blocked); err != nil {
			s.log.Error("show moved seats blocked", "performance", p.id, "err", err)
		}
	}
	if len(freed) > 0 {
		if _, _, err := p.shard.Unblock(freed); err != nil {
			s.log.Error("free released seats", "performance", p.id, "err", err)
		}
	}
}

// MovedReservation shows a reservation moved to the replacement: its seats,
// blocked until now, are held by the order's hold token (HoldToken of a
// token from NewHoldToken) until deadline, pinned as every reservation is.
// Between the block's end and the hold a buyer may take a seat in the
// engine; the store has the reservation's live ticket, so that buyer's
// order is refused there, and a rebuild restores the reservation.
func (s *Service) MovedReservation(p *Perf, token string, r Reservation, seats []uint32, owner string) {
	p.mu.Lock()
	for _, seat := range seats {
		delete(p.blocks, seat)
	}
	p.mu.Unlock()
	if _, _, err := p.shard.Unblock(seats); err != nil {
		s.log.Error("unblock a moved reservation's seats", "performance", p.id, "err", err)
	}
	if _, err := p.shard.Hold(engine.HoldRequest{Token: token, Owner: owner, Seats: seats, Expires: r.Deadline, Channels: engine.AllChannels}, nil); err != nil {
		s.log.Warn("hold a moved reservation's seats", "performance", p.id, "order", r.OrderID, "err", err)
		return
	}
	if _, err := p.shard.Pin(token, engine.AnyOwner); err != nil {
		s.log.Error("pin a moved reservation", "performance", p.id, "order", r.OrderID, "err", err)
	}
	p.mu.Lock()
	p.reservations[token] = &reservation{OrderID: r.OrderID, Number: r.Number, Buyer: r.Buyer, Email: r.Email, Deadline: r.Deadline}
	p.mu.Unlock()
}

// NewHoldToken draws a hold token of a performance (a reservation moved to
// it is written with one).
func NewHoldToken(performanceID string) string { return newHoldToken(performanceID) }
