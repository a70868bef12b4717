package seating

import (
	"context"
	"log/slog"
)

// The order of writes across the engine, the lease store and the store is one
// rule, and these two helpers apply it:
//
//   - takeFirst: a change that takes seats from buyers, or changes what a seat
//     is (a hold, a block, a zone or channel painted), goes to the engine
//     first — the engine decides who gets a seat, all or nothing — and then
//     to the lease store or store; if that write fails the engine change is
//     undone, and nobody can have used it meanwhile but its own request.
//   - giveLast: a change that gives seats back to buyers (a release, an
//     unblock, a refund, an ended reservation) is written first, and made in
//     the engine only once it is stored. Were the engine first, a buyer could
//     take a freed seat before a failed write put it back, and engine and
//     store would disagree for good.
//
// An undo that fails is logged at ERROR with what it was for: engine and
// store then disagree until the performance is rebuilt (a restart).
//
// Sales a checkout makes follow the same rule from package checkout: the hold
// is pinned in the engine, the order stored, and only then are the seats sold;
// refunds and ended reservations are stored before their seats are freed.

// takeFirst applies change in the engine, then write; if write fails, the
// engine change is undone with the undo change returned. It returns write's
// error, or change's.
func (s *Service) takeFirst(ctx context.Context, what string, p *Perf, change func() (undo func() error, err error), write func(ctx context.Context) error) error {
	undo, err := change()
	if err != nil {
		return err
	}
	if err := write(ctx); err != nil {
		if undo != nil {
			if uerr := undo(); uerr != nil {
				s.log.Error("undo in the engine after a failed write; engine and store disagree until a rebuild",
					slog.String("what", what), slog.String("performance", p.id), slog.Any("write_err", err), slog.Any("undo_err", uerr))
			}
		}
		return err
	}
	return nil
}

// giveLast writes first and applies change in the engine only once write
// has succeeded.
func (s *Service) giveLast(ctx context.Context, write func(ctx context.Context) error, change func() error) error {
	if err := write(ctx); err != nil {
		return err
	}
	return change()
}
