package postgres

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/fence"
)

// TestFence: orders, blocks, zones and status written under an owner's token
// are refused, writing nothing, once another owner's token is stored; the
// batch writes the other orders of the same batch.
func TestFence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, "")
	performance(t, s, "p", 100)
	performance(t, s, "q", 100)

	tok, err := s.Fence(ctx, "p")
	require.NoError(t, err)
	require.Zero(t, tok, "never owned")
	a := fence.With(ctx, "p", 3)
	_, err = s.CreateOrder(a, newOrder("o0", "p", 1))
	require.ErrorIs(t, err, fence.ErrStale, "no token stored yet: nobody may write under one")

	require.NoError(t, s.AdvanceFence(ctx, "p", 3, "node-a"))
	_, err = s.CreateOrder(a, newOrder("o1", "p", 1))
	require.NoError(t, err, "the owner's order")
	require.NoError(t, s.SetBlocks(a, "p", []uint32{5}, "staff"))

	// node-b takes over; node-a's writes are refused from now on.
	require.NoError(t, s.AdvanceFence(ctx, "p", 4, "node-b"))
	require.ErrorIs(t, s.AdvanceFence(ctx, "p", 4, "node-c"), fence.ErrStale, "a token is taken once")
	require.ErrorIs(t, s.AdvanceFence(ctx, "p", 2, "node-c"), fence.ErrStale, "a token only grows")
	tok, err = s.Fence(ctx, "p")
	require.NoError(t, err)
	require.EqualValues(t, 4, tok)

	_, err = s.CreateOrder(a, newOrder("o2", "p", 2))
	require.ErrorIs(t, err, fence.ErrStale)
	require.ErrorIs(t, s.SetBlocks(a, "p", []uint32{6}, "staff"), fence.ErrStale)
	require.ErrorIs(t, s.ClearBlocks(a, "p", []uint32{5}), fence.ErrStale)
	require.ErrorIs(t, s.SetZones(a, "p", []hall.Zone{{ID: "z", Name: "Z", Price: 100, Currency: "EUR"}}, make([]uint16, 100)), fence.ErrStale)
	require.ErrorIs(t, s.SetPerformanceStatus(a, "p", "on_sale"), fence.ErrStale)
	sold, err := s.SoldSeats(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, []uint32{1}, sold, "the stale order wrote nothing")
	blocks, err := s.Blocks(ctx, "p")
	require.NoError(t, err)
	require.Len(t, blocks, 1)

	// A token of p does not fence q; the new owner writes.
	_, err = s.CreateOrder(a, newOrder("q1", "q", 1))
	require.NoError(t, err)
	b := fence.With(ctx, "p", 4)
	_, err = s.CreateOrder(b, newOrder("o3", "p", 2))
	require.NoError(t, err)

	// In one batch: the stale order goes back alone and is refused, the
	// others of the batch are written.
	batch := []*orderRequest{
		request(a, stamped(newOrder("o4", "p", 3))),
		request(b, stamped(newOrder("o5", "p", 4))),
		request(ctx, stamped(newOrder("q2", "q", 2))),
	}
	for _, r := range batch {
		r.args.fence, r.args.perf = 0, ""
		if tok, ok := fence.From(r.ctx, "p"); ok {
			r.args.fence, r.args.perf = tok, "p"
		}
	}
	reqs := slices.Clone(batch) // writeBatch deletes from its slice
	s.writeBatch(batch)
	got := make([]verdict, len(reqs))
	for i, r := range reqs {
		got[i] = <-r.done
	}
	require.Equal(t, []verdict{verdictAlone, verdictWritten, verdictWritten}, got)
	require.ErrorIs(t, s.insertOrder(a, reqs[0].args), fence.ErrStale)
}

// TestFenceWaitsForWritesUnderWay: a takeover waits for the former owner's
// transaction that checked its token, and that transaction's order is in
// place when the takeover returns: the new owner rebuilds from a store that
// has every write of its predecessor.
func TestFenceWaitsForWritesUnderWay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, "")
	performance(t, s, "p", 100)
	require.NoError(t, s.AdvanceFence(ctx, "p", 1, "node-a"))

	tx, err := s.pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, checkFence, "p", int64(1))
	require.NoError(t, err)

	took := make(chan error, 1)
	go func() { took <- s.AdvanceFence(ctx, "p", 2, "node-b") }()
	select {
	case err := <-took:
		t.Fatalf("the takeover did not wait for the owner's transaction: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	_, err = tx.Exec(ctx, `INSERT INTO blocks (performance_id, seat_index, reason) VALUES ('p', 9, 'staff')`)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	select {
	case err := <-took:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the takeover never finished")
	}
	blocks, err := s.Blocks(ctx, "p")
	require.NoError(t, err)
	require.Len(t, blocks, 1, "the former owner's write landed before the takeover")
	if _, err := s.fencedExec(fence.With(ctx, "p", 1), "p", `SELECT 1`); !errors.Is(err, fence.ErrStale) {
		t.Fatalf("after the takeover the old token writes: %v", err)
	}
}
