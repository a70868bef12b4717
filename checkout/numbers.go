package checkout

import (
	"context"
	"time"

	"github.com/seatmap/seatmap/order"
)

// NumberStore is the register of ticket numbers (order.TicketNumber): an
// order's own transaction queues it when it becomes paid; the numberer
// draws the numbers after the commit, so no order waits for a number and
// no two orders wait for each other.
type NumberStore interface {
	NumberTickets(ctx context.Context, limit int) (int, error)
	TicketNumbers(ctx context.Context, orderIDs []string) ([]order.TicketNumber, error)
	TicketRegister(ctx context.Context, performanceID string) ([]order.TicketNumber, error)
}

// numberBatch is how many queued orders one numbering transaction takes.
const numberBatch = 500

// numberTickets draws the numbers of every order queued: rounds of
// numberBatch orders until the queue is empty. An error is logged and left
// for the next tick (the queue keeps what was not numbered).
func (s *Service) numberTickets(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := s.store.NumberTickets(ctx, numberBatch)
		if err != nil {
			s.log.WarnContext(ctx, "ticket numbers: a round failed; the queue keeps its orders", "err", err)
			return
		}
		if n == 0 {
			// An order whose tickets are all numbered (or void) leaves the
			// queue drawing nothing: go on while the queue had some.
			if n, err = s.store.NumberTickets(ctx, numberBatch); err != nil || n == 0 {
				return
			}
		}
	}
}

// numberLoop numbers tickets every NumberInterval until ctx ends.
func (s *Service) numberLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.NumberInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.numberTickets(ctx)
	}
}

// TicketNumbers returns every number given to the orders' tickets, voided
// ones too.
func (s *Service) TicketNumbers(ctx context.Context, orderIDs ...string) ([]order.TicketNumber, error) {
	return s.store.TicketNumbers(ctx, orderIDs)
}

// TicketRegister returns every number drawn for a performance's tickets,
// voided ones too, by series and number.
func (s *Service) TicketRegister(ctx context.Context, performanceID string) ([]order.TicketNumber, error) {
	return s.store.TicketRegister(ctx, performanceID)
}

// CurrentNumbers maps each ticket to its current number (not voided).
func CurrentNumbers(ns []order.TicketNumber) map[string]order.TicketNumber {
	out := make(map[string]order.TicketNumber, len(ns))
	for _, n := range ns {
		if !n.Voided() {
			out[n.TicketID] = n
		}
	}
	return out
}
