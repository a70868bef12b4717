package pricing

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/order"
)

func TestTickets(t *testing.T) {
	zones := []hall.Zone{{ID: "premium", Price: 8900, Currency: "EUR"}, {ID: "value", Price: 3400, Currency: "EUR"}}
	id := func(s uint32) string { return fmt.Sprint("S", s) }
	tickets, total, cur, err := Tickets(zones, []uint16{0, 1, 1}, []uint32{7, 8, 9}, id)
	require.NoError(t, err)
	require.Equal(t, int64(8900+3400+3400), total)
	require.Equal(t, "EUR", cur)
	require.Equal(t, order.Ticket{Seat: 8, SeatID: "S8", Zone: "value", Price: 3400, Status: order.TicketLive,
		Fare: NormalFareID, FareName: NormalFareName}, tickets[1])

	for _, zoneOf := range [][]uint16{{0, hall.NoZone, 1}, {0, 2, 1}} {
		_, _, _, err = Tickets(zones, zoneOf, []uint32{7, 8, 9}, id)
		var un *UnpricedError
		require.True(t, errors.As(err, &un))
		require.Equal(t, uint32(8), un.Seat, "the seat without a zone is named")
	}
}
