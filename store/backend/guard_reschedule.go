package backend

import (
	"context"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/internal/breaker"
	"github.com/seatmap/seatmap/order"
)

// The reschedule's calls (issue 16), through the breaker as every other.

func (g *guarded) CreateReschedule(ctx context.Context, r catalog.Reschedule) (catalog.Reschedule, bool, error) {
	type result struct {
		r       catalog.Reschedule
		created bool
	}
	out, err := breaker.Call(ctx, g.b, func(ctx context.Context) (result, error) {
		r, created, err := g.st.CreateReschedule(ctx, r)
		return result{r, created}, err
	})
	return out.r, out.created, err
}

func (g *guarded) GetReschedule(ctx context.Context, performanceID string) (catalog.Reschedule, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (catalog.Reschedule, error) {
		return g.st.GetReschedule(ctx, performanceID)
	})
}

func (g *guarded) MarkRescheduleSetUp(ctx context.Context, originID string) error {
	return g.b.Do(ctx, func(ctx context.Context) error { return g.st.MarkRescheduleSetUp(ctx, originID) })
}

func (g *guarded) MoveOrder(ctx context.Context, m order.Move) (order.Move, bool, error) {
	type result struct {
		m     order.Move
		moved bool
	}
	out, err := breaker.Call(ctx, g.b, func(ctx context.Context) (result, error) {
		m, moved, err := g.st.MoveOrder(ctx, m)
		return result{m, moved}, err
	})
	return out.m, out.moved, err
}

func (g *guarded) OrderMoves(ctx context.Context, originID string) ([]order.Move, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) ([]order.Move, error) { return g.st.OrderMoves(ctx, originID) })
}

func (g *guarded) GetOrderMove(ctx context.Context, originOrderID string) (order.Move, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (order.Move, error) { return g.st.GetOrderMove(ctx, originOrderID) })
}
