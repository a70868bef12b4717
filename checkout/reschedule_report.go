package checkout

import (
	"context"
	"strings"
	"time"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/order"
)

// SideCounts are one date's figures in a reconciliation (seed 003: the
// orders, booked, printed and free seats must be the same on both dates).
type SideCounts struct {
	Orders      int // paid orders holding seats (on the replacement: original orders represented)
	SeatsBooked int // seats of paid orders, not printed
	Printed     int // printed tickets (on the replacement: "gedruckt Vortermin" blocks)
	Reserved    int // seats of reservations (on the replacement also "reserviert Vortermin")
	Blocked     int // seats blocked by staff (not system blocks)
	Free        int
	// On the replacement only: seats still to move, sold there since, and
	// reservations staff released.
	Moving    int
	SoldSince int
	Released  int
}

// DateReconciliation sets a rescheduled performance's original and replacement
// side by side.
type DateReconciliation struct {
	Reschedule catalog.Reschedule
	// StartsAt is the replacement's start as it stands (a PATCH may have
	// moved it since the reschedule).
	StartsAt    time.Time
	Job         catalog.Job
	Origin      SideCounts
	Replacement SideCounts
	Equal       bool
}

// ReconcileDates counts both dates of a reschedule; performanceID is either.
func (s *Service) ReconcileDates(ctx context.Context, performanceID string) (DateReconciliation, error) {
	var rc DateReconciliation
	r, err := s.store.GetReschedule(ctx, performanceID)
	if err != nil {
		return rc, err
	}
	rc.Reschedule = r
	if rc.Job, err = s.store.GetJob(ctx, r.JobID); err != nil {
		return rc, err
	}
	origin, err := s.seats.Performance(ctx, r.OriginID)
	if err != nil {
		return rc, err
	}
	rp, err := s.seats.Performance(ctx, r.ReplacementID)
	if err != nil {
		return rc, err
	}
	rc.StartsAt = rp.Meta().StartsAt
	moves, err := s.store.OrderMoves(ctx, r.OriginID)
	if err != nil {
		return rc, err
	}
	fromMove := map[string]order.Move{} // by new order id
	for _, m := range moves {
		if m.NewOrderID != "" {
			fromMove[m.NewOrderID] = m
		}
		if m.Kind == order.MoveReleased {
			rc.Replacement.Released += m.Seats
		}
	}

	o := &rc.Origin
	originList, err := s.liveOrders(ctx, r.OriginID)
	if err != nil {
		return rc, err
	}
	for _, od := range originList {
		n := 0
		for _, t := range od.Tickets {
			if t.Status != order.TicketLive {
				continue
			}
			n++
			switch {
			case od.Status == order.Reserved:
				o.Reserved++
			case !t.PrintedAt.IsZero():
				o.Printed++
			default:
				o.SeatsBooked++
			}
		}
		if n > 0 && od.Status != order.Reserved {
			o.Orders++
		}
	}
	for _, reason := range origin.BlockReasons() {
		if !catalog.SystemBlock(reason) {
			o.Blocked++
		}
	}
	o.Free = origin.Hall().N() - o.SeatsBooked - o.Printed - o.Reserved - o.Blocked

	x := &rc.Replacement
	represented := map[string]bool{} // original order numbers
	list, err := s.liveOrders(ctx, r.ReplacementID)
	if err != nil {
		return rc, err
	}
	for _, od := range list {
		n := 0
		for _, t := range od.Tickets {
			if t.Status == order.TicketLive {
				n++
			}
		}
		m, moved := fromMove[od.ID]
		switch {
		case !moved:
			x.SoldSince += n
		case od.Status == order.Reserved:
			x.Reserved += n
		default:
			x.SeatsBooked += n
			if n > 0 {
				represented[m.OriginOrderID] = true
			}
		}
	}
	byNumber := make(map[string]string, len(originList)) // original order number → id, for printed blocks
	for _, od := range originList {
		byNumber[od.Number] = od.ID
	}
	for _, reason := range rp.BlockReasons() {
		switch {
		case reason == catalog.BlockMoving:
			x.Moving++
		case strings.HasPrefix(reason, catalog.BlockPrintedPrevious):
			x.Printed++
			if id, ok := byNumber[strings.TrimPrefix(reason, printedPrevious(""))]; ok {
				represented[id] = true
			}
		case strings.HasPrefix(reason, catalog.BlockReservedPrevious):
			x.Reserved++
		case !catalog.SystemBlock(reason):
			x.Blocked++
		}
	}
	x.Orders = len(represented)
	x.Free = rp.Hall().N() - x.SeatsBooked - x.Printed - x.Reserved - x.Blocked - x.Moving - x.SoldSince
	rc.Equal = o.Orders == x.Orders && o.SeatsBooked == x.SeatsBooked && o.Printed == x.Printed &&
		o.Reserved == x.Reserved+x.Released && o.Blocked == x.Blocked && x.Moving == 0 &&
		o.Free+x.Released == x.Free+x.SoldSince
	return rc, nil
}

// liveOrders lists a performance's paid, partly refunded and reserved orders.
func (s *Service) liveOrders(ctx context.Context, performanceID string) ([]order.Order, error) {
	var out []order.Order
	for _, st := range []string{order.Paid, order.PartRefunded, order.Reserved} {
		os, err := s.ordersOf(ctx, performanceID, st)
		if err != nil {
			return nil, err
		}
		out = append(out, os...)
	}
	return out, nil
}
