package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store/postgres"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
)

// TestOrderHistoryCannotBeEdited: not even a session with raw SQL can change
// or remove an order's history.
func TestOrderHistoryCannotBeEdited(t *testing.T) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.Schema(t, ""))
	require.NoError(t, err)
	defer s.Close()
	layout := hall.Theatre()
	h, err := hall.Parse(bytes.NewReader(mustJSON(t, layout)))
	require.NoError(t, err)
	require.NoError(t, s.CreateHall(ctx, catalog.Hall{ID: "h1", Name: "T", Layout: mustJSON(t, layout), Seats: h.N()}))
	require.NoError(t, s.CreatePerformance(ctx, catalog.Performance{ID: "p1", HallID: "h1", Name: "P", StartsAt: time.Now(), Status: catalog.OnSale}))
	_, err = s.CreateOrder(ctx, order.Order{ID: "o1", Number: "N1", PerformanceID: "p1", Status: order.Paid, Session: "s", HoldToken: "t",
		Total: 100, Currency: "EUR", Tickets: []order.Ticket{{Seat: 1, SeatID: "a", Zone: "z", Price: 100, Status: order.TicketLive}},
		Origin: order.Change{Actor: "buyer"}})
	require.NoError(t, err)
	for _, q := range []string{
		`UPDATE order_events SET actor = 'someone else'`,
		`DELETE FROM order_events`,
		`TRUNCATE order_events`,
	} {
		_, err := s.Pool().Exec(ctx, q)
		require.ErrorContains(t, err, "order history cannot be edited", q)
	}
	events, err := s.OrderHistory(ctx, "o1")
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.Equal(t, "buyer", events[0].Actor)
}

func mustJSON(t *testing.T, l hall.Layout) []byte {
	t.Helper()
	b, err := json.Marshal(l)
	require.NoError(t, err)
	return b
}
