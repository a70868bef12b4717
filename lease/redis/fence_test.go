package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seatmap/seatmap/internal/fence"
	"github.com/seatmap/seatmap/lease"
)

// TestFencedWrites: a write carrying an owner's token is made only while the
// owner record names that token; an older token writes nothing and gets
// fence.ErrStale, whatever the write.
func TestFencedWrites(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	const perf = "fenced"
	owner := OwnerKey(s.prefix, perf)
	if err := c.Set(ctx, owner, "node-a|7|127.0.0.1:1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Minute)
	a := fence.With(ctx, perf, 7)
	if err := s.Acquire(a, lease.Lease{Performance: perf, Token: "t1", Owner: "o", Seats: []uint32{1, 2}, Expires: exp}); err != nil {
		t.Fatalf("owner's acquire: %v", err)
	}
	// Another node takes over with token 8.
	if err := c.Set(ctx, owner, "node-b|8|127.0.0.1:2", 0).Err(); err != nil {
		t.Fatal(err)
	}
	err := s.Acquire(a, lease.Lease{Performance: perf, Token: "t2", Owner: "o", Seats: []uint32{3}, Expires: exp})
	if !errors.Is(err, fence.ErrStale) {
		t.Fatalf("stale acquire: %v, want fence.ErrStale", err)
	}
	if err := s.Extend(a, perf, "t1", exp.Add(time.Minute)); !errors.Is(err, fence.ErrStale) {
		t.Fatalf("stale extend: %v, want fence.ErrStale", err)
	}
	if err := s.Release(a, perf, "t1"); !errors.Is(err, fence.ErrStale) {
		t.Fatalf("stale release: %v, want fence.ErrStale", err)
	}
	// Nothing of the stale writes landed: t1 holds seats 1 and 2 until exp,
	// seat 3 is free.
	ls, err := s.List(ctx, perf)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 1 || ls[0].Token != "t1" || len(ls[0].Seats) != 2 || ls[0].Expires.UnixMilli() != exp.UnixMilli() {
		t.Fatalf("leases after stale writes: %+v", ls)
	}
	// The new owner writes; so does an unfenced caller (one node).
	b := fence.With(ctx, perf, 8)
	if err := s.Acquire(b, lease.Lease{Performance: perf, Token: "t2", Owner: "o", Seats: []uint32{3}, Expires: exp}); err != nil {
		t.Fatalf("new owner's acquire: %v", err)
	}
	if err := s.Extend(b, perf, "t1", exp.Add(time.Minute)); err != nil {
		t.Fatalf("new owner's extend: %v", err)
	}
	if err := s.Release(b, perf, "t2"); err != nil {
		t.Fatalf("new owner's release: %v", err)
	}
	// No owner record at all: a fenced write is refused too.
	if err := c.Del(ctx, owner).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(b, perf, "t1"); !errors.Is(err, fence.ErrStale) {
		t.Fatalf("release without an owner: %v, want fence.ErrStale", err)
	}
	if err := s.Release(ctx, perf, "t1"); err != nil {
		t.Fatalf("unfenced release: %v", err)
	}
}
