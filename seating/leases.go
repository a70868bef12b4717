package seating

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/internal/fence"
	"github.com/seatmap/seatmap/lease"
)

// staleRounds bounds how often one lease write clears stale leases and tries
// again: each round releases every stale lease the conflict named, so a second
// round is needed only when more late writes landed meanwhile.
const staleRounds = 2

// acquireLease writes the lease of a hold this shard has just made (or still
// has). A conflict on seats the engine gave the hold means the lease store
// knows holds the engine does not: a lease whose token is no live hold here is
// stale — a write that landed after seatd had given up on it (Redis hung, the
// call timed out, the engine hold was undone), or the lease of a hold that
// ended while its release failed — and is released before the write is tried
// again. Only a token that is live here is a real conflict. Without this, the
// seats show free on every map while every hold on them is refused, until the
// stale lease lapses (the whole hold TTL).
func (s *Service) acquireLease(ctx context.Context, p *Perf, l lease.Lease) error {
	ctx = p.fenced(ctx)
	err := s.leases.Acquire(ctx, l)
	for range staleRounds {
		var conflict *lease.ConflictError
		if !errors.As(err, &conflict) || !s.dropStaleLeases(ctx, p, conflict.Tokens) {
			return err
		}
		err = s.leases.Acquire(ctx, l)
	}
	return err
}

// dropStaleLeases releases the leases of tokens when none of them is a live
// hold of p, and reports whether it did. A token is checked in the engine
// before its lease goes: a hold takes its engine seats before it writes its
// lease, so a lease whose token the engine does not know is of no hold in
// progress either.
func (s *Service) dropStaleLeases(ctx context.Context, p *Perf, tokens []string) bool {
	tokens = slices.Compact(slices.Sorted(slices.Values(tokens)))
	if len(tokens) == 0 {
		return false
	}
	for _, tok := range tokens {
		if _, err := p.shard.Get(tok, engine.AnyOwner); !errors.Is(err, engine.ErrNotFound) || p.reserved(tok) {
			return false // a live hold here: the conflict is real
		}
	}
	for _, tok := range tokens {
		if err := s.leases.Release(p.fenced(ctx), p.id, tok); err != nil {
			return false
		}
		s.log.Warn("released a lease of no live hold", "performance", p.id, "token", redactToken(tok))
	}
	return true
}

// maxDrops bounds the lease releases waiting for the lease store.
const maxDrops = 4096

// drop is a lease release left to the background.
type drop struct {
	perf, token string
	fence       uint64 // the shard's fencing token
}

// dropLease releases the lease of a hold that ended here (sold, reserved, or
// gone while its lease was written) without waiting for the lease store: the
// caller's answer does not depend on it, and a lease store that hangs must not
// hold up an order that is committed. When the queue is full, or the release
// fails, the lease lapses on its own at its deadline; meanwhile it is harmless,
// since the engine decides who may hold a seat, a hold that meets such a lease
// releases it (acquireLease), and a rebuild drops leases on sold seats.
func (s *Service) dropLease(p *Perf, token string) {
	select {
	case s.drops <- drop{perf: p.id, token: token, fence: p.fence}:
	default:
		s.log.Debug("lease release queue full; the lease lapses on its own", "performance", p.id)
	}
}

// releaseDropped runs the releases dropLease queued until Stop, then gives
// those still queued a short while.
func (s *Service) releaseDropped(ctx context.Context) {
	release := func(ctx context.Context, d drop) {
		err := s.leases.Release(fence.With(ctx, d.perf, d.fence), d.perf, d.token)
		if err != nil {
			s.log.Debug("release lease of an ended hold", "performance", d.perf, "err", err)
		}
	}
	// A release under way when Stop comes is finished: ctx ends the loop,
	// not the release.
	work := context.WithoutCancel(ctx)
loop:
	for {
		select {
		case d := <-s.drops:
			release(work, d)
		case <-ctx.Done():
			break loop
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
	defer cancel()
	for ctx.Err() == nil {
		select {
		case d := <-s.drops:
			release(ctx, d)
		default:
			return
		}
	}
}

// drainTimeout bounds the releases made after Stop.
const drainTimeout = 2 * time.Second
