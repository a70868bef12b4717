package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/store/backend"
)

// runReports checks the reports of issue 17: the codes breakdown, the sales
// over time by UTC quarter hour (the same rows from every adapter), and that
// a report's several queries read one snapshot while orders are written.
func runReports(t *testing.T, f *fixture, openWith func(t *testing.T, now func() time.Time) backend.Store) {
	ctx := context.Background()

	t.Run("SalesTimelineAndCodes", func(t *testing.T) {
		t.Parallel()
		at := func(s string) time.Time {
			v, err := time.Parse(time.RFC3339, s)
			require.NoError(t, err)
			return v
		}
		clock := testkit.NewClock(at("2026-10-24T21:50:07Z"))
		s := openWith(t, clock.Now)
		h := f.hall(t, s)
		p, q := f.perf(t, s, h, day), f.perf(t, s, h, day)
		promo := f.promotion(t, s, 0)
		create := func(o order.Order) order.Order {
			t.Helper()
			got, err := s.CreateOrder(ctx, o)
			require.NoError(t, err)
			return got
		}
		first := create(withCode(f.order(p, "s", "", 1, 2), promo.Code, 1000)) // 21:45 quarter
		clock.Add(at("2026-10-24T22:14:59Z").Sub(clock.Now()))
		create(f.order(p, "s", "", 3)) // 22:00 quarter
		create(reserved(f.order(p, "s", "", 4)))
		create(f.order(q, "s", "", 1)) // another performance
		clock.Add(at("2026-10-25T01:20:00Z").Sub(clock.Now()))
		_, rf, _, err := s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: first.ID, Seats: []uint32{2},
			Method: "online", IdempotencyKey: "k", Change: order.Change{Actor: "buyer"}})
		require.NoError(t, err)
		require.Equal(t, int64(4500), rf.Amount, "50.00 less its half of the 10.00 off")

		rows, err := s.SalesTimeline(ctx, report.Filter{PerformanceID: p.ID})
		require.NoError(t, err)
		require.Equal(t, []report.TimeRow{
			{At: at("2026-10-24T21:45:00Z"), Orders: 1, Tickets: 1, Gross: 10000, Discounts: 1000},
			{At: at("2026-10-24T22:00:00Z"), Orders: 1, Tickets: 1, Gross: 5000},
			{At: at("2026-10-25T01:15:00Z"), Refunds: 1, Refunded: 4500},
		}, rows)
		all, err := s.SalesTimeline(ctx, report.Filter{})
		require.NoError(t, err)
		require.Len(t, all, 3)
		require.Equal(t, 2, all[1].Orders, "all performances")
		some, err := s.SalesTimeline(ctx, report.Filter{PerformanceID: p.ID, From: at("2026-10-24T22:00:00Z"), To: at("2026-10-25T01:00:00Z")})
		require.NoError(t, err)
		require.Equal(t, []report.TimeRow{{At: at("2026-10-24T22:00:00Z"), Orders: 1, Tickets: 1, Gross: 5000}}, some)

		// The timeline adds up to the report's total.
		r, err := s.SalesReport(ctx, report.Filter{PerformanceID: p.ID})
		require.NoError(t, err)
		points, err := report.Timeline(rows, time.UTC, report.Hour, time.Time{}, time.Time{})
		require.NoError(t, err)
		var sum report.Point
		for _, pt := range points {
			sum.Orders += pt.Orders
			sum.Tickets += pt.Tickets
			sum.Gross += pt.Gross
			sum.Discounts += pt.Discounts
			sum.Refunded += pt.Refunded
			sum.Net += pt.Net
		}
		require.Equal(t, r.Total.PaidOrders, sum.Orders)
		require.Equal(t, r.Total.Seats, sum.Tickets)
		require.Equal(t, r.Total.Gross, sum.Gross)
		require.Equal(t, r.Total.Discounts, sum.Discounts)
		require.Equal(t, r.Total.Refunded, sum.Refunded)
		require.Equal(t, r.Total.Net, sum.Net)

		// The export: the same report and rows, from one snapshot.
		er, erows, err := s.SalesExport(ctx, report.Filter{PerformanceID: p.ID})
		require.NoError(t, err)
		require.Equal(t, r, er)
		require.Equal(t, rows, erows)

		// The codes: uses and discount of the paid orders made with each.
		require.Equal(t, []report.CodeLine{{Code: promo.Code, Uses: 1, Discount: 1000}}, r.Codes)
		none, err := s.SalesReport(ctx, report.Filter{PerformanceID: q.ID})
		require.NoError(t, err)
		require.Empty(t, none.Codes)
	})

	t.Run("SalesReportSnapshotUnderWrites", func(t *testing.T) {
		// Orders of two seats, each with 5.00 off, are written while the
		// report is read again and again: every report must agree with
		// itself (the orders query with the tickets query, the total with
		// its lines), which only one snapshot for all its queries ensures.
		t.Parallel()
		s := openWith(t, nil)
		h := f.hall(t, s)
		p := f.perf(t, s, h, day)
		promo := f.promotion(t, s, 0)
		const writers, perWriter = 4, 30
		var done atomic.Bool
		var wg sync.WaitGroup
		paid := make(chan string, writers*perWriter)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWriter {
					seat := uint32(2*(w*perWriter+i) + 1)
					o, err := s.CreateOrder(ctx, withCode(f.order(p, "s", "", seat, seat+1), promo.Code, 500))
					if err != nil {
						t.Errorf("create order: %v", err)
						return
					}
					paid <- o.ID
				}
			}()
		}
		var refunds sync.WaitGroup
		refunds.Add(1)
		go func() {
			// Refund one seat of every third order as they come.
			defer refunds.Done()
			n := 0
			for id := range paid {
				if n++; n%3 != 0 {
					continue
				}
				o, err := s.GetOrder(ctx, id)
				if err != nil {
					t.Errorf("get order: %v", err)
					return
				}
				_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: id, Seats: []uint32{o.Tickets[0].Seat},
					Method: "online", IdempotencyKey: "k" + id, Change: order.Change{Actor: "buyer"}})
				if err != nil {
					t.Errorf("refund: %v", err)
					return
				}
			}
		}()
		go func() { wg.Wait(); close(paid); refunds.Wait(); done.Store(true) }()

		reads := 0
		check := func(r report.Sales) {
			t.Helper()
			tot := r.Total
			msg := fmt.Sprintf("report %d: %+v", reads, tot)
			require.Equal(t, tot.Gross-tot.Discounts-tot.Refunded, tot.Net, msg)
			require.Equal(t, 2*tot.PaidOrders, tot.Seats+tot.RefundedSeats, "the orders query and the tickets query: "+msg)
			require.Equal(t, int64(10000)*int64(tot.PaidOrders), tot.Gross, msg)
			require.Equal(t, int64(500)*int64(tot.PaidOrders), tot.Discounts, msg)
			require.Equal(t, tot.Refunds, tot.RefundedSeats, "one seat a refund: "+msg)
			var zones, channels, fares report.Figures
			for _, l := range r.Zones {
				zones.Seats += l.Seats
				zones.RefundedSeats += l.RefundedSeats
				zones.Gross += l.Gross
				zones.Refunded += l.Refunded
			}
			for _, l := range r.Channels {
				channels.PaidOrders += l.PaidOrders
				channels.Seats += l.Seats
				channels.Gross += l.Gross
				channels.Discounts += l.Discounts
				channels.Refunded += l.Refunded
				channels.Net += l.Net
			}
			for _, l := range r.Fares {
				fares.Seats += l.Seats
				fares.Gross += l.Gross
			}
			require.Equal(t, tot.Seats, zones.Seats, msg)
			require.Equal(t, tot.RefundedSeats, zones.RefundedSeats, msg)
			require.Equal(t, tot.Gross, zones.Gross, msg)
			require.Equal(t, tot.Refunded, zones.Refunded, "seat refunds are the zones': "+msg)
			require.Equal(t, tot.Seats, fares.Seats, msg)
			require.Equal(t, tot.Gross, fares.Gross, msg)
			require.Equal(t, tot.PaidOrders, channels.PaidOrders, msg)
			require.Equal(t, tot.Seats, channels.Seats, msg)
			require.Equal(t, tot.Gross, channels.Gross, msg)
			require.Equal(t, tot.Discounts, channels.Discounts, msg)
			require.Equal(t, tot.Refunded, channels.Refunded, msg)
			require.Equal(t, tot.Net, channels.Net, msg)
			uses := 0
			var given int64
			for _, c := range r.Codes {
				uses += c.Uses
				given += c.Discount
			}
			require.Equal(t, tot.PaidOrders, uses, msg)
			require.Equal(t, tot.Discounts, given, msg)
		}
		for !done.Load() {
			r, err := s.SalesReport(ctx, report.Filter{PerformanceID: p.ID})
			require.NoError(t, err)
			check(r)
			reads++
		}
		r, err := s.SalesReport(ctx, report.Filter{PerformanceID: p.ID})
		require.NoError(t, err)
		check(r)
		require.Equal(t, writers*perWriter, r.Total.PaidOrders)
		require.Equal(t, writers*perWriter/3, r.Total.Refunds)
		t.Logf("%d reports read while %d orders and %d refunds were written", reads, writers*perWriter, r.Total.Refunds)
		require.Greater(t, reads, 1)
	})
}
