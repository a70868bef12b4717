package sales

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/lease"
)

// HoldInput asks for seats by id, or for the best Count seats together in Zone
// (empty: any zone).
type HoldInput struct {
	Seats     []string
	BestCount int
	BestZone  string
}

// Hold is a live hold as buyers see it.
type Hold struct {
	Token         string
	PerformanceID string
	Seats         []string
	Expires       time.Time
}

// Hold takes seats for owner: in the engine first (the authority, all or
// nothing), then as a lease; if the lease cannot be written the engine hold is
// undone, so a failure leaves nothing behind.
func (s *Service) Hold(ctx context.Context, performanceID, owner string, in HoldInput) (Hold, error) {
	p, err := s.load(ctx, performanceID)
	if err != nil {
		return Hold{}, err
	}
	if p.Status() != "on_sale" {
		return Hold{}, fmt.Errorf("performance %s: %w", performanceID, ErrNotOnSale)
	}
	req := engine.HoldRequest{
		Token:    newHoldToken(performanceID),
		Owner:    owner,
		Channels: engine.Web.Mask(),
		Expires:  s.now().Add(s.cfg.HoldTTL),
	}
	switch {
	case len(in.Seats) > 0 && in.BestCount > 0:
		return Hold{}, &InputError{Field: "best", Reason: "ask for seats or best-available, not both"}
	case len(in.Seats) > 0:
		if len(in.Seats) > s.cfg.MaxHoldSeats {
			return Hold{}, &InputError{Field: "seats", Reason: fmt.Sprintf("at most %d seats per hold", s.cfg.MaxHoldSeats)}
		}
		req.Seats = make([]uint32, len(in.Seats))
		var unknown []string
		for i, id := range in.Seats {
			idx, ok := p.hall.Lookup(id)
			if !ok {
				unknown = append(unknown, id)
			}
			req.Seats[i] = idx
		}
		if unknown != nil {
			return Hold{}, &UnknownSeatsError{IDs: unknown}
		}
	case in.BestCount > 0:
		if in.BestCount > s.cfg.MaxHoldSeats {
			return Hold{}, &InputError{Field: "best.count", Reason: fmt.Sprintf("at most %d seats per hold", s.cfg.MaxHoldSeats)}
		}
		req.Best = engine.Best{Count: in.BestCount, Zone: engine.AnyZone}
		if in.BestZone != "" {
			req.Best.Zone = -2
			for i, z := range p.zones {
				if z.ID == in.BestZone {
					req.Best.Zone = i
				}
			}
			if req.Best.Zone < 0 {
				return Hold{}, &InputError{Field: "best.zone", Reason: fmt.Sprintf("no zone %q in this performance", in.BestZone)}
			}
		}
	default:
		return Hold{}, &InputError{Field: "seats", Reason: "name at least one seat, or ask for best-available with a count"}
	}

	seats, err := p.shard.Hold(req, make([]uint32, 0, max(len(req.Seats), req.Best.Count)))
	if err != nil {
		return Hold{}, p.publicError(err)
	}
	l := lease.Lease{Performance: performanceID, Token: req.Token, Owner: owner, Seats: seats, Expires: req.Expires}
	acquire := func(ctx context.Context) error { return s.leases.Acquire(ctx, l) }
	err = s.kv.do(ctx, acquire)
	var conflict *lease.ConflictError
	if errors.As(err, &conflict) {
		// Most likely leases of holds that just expired here and not yet there.
		s.releaseExpired(ctx, p)
		err = s.kv.do(ctx, acquire)
	}
	if err != nil {
		if rerr := p.shard.Release(req.Token, engine.AnyOwner); rerr != nil {
			s.log.Error("undo hold after lease failure", "performance", performanceID, "err", rerr)
		}
		if errors.As(err, &conflict) {
			// The lease store knows a hold this shard does not: another node's, or
			// one left from before a crash. Report the seats as taken.
			return Hold{}, &TakenError{Seats: p.ids(conflict.Seats)}
		}
		return Hold{}, fmt.Errorf("lease hold: %w", err)
	}
	return Hold{Token: req.Token, PerformanceID: performanceID, Seats: p.ids(seats), Expires: req.Expires}, nil
}

// shardOf finds the performance of a hold token.
func (s *Service) shardOf(ctx context.Context, token string) (*perf, error) {
	id, ok := performanceOfToken(token)
	if !ok {
		return nil, engine.ErrNotFound
	}
	p, err := s.load(ctx, id)
	if errors.Is(err, ErrPerformanceNotFound) {
		return nil, engine.ErrNotFound
	}
	return p, err
}

// GetHold returns owner's live hold.
func (s *Service) GetHold(ctx context.Context, token, owner string) (Hold, error) {
	p, err := s.shardOf(ctx, token)
	if err != nil {
		return Hold{}, err
	}
	v, err := p.shard.Get(token, owner)
	if err != nil {
		return Hold{}, err
	}
	return Hold{Token: token, PerformanceID: p.id, Seats: p.ids(v.Seats), Expires: v.Expires}, nil
}

// Extend gives owner's hold another HoldTTL from now, up to MaxHoldLifetime
// after it was made. The lease moves first: if it cannot, nothing changes.
func (s *Service) Extend(ctx context.Context, token, owner string) (Hold, error) {
	p, err := s.shardOf(ctx, token)
	if err != nil {
		return Hold{}, err
	}
	v, err := p.shard.Get(token, owner)
	if err != nil {
		return Hold{}, err
	}
	now := s.now()
	limit := v.Created.Add(s.cfg.MaxHoldLifetime)
	exp := now.Add(s.cfg.HoldTTL)
	if exp.After(limit) {
		exp = limit
	}
	if !exp.After(v.Expires) {
		return Hold{}, ErrHoldLifetime
	}
	err = s.kv.do(ctx, func(ctx context.Context) error { return s.leases.Extend(ctx, p.id, token, exp) })
	if errors.Is(err, lease.ErrNotFound) {
		// The lease ran out a moment before the engine noticed: the hold is gone.
		_ = p.shard.Release(token, engine.AnyOwner)
		return Hold{}, engine.ErrNotFound
	}
	if err != nil {
		return Hold{}, fmt.Errorf("extend lease: %w", err)
	}
	if err := p.shard.Extend(token, owner, exp); err != nil {
		return Hold{}, err
	}
	return Hold{Token: token, PerformanceID: p.id, Seats: p.ids(v.Seats), Expires: exp}, nil
}

// Release ends owner's hold: the lease goes first, so a lease store that is down
// leaves the hold whole and the answer says so.
func (s *Service) Release(ctx context.Context, token, owner string) error {
	p, err := s.shardOf(ctx, token)
	if err != nil {
		return err
	}
	v, err := p.shard.Get(token, owner)
	if err != nil {
		return err
	}
	if v.Pinned {
		return engine.ErrPinned
	}
	if err := s.kv.do(ctx, func(ctx context.Context) error { return s.leases.Release(ctx, p.id, token) }); err != nil {
		return fmt.Errorf("release lease: %w", err)
	}
	return p.shard.Release(token, owner)
}
