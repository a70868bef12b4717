package order_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/order"
)

func TestNextNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		series string
		number int
		want   string
	}{
		{"AA", 1, "AA 000002"},
		{"AA", 999_998, "AA 999999"},
		{"AA", 999_999, "AB 000001"},
		{"AZ", 999_999, "BA 000001"},
		{"QK", 999_999, "QL 000001"},
	} {
		s, n, err := order.NextNumber(tc.series, tc.number)
		require.NoError(t, err)
		require.Equal(t, tc.want, order.FormNumber(s, n))
	}
	_, _, err := order.NextNumber("ZZ", order.MaxNumber)
	require.ErrorIs(t, err, order.ErrSeriesExhausted)
	_, _, err = order.NextNumber("a1", order.MaxNumber)
	require.Error(t, err)
	require.True(t, order.Issued(order.Paid) && order.Issued(order.PartRefunded) && order.Issued(order.Refunded))
	require.False(t, order.Issued(order.Reserved) || order.Issued(order.PendingPayment) || order.Issued(order.Annulled))
}
