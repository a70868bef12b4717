// Package pricing says what seats cost: each seat the face value of its price
// zone, as the performance's zone map stands when the hold is pinned for
// sale. What a voucher takes off is voucher.Evaluate's, what a refund gives
// back is order.SeatRefundAmount's.
package pricing

import (
	"fmt"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/order"
)

// UnpricedError names a seat in no zone (or a zone no longer listed): it
// cannot be sold.
type UnpricedError struct {
	Seat uint32
}

func (e *UnpricedError) Error() string { return fmt.Sprintf("seat %d has no price", e.Seat) }

// Tickets prices seats: zoneOf[i] is the zone index of seats[i] into zones
// (hall.NoZone for none), seatID names a seat. It returns live tickets, their
// total and currency.
func Tickets(zones []hall.Zone, zoneOf []uint16, seats []uint32, seatID func(uint32) string) ([]order.Ticket, int64, string, error) {
	tickets := make([]order.Ticket, 0, len(seats))
	var total int64
	currency := ""
	for i, seat := range seats {
		if zoneOf[i] == hall.NoZone || int(zoneOf[i]) >= len(zones) {
			return nil, 0, "", &UnpricedError{Seat: seat}
		}
		z := zones[zoneOf[i]]
		tickets = append(tickets, order.Ticket{Seat: seat, SeatID: seatID(seat), Zone: z.ID, Price: z.Price, Status: order.TicketLive,
			Fare: NormalFareID, FareName: NormalFareName})
		total += z.Price
		currency = z.Currency
	}
	return tickets, total, currency, nil
}
