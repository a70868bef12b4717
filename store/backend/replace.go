package backend

import (
	"context"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/internal/breaker"
	"github.com/seatmap/seatmap/order"
)

// Replacements is what a store keeps of a performance's replacements (issue
// 16, "замена"): the change itself, each buyer told once, and each buyer's
// choice.
type Replacements interface {
	// ReplacePerformance changes the performance's name and start from
	// r.OldName and r.OldStartsAt to r.NewName and r.NewStartsAt, stores r and
	// starts the performance's one replace job (j's id if it is new, else the
	// stored job restarted with zero counters and r.ID as its reason), in one
	// transaction. ErrNotFound: no performance; ErrConflict: it has other
	// values now or is cancelled; ErrDuplicate: its replace job is running.
	// On an error nothing is written.
	ReplacePerformance(ctx context.Context, r catalog.Replacement, j catalog.Job) (catalog.Job, error)
	// LatestReplacement returns the performance's last replacement, or ErrNotFound.
	LatestReplacement(ctx context.Context, performanceID string) (catalog.Replacement, error)
	// NotifyReplacement records once that the order's buyer was told, with a
	// history event and c's e-mail in the same transaction; false if told before.
	NotifyReplacement(ctx context.Context, replacementID, orderID string, c order.Change) (bool, error)
	// ChooseReplacement records a choice unless one stands ("attend" may
	// still become "refund"), with a history event when it changes, and
	// returns the stored choice.
	ChooseReplacement(ctx context.Context, replacementID, orderID, choice, actor string) (catalog.ReplacementChoice, error)
	// ReplacementChoice returns the order's row of a replacement, or ErrNotFound.
	ReplacementChoice(ctx context.Context, replacementID, orderID string) (catalog.ReplacementChoice, error)
	// ReplacementCounts counts buyers told and their choices.
	ReplacementCounts(ctx context.Context, replacementID string) (catalog.ReplacementCounts, error)
}

func (g *guarded) ReplacePerformance(ctx context.Context, r catalog.Replacement, j catalog.Job) (catalog.Job, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (catalog.Job, error) { return g.st.ReplacePerformance(ctx, r, j) })
}

func (g *guarded) LatestReplacement(ctx context.Context, performanceID string) (catalog.Replacement, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (catalog.Replacement, error) {
		return g.st.LatestReplacement(ctx, performanceID)
	})
}

func (g *guarded) NotifyReplacement(ctx context.Context, replacementID, orderID string, c order.Change) (bool, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (bool, error) {
		return g.st.NotifyReplacement(ctx, replacementID, orderID, c)
	})
}

func (g *guarded) ChooseReplacement(ctx context.Context, replacementID, orderID, choice, actor string) (catalog.ReplacementChoice, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (catalog.ReplacementChoice, error) {
		return g.st.ChooseReplacement(ctx, replacementID, orderID, choice, actor)
	})
}

func (g *guarded) ReplacementChoice(ctx context.Context, replacementID, orderID string) (catalog.ReplacementChoice, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (catalog.ReplacementChoice, error) {
		return g.st.ReplacementChoice(ctx, replacementID, orderID)
	})
}

func (g *guarded) ReplacementCounts(ctx context.Context, replacementID string) (catalog.ReplacementCounts, error) {
	return breaker.Call(ctx, g.b, func(ctx context.Context) (catalog.ReplacementCounts, error) {
		return g.st.ReplacementCounts(ctx, replacementID)
	})
}
