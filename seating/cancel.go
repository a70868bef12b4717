package seating

import (
	"context"
	"errors"
	"fmt"

	"github.com/seatmap/seatmap/engine"
)

// EndHolds releases every live hold of a performance that is not a
// reservation's (those end through their order) nor pinned by a sale under
// way (its order is written or refused by the checkout), for a cancel: each
// hold's lease goes first, as Release does. It returns how many it ended
// and how many it left pinned (call again once those sales are decided);
// holds gone meanwhile are skipped.
func (s *Service) EndHolds(ctx context.Context, performanceID string) (ended, pinned int, err error) {
	p, err := s.load(ctx, performanceID)
	if err != nil {
		return 0, 0, err
	}
	system := Actor{StaffID: "system", Login: "system"}
	for _, v := range p.shard.Holds() {
		if p.reserved(v.Token) {
			continue
		}
		if v.Pinned {
			pinned++
			continue
		}
		err := s.Release(ctx, v.Token, system)
		switch {
		case err == nil:
			ended++
		case errors.Is(err, engine.ErrPinned):
			pinned++
		case errors.Is(err, engine.ErrNotFound), errors.Is(err, ErrReserved):
		default:
			return ended, pinned, fmt.Errorf("end hold of %s: %w", performanceID, err)
		}
	}
	return ended, pinned, nil
}
