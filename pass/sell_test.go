package pass

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSellBlockReceipt(t *testing.T) {
	t.Parallel()
	block := Product{ID: "pr1", Kind: KindBlock, Name: "10er", Price: 8000, Currency: "EUR", Channels: []string{"web"}, Rules: Rules{Cards: 10}}
	require.NoError(t, block.Normalize())
	ps := Sell(block, 2, 2, time.Date(2027, 5, 1, 10, 0, 0, 0, time.UTC), time.UTC, Facility{})
	require.Len(t, ps, 20)
	var total int64
	for i, p := range ps {
		require.Equal(t, 2, p.Line)
		require.Equal(t, i/10, p.Unit, "each block is a unit of its own")
		if i%10 == 0 {
			require.Equal(t, int64(8000), p.Price)
		} else {
			require.Zero(t, p.Price)
		}
		require.Equal(t, StateHandedOver, p.State)
		require.False(t, p.Personalize)
		total += p.Price
	}
	require.Equal(t, int64(16000), total)
}

func TestInitialState(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p    Product
		want string
	}{
		{annual(), StateAwaitingPersonalization},
		{Product{Kind: KindCustomer}, StateAwaitingPersonalization},
		{Product{Kind: KindMultiDay, Rules: Rules{Personalized: true}}, StateAwaitingPersonalization},
		{Product{Kind: KindMultiDay}, StateHandedOver},
		{dayTicket(), StateHandedOver},
	} {
		require.Equal(t, c.want, c.p.InitialState(), c.p.Kind)
	}
}

// A calendar-bound pass is valid for the period that holds the day of sale
// in the venue's zone: 23:30 UTC on 31 March is already April in Vienna.
func TestSaleValidityInTheVenuesZone(t *testing.T) {
	t.Parallel()
	vienna, err := time.LoadLocation("Europe/Vienna")
	require.NoError(t, err)
	month := Product{Kind: KindMonth, Name: "Monat", Price: 4000, Currency: "EUR", Channels: []string{"web"}}
	require.NoError(t, month.Normalize())
	at := time.Date(2027, 3, 31, 23, 30, 0, 0, time.UTC)
	from, to := month.SaleValidity(at, vienna, Facility{})
	require.Equal(t, "2027-04-01", from.String())
	require.Equal(t, "2027-04-30", to.String())
	from, to = month.SaleValidity(at, time.UTC, Facility{})
	require.Equal(t, "2027-03-01", from.String())
	require.Equal(t, "2027-03-31", to.String())

	// First use leaves the period open; fixed dates are the product's.
	day := dayTicket()
	require.NoError(t, day.Normalize())
	from, to = day.SaleValidity(at, vienna, Facility{})
	require.True(t, from.IsZero() && to.IsZero())
	a := annual()
	require.NoError(t, a.Normalize())
	from, to = a.SaleValidity(at, vienna, Facility{})
	require.Equal(t, "2027-01-01", from.String())
	require.Equal(t, "2027-12-31", to.String())
}
