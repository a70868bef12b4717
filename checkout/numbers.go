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

// numberTickets draws the numbers of the orders queued: rounds of
// numberBatch orders until the queue is empty (one round only when once).
// Between rounds it rests as long as the round took, so a backlog is
// worked off at about half of what the store gives. An error is logged and
// left for the next tick (the queue keeps what was not numbered).
func (s *Service) numberTickets(ctx context.Context, once bool) {
	for ctx.Err() == nil {
		began := time.Now()
		n, err := s.store.NumberTickets(ctx, numberBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "ticket numbers: a round failed; the queue keeps its orders", "err", err)
			}
			return
		}
		if n == 0 {
			// An order whose tickets are all numbered (or void) leaves the
			// queue drawing nothing: go on while the queue had some.
			if n, err = s.store.NumberTickets(ctx, numberBatch); err != nil || n == 0 {
				return
			}
		}
		if once {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Since(began)):
		}
	}
}

// While orders are sold faster than numberBusy a tick (an on-sale surge),
// the numberer defers to them: numbers may come after the sale, and a
// numbering round is a write transaction the surge's orders would wait
// behind. It then draws one round every numberDefer, and works the backlog
// off once the surge has passed (BENCHMARKS.md, Issue 17: the stadium
// sell-out with ticket numbers).
const (
	numberBusy  = 25 // orders sold in one NumberInterval
	numberDefer = 10 * time.Second
)

// numberLoop numbers tickets every NumberInterval until ctx ends, deferring
// to a surge (numberBusy).
func (s *Service) numberLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.NumberInterval)
	defer t.Stop()
	last := time.Now()
	seen := s.sold.Load()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sold := s.sold.Load()
		busy := sold-seen > numberBusy
		seen = sold
		if busy && time.Since(last) < numberDefer {
			continue
		}
		last = time.Now()
		s.numberTickets(ctx, busy)
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
