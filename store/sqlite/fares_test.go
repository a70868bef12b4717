package sqlite

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/pricing"
)

// TestFaresMigration: migration 0014 on a database with a performance and
// a ticket sold before fares gives the performance its normal fare and the
// ticket the normal fare, its price kept.
func TestFaresMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := tempPath(t)
	s := open(t, path)
	_, err := sellSeat4(t, s)("o1")
	require.NoError(t, err)
	// Back to the schema before 0014, the rows as they were.
	for _, q := range []string{`DROP TABLE performance_fares`, `ALTER TABLE tickets DROP COLUMN fare`,
		`ALTER TABLE tickets DROP COLUMN fare_name`, `DELETE FROM schema_migrations WHERE version = 14`} {
		_, err = s.w.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	s.Close()

	s = open(t, path)
	fares, err := s.PerformanceFares(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, []pricing.Fare{{ID: "normal", Name: "Normal", Kind: pricing.FareNormal, Prices: map[string]int64{}}}, fares)
	o, err := s.GetOrder(ctx, "o1")
	require.NoError(t, err)
	require.Len(t, o.Tickets, 1)
	require.Equal(t, "normal", o.Tickets[0].Fare)
	require.Equal(t, "Normal", o.Tickets[0].FareName)
	require.Equal(t, int64(1), o.Tickets[0].Price)
}
