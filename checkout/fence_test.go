package checkout_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/fence"
	leaseredis "github.com/seatmap/seatmap/lease/redis"
	"github.com/seatmap/seatmap/lease/redis/redistest"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store/postgres"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
	"github.com/seatmap/seatmap/voucher"
)

// belief is a node's idea of what it owns: a node paused past its lease still
// believes it owns what it had, until its loop runs again.
type belief struct {
	mu    sync.Mutex
	owned map[string]uint64
	take  func(perf string) // what Take does: the cluster's three steps
}

func (b *belief) Owns(perf string) (uint64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.owned[perf]
	return t, ok
}

func (b *belief) Take(_ context.Context, perf string) error {
	b.take(perf)
	return nil
}

func (b *belief) set(perf string, t uint64) {
	b.mu.Lock()
	b.owned[perf] = t
	b.mu.Unlock()
}

// TestStaleOwnerCannotSell (issue 18): node A owns a performance under token
// 1; node B takes it over under token 2 (the Redis owner record, then the
// store's fence, then its shard) while A, paused, still believes it owns it.
// Every write A then tries — a hold, the order of a hold it made before,
// a block — is refused by the lease store or the store, nothing of it is
// written, and B's shard has every sale A made before.
func TestStaleOwnerCannotSell(t *testing.T) {
	ctx := context.Background()
	st, err := postgres.Open(ctx, pgtest.Schema(t, ""))
	require.NoError(t, err)
	t.Cleanup(st.Close)
	rc := redistest.Client(t)
	prefix := redistest.Prefix(t)
	leases := leaseredis.New(rc, leaseredis.Options{Prefix: prefix})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	node := func() (*belief, *seating.Service, *checkout.Service) {
		b := &belief{owned: map[string]uint64{}}
		svc := seating.New(seating.Config{Store: st, Leases: leases, Logger: log, Owner: b})
		co := checkout.New(checkout.Config{Store: st, Seats: svc, Vouchers: voucher.NewService(st), Logger: log})
		return b, svc, co
	}
	takeOver := func(b *belief, svc *seating.Service, id, name string, tok uint64) {
		t.Helper()
		require.NoError(t, rc.Set(ctx, leaseredis.OwnerKey(prefix, id), fmt.Sprintf("%s|%d|127.0.0.1:1", name, tok), time.Minute).Err())
		require.NoError(t, st.AdvanceFence(ctx, id, tok, name))
		require.NoError(t, svc.Adopt(ctx, id, tok))
		b.set(id, tok)
	}
	beliefA, a, coA := node()
	beliefB, b, coB := node()
	beliefA.take = func(perf string) { takeOver(beliefA, a, perf, "node-a", 1) }

	data, err := json.Marshal(hall.Theatre())
	require.NoError(t, err)
	h, _, err := a.CreateHall(ctx, data)
	require.NoError(t, err)
	// A creates the performance and so owns it, under token 1.
	perf, err := a.CreatePerformance(ctx, seating.NewPerformance{HallID: h.ID, Name: "Carmen",
		StartsAt: time.Now().Add(48 * time.Hour), OnSale: true})
	require.NoError(t, err)
	p := perf.ID
	tok, ok := beliefA.Owns(p)
	require.True(t, ok)
	require.EqualValues(t, 1, tok)

	buyer := seating.Actor{Session: "buyer-1"}
	sold, err := a.Hold(ctx, p, buyer, seating.HoldInput{Seats: []string{"S-R1-S1", "S-R1-S2"}})
	require.NoError(t, err)
	o, _, err := coA.Confirm(ctx, checkout.ConfirmInput{Token: sold.Token, Actor: buyer, BuyerName: "Ann", BuyerEmail: "ann@example.com"})
	require.NoError(t, err)
	require.Equal(t, order.Paid, o.Status)
	pending, err := a.Hold(ctx, p, buyer, seating.HoldInput{Seats: []string{"S-R2-S1"}})
	require.NoError(t, err, "a hold A made before it lost the performance")

	// B takes over; A, paused, believes it still owns under token 1.
	takeOver(beliefB, b, p, "node-b", 2)

	_, err = a.Hold(ctx, p, buyer, seating.HoldInput{Seats: []string{"S-R3-S1"}})
	require.ErrorIs(t, err, fence.ErrStale, "A's hold")
	_, _, err = coA.Confirm(ctx, checkout.ConfirmInput{Token: pending.Token, Actor: buyer, BuyerName: "Ann", BuyerEmail: "ann@example.com"})
	require.ErrorIs(t, err, fence.ErrStale, "A's sale of its earlier hold")
	_, err = a.BlockSeats(ctx, p, []uint32{200}, "staff")
	require.ErrorIs(t, err, fence.ErrStale, "A's block")
	err = a.SetStatus(ctx, p, "stopped")
	require.ErrorIs(t, err, fence.ErrStale, "A's stop of sales")

	// Nothing of it was written: one order, no block, no lease of S-R3-S1.
	orders, err := st.ListOrders(ctx, order.Filter{PerformanceID: p, Limit: 10})
	require.NoError(t, err)
	require.Len(t, orders, 1)
	blocks, err := st.Blocks(ctx, p)
	require.NoError(t, err)
	require.Empty(t, blocks)
	ls, err := leases.List(ctx, p)
	require.NoError(t, err)
	for _, l := range ls {
		require.Equal(t, pending.Token, l.Token, "only the hold made before the takeover has a lease")
	}
	pp, err := b.GetPerformance(ctx, p)
	require.NoError(t, err)
	require.Equal(t, "on_sale", pp.Status)

	// B sold what A sold, holds what A held, and sells the rest.
	counts, err := b.Counts(ctx, p)
	require.NoError(t, err)
	require.Equal(t, 2, counts.Sold)
	require.Equal(t, 1, counts.Held)
	_, err = b.Hold(ctx, p, buyer, seating.HoldInput{Seats: []string{"S-R1-S1"}})
	var taken *seating.TakenError
	require.True(t, errors.As(err, &taken), "A's sale stands on B: %v", err)
	h2, err := b.Hold(ctx, p, buyer, seating.HoldInput{Seats: []string{"S-R3-S1"}})
	require.NoError(t, err)
	o2, _, err := coB.Confirm(ctx, checkout.ConfirmInput{Token: h2.Token, Actor: buyer, BuyerName: "Ann", BuyerEmail: "ann@example.com"})
	require.NoError(t, err)
	require.Equal(t, order.Paid, o2.Status)
	_, _, err = coB.Confirm(ctx, checkout.ConfirmInput{Token: pending.Token, Actor: buyer, BuyerName: "Ann", BuyerEmail: "ann@example.com"})
	require.NoError(t, err, "the hold A made before the takeover is sold by B")
}
