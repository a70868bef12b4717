package checkout_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/internal/startstop"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease/memory"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store/sqlite"
	"github.com/seatmap/seatmap/voucher"
)

// TestStartStopContract: the checkout's lapse and reminder loop keeps the
// start/stop contract every long-running part keeps.
func TestStartStopContract(t *testing.T) {
	t.Parallel()
	testkit.StartStop(t, func(t *testing.T) startstop.Service {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "seatmap.db"))
		require.NoError(t, err)
		t.Cleanup(st.Close)
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		seats := seating.New(seating.Config{Store: st, Leases: memory.New(memory.Options{}), Logger: log})
		return checkout.New(checkout.Config{Store: st, Seats: seats, Vouchers: voucher.NewService(st), Logger: log})
	})
}
