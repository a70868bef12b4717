package checkout_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/pricing"
	"github.com/seatmap/seatmap/seating"
)

// TestFaresInTheOrder: a seat sold at a reduced fare is priced by the
// performance's fares, its ticket keeps the fare, and the e-mail names it
// under the seat; normal tickets name none. Buyers are shown only the fares
// the web may choose.
func TestFaresInTheOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTicketsEnv(t)
	_, _, err := e.co.SetFares(ctx, e.perf, []pricing.Fare{
		{ID: "normal"},
		{ID: "student", Name: "Student", Kind: pricing.FareReduced, Prices: map[string]int64{"premium": 4500}},
		{ID: "mixer", Name: "Mixerplatz", Kind: pricing.FareFree, StaffOnly: true},
	})
	require.NoError(t, err)
	web, _, err := e.co.Fares(ctx, e.perf, false)
	require.NoError(t, err)
	require.Len(t, web, 2)
	all, _, err := e.co.Fares(ctx, e.perf, true)
	require.NoError(t, err)
	require.Len(t, all, 3)

	buyer := seating.Actor{Session: "b1"}
	o, _, err := e.co.Confirm(ctx, checkout.ConfirmInput{Token: e.hold(t, buyer, "S-R3-S10", "S-R3-S11"), Actor: buyer,
		BuyerName: "Ada", BuyerEmail: "ada@example.com", Fares: map[string]string{"S-R3-S10": "student"}})
	require.NoError(t, err)
	require.Equal(t, int64(4500+8900), o.Total)
	require.Equal(t, "student", o.Tickets[0].Fare)
	require.Equal(t, "normal", o.Tickets[1].Fare)
	body := e.mail(t, o.ID)[0].Body
	require.Contains(t, body, "Fare: Student")
	require.Contains(t, body, money.Format(4500, "EUR"))
	require.Equal(t, 1, strings.Count(body, "Fare: "), "the normal ticket names no fare")
}
