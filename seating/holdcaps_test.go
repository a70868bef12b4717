package seating_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease/memory"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store/sqlite"
	"github.com/seatmap/seatmap/voucher"
)

// TestHoldCaps: a buyer session and a client address may hold only so many
// seats at once; a released, confirmed or expired hold stops counting; staff
// are not capped.
func TestHoldCaps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/seatmap.db")
	require.NoError(t, err)
	defer st.Close()
	clock := testkit.NewClock(time.Now())
	svc := seating.New(seating.Config{
		Store: st, Leases: memory.New(memory.Options{Now: clock.Now}), Now: clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HoldTTL: 10 * time.Minute,
		MaxHoldSeats: 4, MaxHeldPerSession: 6, MaxHeldPerAddress: 10,
	})
	perf := createPerformance(t, svc)
	hold := func(a seating.Actor, n int) (seating.Hold, error) {
		return svc.Hold(ctx, perf, a, seating.HoldInput{BestCount: n})
	}
	ann := seating.Actor{Session: "ann", Address: "192.0.2.1"}
	first, err := hold(ann, 4)
	require.NoError(t, err)
	clock.Add(time.Minute)
	_, err = hold(ann, 2)
	require.NoError(t, err)
	_, err = hold(ann, 1)
	var capped *seating.HoldCapError
	require.ErrorAs(t, err, &capped)
	require.Equal(t, "session", capped.Cap)
	require.Equal(t, 6, capped.Limit)
	require.Equal(t, 6, capped.Held)
	require.True(t, capped.OldestEnds.Equal(first.Expires), "the oldest hold's deadline: %s, want %s", capped.OldestEnds, first.Expires)

	// Another session at the same address: the address has 4 seats left.
	bob := seating.Actor{Session: "bob", Address: "192.0.2.1"}
	_, err = hold(bob, 4)
	require.NoError(t, err)
	_, err = hold(bob, 1)
	require.ErrorAs(t, err, &capped)
	require.Equal(t, "address", capped.Cap)
	require.Equal(t, 10, capped.Held)
	// Another address is not affected, and staff are never capped.
	_, err = hold(seating.Actor{Session: "cy", Address: "192.0.2.2"}, 4)
	require.NoError(t, err)
	for range 4 {
		_, err = hold(seating.Actor{Session: "desk", Address: "192.0.2.1", StaffID: "u1", Login: "olga", Role: "box_office"}, 4)
		require.NoError(t, err)
	}

	// Releasing frees room at once; confirming too.
	require.NoError(t, svc.Release(ctx, first.Token, ann))
	again, err := hold(ann, 4)
	require.NoError(t, err)
	_, err = hold(bob, 1)
	require.ErrorAs(t, err, &capped, "the address is full again")
	_, _, err = checkout.New(checkout.Config{Store: st, Seats: svc, Vouchers: voucher.NewService(st), Now: clock.Now}).Confirm(ctx, checkout.ConfirmInput{Token: again.Token, Actor: ann, BuyerName: "Ann", BuyerEmail: "ann@example.com"})
	require.NoError(t, err)
	_, err = hold(bob, 1)
	require.NoError(t, err)

	// Holds stop counting at their deadline, whoever notices the expiry.
	clock.Add(11 * time.Minute)
	for range 2 {
		_, err = hold(ann, 3)
		require.NoError(t, err)
	}
}
