package seating_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/startstop"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease/memory"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store/sqlite"
)

// TestStartStopContract: the sweeper keeps the start/stop contract every
// long-running part keeps.
func TestStartStopContract(t *testing.T) {
	t.Parallel()
	testkit.StartStop(t, func(t *testing.T) startstop.Service {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "seatmap.db"))
		require.NoError(t, err)
		t.Cleanup(st.Close)
		return seating.New(seating.Config{Store: st, Leases: memory.New(memory.Options{}), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
}
