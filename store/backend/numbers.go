package backend

import (
	"context"

	"github.com/seatmap/seatmap/internal/breaker"
	"github.com/seatmap/seatmap/order"
)

// TicketNumbers is the register of ticket numbers (issue 17, see
// order.TicketNumber): an order's transaction queues it when it becomes
// paid (a trigger of the migration), the numberer draws the numbers later.
type TicketNumbers interface {
	// NumberTickets draws the numbers of the tickets of up to limit queued
	// orders, in queue order, in one transaction under the counter's lock,
	// and takes them off the queue; it returns how many it drew (0: none
	// queued). Callers on several nodes number one after another.
	NumberTickets(ctx context.Context, limit int) (int, error)
	// TicketNumbers returns every number the orders' tickets were given,
	// voided ones too, by series and number.
	TicketNumbers(ctx context.Context, orderIDs []string) ([]order.TicketNumber, error)
	// TicketRegister returns every number drawn for a performance's
	// tickets, voided ones too, by series and number.
	TicketRegister(ctx context.Context, performanceID string) ([]order.TicketNumber, error)
}

func (g *guarded) NumberTickets(ctx context.Context, limit int) (int, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (int, error) { return g.st.NumberTickets(ctx, limit) })
}

func (g *guarded) TicketNumbers(ctx context.Context, orderIDs []string) ([]order.TicketNumber, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.TicketNumber, error) { return g.st.TicketNumbers(ctx, orderIDs) })
}

func (g *guarded) TicketRegister(ctx context.Context, performanceID string) ([]order.TicketNumber, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.TicketNumber, error) {
		return g.st.TicketRegister(ctx, performanceID)
	})
}
