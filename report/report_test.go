package report

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBuilderSums adds two channels' orders, tickets and refunds: the total
// and the channels sum them, zones carry their tickets' shares, and net is
// gross less discounts and refunds everywhere.
func TestBuilderSums(t *testing.T) {
	b := NewBuilder()
	b.Orders("web", "EUR", 1, 2, 1500)
	b.Orders("box_office", "CHF", 0, 1, 0) // the first currency seen stands
	b.Tickets("web", "premium", 2, 3, 1, 27000, 1500, 8000)
	b.Tickets("box_office", "standard", 0, 2, 0, 10000, 0, 0)
	b.Refunds("web", 1, 8000)
	r := b.Report()

	require.Equal(t, "EUR", r.Currency)
	require.Equal(t, Figures{Reservations: 1, ReservedSeats: 2, PaidOrders: 3, Seats: 5, RefundedSeats: 1, Refunds: 1,
		Gross: 37000, Discounts: 1500, Refunded: 8000, Net: 27500}, r.Total)
	require.Equal(t, []string{"box_office", "web"}, []string{r.Channels[0].Key, r.Channels[1].Key}, "sorted by key")
	web := r.Channels[1].Figures
	require.Equal(t, int64(27000-1500-8000), web.Net)
	require.Equal(t, []string{"premium", "standard"}, []string{r.Zones[0].Key, r.Zones[1].Key})
	premium := r.Zones[0].Figures
	require.Equal(t, int64(1500), premium.Discounts, "a zone's discounts are its tickets' shares")
	require.Equal(t, int64(8000), premium.Refunded)
	require.Equal(t, int64(17500), premium.Net)

	// Passes add to the total, their channel and their product.
	b = NewBuilder()
	b.Orders("box_office", "EUR", 0, 1, 0)
	b.Passes("box_office", "10er-Block", 0, 10, 8000, 0, 8000)
	b.Passes("box_office", "Tageskarte", 2, 0, 3000, 0, 0)
	b.Refunds("box_office", 1, 8000)
	r = b.Report()
	require.Equal(t, Figures{PaidOrders: 1, Passes: 2, RefundedPasses: 10, Refunds: 1, Gross: 11000, Refunded: 8000, Net: 3000}, r.Total)
	require.Equal(t, []string{"10er-Block", "Tageskarte"}, []string{r.Products[0].Key, r.Products[1].Key})
	require.Equal(t, int64(0), r.Products[0].Net, "a block refunded whole nets nothing")
	require.Equal(t, int64(3000), r.Products[1].Net)
	require.Equal(t, r.Total, r.Channels[0].Figures)
}
