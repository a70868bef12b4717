package voucher_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/store/postgres"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
	"github.com/seatmap/seatmap/store/sqlite"
	"github.com/seatmap/seatmap/voucher"
)

// stores opens an empty store of each kind for a test.
func stores(t *testing.T) map[string]voucher.Store {
	t.Helper()
	lite, err := sqlite.Open(context.Background(), t.TempDir()+"/seatmap.db")
	require.NoError(t, err)
	t.Cleanup(lite.Close)
	pg, err := postgres.Open(context.Background(), pgtest.Schema(t, ""))
	require.NoError(t, err)
	t.Cleanup(pg.Close)
	return map[string]voucher.Store{"sqlite": lite, "postgres": pg}
}

// TestVoucherBatch makes the largest batch: 10,000 distinct codes of the
// prefix and 12 symbols without look-alikes; a batch too large or a bad
// prefix changes nothing.
func TestVoucherBatch(t *testing.T) {
	t.Parallel()
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			svc := voucher.NewService(st)
			for _, bad := range []voucher.NewBatch{
				{Name: "x", Count: 10001, Value: voucher.Value{Percent: 10}},
				{Name: "x", Count: 0, Value: voucher.Value{Percent: 10}},
				{Name: "x", Count: 5, Prefix: "TOOLONGPREFIX", Value: voucher.Value{Percent: 10}},
				{Name: "x", Count: 5, Prefix: "ÜBER", Value: voucher.Value{Percent: 10}},
				{Name: "", Count: 5, Value: voucher.Value{Percent: 10}},
				{Name: "x", Count: 5, Value: voucher.Value{Percent: 101}},
				{Name: "x", Count: 5, Value: voucher.Value{Amount: -1, Currency: "EUR"}},
			} {
				_, _, err := svc.CreateBatch(ctx, bad, "olga")
				var in *input.Error
				require.ErrorAs(t, err, &in, "%+v", bad)
			}
			batches, err := svc.Batches(ctx)
			require.NoError(t, err)
			require.Empty(t, batches)

			b, codes, err := svc.CreateBatch(ctx, voucher.NewBatch{Name: "Gift", Prefix: "xmas", Count: voucher.MaxBatch, Value: voucher.Value{Amount: 5000, Currency: "eur"}}, "olga")
			require.NoError(t, err)
			require.Equal(t, voucher.MaxBatch, b.Count)
			require.Equal(t, "EUR", b.Currency)
			require.Len(t, codes, voucher.MaxBatch)
			seen := map[string]bool{}
			for _, c := range codes {
				require.False(t, seen[c.Code])
				seen[c.Code] = true
				require.True(t, strings.HasPrefix(c.Code, "XMAS"))
				rest := c.Code[4:]
				require.Len(t, rest, 12)
				require.False(t, strings.ContainsAny(rest, "01ILOUV"), rest)
			}
			stored, err := svc.Codes(ctx, voucher.Filter{BatchID: b.ID, Limit: voucher.MaxBatch})
			require.NoError(t, err)
			require.Len(t, stored, voucher.MaxBatch)
			require.Equal(t, "olga", stored[0].CreatedBy)
		})
	}
}
