package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

// numberAll runs the numberer until the queue is empty and returns how many
// numbers it drew.
func numberAll(t *testing.T, s backend.Store) int {
	t.Helper()
	total := 0
	for {
		n, err := s.NumberTickets(context.Background(), 3) // small rounds: several per test
		require.NoError(t, err)
		if n == 0 {
			// An order whose tickets were all numbered already leaves the
			// queue with 0 drawn: one more round says the queue is empty.
			if n, err = s.NumberTickets(context.Background(), 1000); err != nil || n == 0 {
				require.NoError(t, err)
				return total
			}
		}
		total += n
	}
}

// runTicketNumbers checks the register of ticket numbers: an order's tickets
// get numbers once it is paid, in the order orders were paid, each number
// once and none skipped; a refund keeps the number; a reprint voids it and
// draws the next.
func runTicketNumbers(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()

	t.Run("TicketNumbers", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		paid, err := s.CreateOrder(ctx, f.order(p, "s", "", 3, 1, 2))
		require.NoError(t, err)
		res := f.order(p, "s", "", 10, 11)
		res.Status, res.Deadline = order.Reserved, time.Now().Add(time.Hour)
		res, err = s.CreateOrder(ctx, res)
		require.NoError(t, err)

		require.Equal(t, 3, numberAll(t, s), "a reservation's tickets are not issued")
		nums, err := s.TicketNumbers(ctx, []string{paid.ID, res.ID})
		require.NoError(t, err)
		require.Len(t, nums, 3)
		bySeat := map[string]string{}
		for _, tk := range paid.Tickets {
			bySeat[tk.ID] = tk.SeatID
		}
		for i, n := range nums {
			require.Equal(t, order.FirstSeries, n.Series)
			require.Equal(t, i+1, n.Number)
			require.Equal(t, paid.ID, n.OrderID)
			require.Equal(t, p.ID, n.PerformanceID)
			require.False(t, n.Voided())
			requireUTC(t, n.IssuedAt)
		}
		require.Equal(t, []string{"S1", "S2", "S3"}, []string{bySeat[nums[0].TicketID], bySeat[nums[1].TicketID], bySeat[nums[2].TicketID]}, "in seat order")
		require.Equal(t, "AA 000001", nums[0].Form())

		_, err = s.PayReservation(ctx, res.ID, "cash", "desk", order.Change{Actor: "staff:desk"})
		require.NoError(t, err)
		require.Equal(t, 2, numberAll(t, s), "paid later: numbered then")

		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: paid.ID, Seats: []uint32{1}, Amount: 5000,
			Method: "cash", IdempotencyKey: "r1", Change: order.Change{Actor: "staff:desk"}})
		require.NoError(t, err)
		_, err = s.PrintTickets(ctx, paid.ID, order.Change{Actor: "staff:desk"})
		require.NoError(t, err)
		require.Equal(t, 0, numberAll(t, s), "a first print keeps the numbers")
		_, err = s.PrintTickets(ctx, paid.ID, order.Change{Actor: "staff:desk"})
		require.NoError(t, err)
		require.Equal(t, 2, numberAll(t, s), "a reprint: the two live tickets on new forms")

		reg, err := s.TicketRegister(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, reg, 7)
		current := map[string]int{}
		voided := 0
		for i, n := range reg {
			require.Equal(t, i+1, n.Number, "no number skipped")
			if n.Voided() {
				voided++
				require.Equal(t, order.VoidReprinted, n.VoidReason)
				requireUTC(t, n.VoidedAt)
				continue
			}
			current[n.TicketID]++
		}
		require.Equal(t, 2, voided)
		require.Len(t, current, 5, "every ticket has one current number, the refunded one too")
		for _, c := range current {
			require.Equal(t, 1, c)
		}
	})

	t.Run("TicketNumbersConcurrent", func(t *testing.T) {
		// Orders paid while numberers run on several "nodes": every ticket
		// gets one number, no number twice, none skipped.
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		const orders, seats = 40, 3
		stop := make(chan struct{})
		var numberers sync.WaitGroup
		for range 3 {
			numberers.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					_, err := s.NumberTickets(ctx, 5)
					if err != nil {
						t.Errorf("number: %v", err)
						return
					}
				}
			})
		}
		var buyers sync.WaitGroup
		for i := range orders {
			buyers.Go(func() {
				base := uint32(i * seats)
				_, err := s.CreateOrder(ctx, f.order(p, fmt.Sprint("s", i), "", base, base+1, base+2))
				if err != nil {
					t.Errorf("order %d: %v", i, err)
				}
			})
		}
		buyers.Wait()
		close(stop)
		numberers.Wait()
		numberAll(t, s)
		reg, err := s.TicketRegister(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, reg, orders*seats)
		tickets := map[string]bool{}
		for i, n := range reg {
			require.Equal(t, i+1, n.Number)
			require.False(t, tickets[n.TicketID], "ticket %s numbered twice", n.TicketID)
			tickets[n.TicketID] = true
		}
	})
}

// runDocuments checks the documents' store: versions by content, immutable
// rows, and the rows documents are made of.
func runDocuments(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()

	t.Run("Documents", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), day)
		o, err := s.CreateOrder(ctx, f.order(p, "s", "", 4, 5))
		require.NoError(t, err)
		_, _, _, err = s.RefundOrder(ctx, order.RefundRequest{ID: f.id("rf"), OrderID: o.ID, Seats: []uint32{5}, Amount: 5000,
			Method: "cash", Reason: "ill", IdempotencyKey: "d1", Change: order.Change{Actor: "staff:desk"}})
		require.NoError(t, err)
		numberAll(t, s)

		rows, err := s.TicketRows(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, rows, 2)
		require.Equal(t, "S4", rows[0].SeatID)
		require.Equal(t, uint32(4), rows[0].Seat)
		require.Equal(t, "AA", rows[0].Series)
		require.Equal(t, rows[0].Number+1, rows[1].Number)
		require.Equal(t, order.TicketRefunded, rows[1].Status)
		require.Equal(t, o.Number, rows[1].OrderNumber)
		requireUTC(t, rows[0].IssuedAt, rows[0].UpdatedAt, rows[0].OrderAt)
		refunds, err := s.PerformanceRefunds(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, refunds, 1)
		require.Equal(t, []uint32{5}, refunds[0].Seats)

		at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		doc := func(sha string) report.Document {
			return report.Document{ID: f.id("doc"), PerformanceID: p.ID, Kind: report.KindRealization, SHA256: sha, AsOf: at,
				PDF: []byte("%PDF-" + sha), CSV: []byte("a,b\n" + sha), CreatedBy: "staff:org"}
		}
		v1, created, err := s.SaveDocument(ctx, doc("aaa"))
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, 1, v1.Version)
		same, created, err := s.SaveDocument(ctx, doc("aaa"))
		require.NoError(t, err)
		require.False(t, created, "the same content is the stored document")
		require.Equal(t, v1.ID, same.ID)
		v2, created, err := s.SaveDocument(ctx, doc("bbb"))
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, 2, v2.Version)
		require.Equal(t, v1.ID, v2.Supersedes)
		list, err := s.Documents(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, list, 2)
		require.Equal(t, v2.ID, list[0].ID, "newest first")
		require.Equal(t, v2.ID, list[1].SupersededBy)
		require.Nil(t, list[0].PDF, "lists carry no files")
		got, err := s.GetDocument(ctx, v1.ID)
		require.NoError(t, err)
		require.Equal(t, []byte("%PDF-aaa"), got.PDF)
		require.True(t, at.Equal(got.AsOf))
		requireUTC(t, got.AsOf, got.CreatedAt)
		_, err = s.GetDocument(ctx, "nope")
		require.ErrorIs(t, err, store.ErrNotFound)

		// A day's document: its own versions, apart from any performance's.
		day := func(sha string) report.Document {
			return report.Document{ID: f.id("doc"), Period: "2030-01-02", Kind: report.KindCashierDay, SHA256: sha, AsOf: at,
				PDF: []byte("%PDF-" + sha), CSV: []byte("c\n" + sha), CreatedBy: "staff:org"}
		}
		d1, created, err := s.SaveDocument(ctx, day("aaa"))
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, 1, d1.Version, "a day's versions count apart from a performance's")
		_, created, err = s.SaveDocument(ctx, day("aaa"))
		require.NoError(t, err)
		require.False(t, created)
		d2, created, err := s.SaveDocument(ctx, day("ccc"))
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, d1.ID, d2.Supersedes)
		days, err := s.PeriodDocuments(ctx, "2030-01-02")
		require.NoError(t, err)
		require.Len(t, days, 2)
		require.Equal(t, "2030-01-02", days[0].Period)
		require.Empty(t, days[0].PerformanceID)
		got, err = s.GetDocument(ctx, d1.ID)
		require.NoError(t, err)
		require.Equal(t, "2030-01-02", got.Period)
		list, err = s.Documents(ctx, p.ID)
		require.NoError(t, err)
		require.Len(t, list, 2, "a performance's list holds none of a day's")

		// A period's documents (days from/to): versions of their own, apart
		// from the first day's and from another period's.
		period := func(key, kind, sha string) report.Document {
			return report.Document{ID: f.id("doc"), Period: key, Kind: kind, SHA256: sha, AsOf: at,
				PDF: []byte("%PDF-" + sha), CSV: []byte("c\n" + sha), CreatedBy: "staff:org"}
		}
		r1, created, err := s.SaveDocument(ctx, period("2030-01-02/2030-01-31", report.KindRealization, "aaa"))
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, 1, r1.Version)
		_, created, err = s.SaveDocument(ctx, period("2030-01-02/2030-01-31", report.KindRealization, "aaa"))
		require.NoError(t, err)
		require.False(t, created, "the same hash: the stored version")
		r2, created, err := s.SaveDocument(ctx, period("2030-01-02/2030-01-31", report.KindRealization, "bbb"))
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, 2, r2.Version)
		require.Equal(t, r1.ID, r2.Supersedes)
		o1, created, err := s.SaveDocument(ctx, period("2030-01-02/2030-01-30", report.KindRealization, "bbb"))
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, 1, o1.Version, "another period counts its own versions")
		_, _, err = s.SaveDocument(ctx, period("2030-01-02/2030-01-31", report.KindSettlement, "ccc"))
		require.NoError(t, err)
		ranged, err := s.PeriodDocuments(ctx, "2030-01-02/2030-01-31")
		require.NoError(t, err)
		require.Len(t, ranged, 3)
		for _, d := range ranged {
			require.Equal(t, "2030-01-02/2030-01-31", d.Period)
			require.Empty(t, d.PerformanceID)
			if d.ID == r1.ID {
				require.Equal(t, r2.ID, d.SupersededBy)
			}
		}
		days, err = s.PeriodDocuments(ctx, "2030-01-02")
		require.NoError(t, err)
		require.Len(t, days, 2, "the day's list holds none of the period's")
		got, err = s.GetDocument(ctx, r1.ID)
		require.NoError(t, err)
		require.Equal(t, "%PDF-aaa", string(got.PDF), "the superseded version stays as stored")

		// The cashier's day: what the staff sold, not the web.
		lines, err := s.CashierDay(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		require.NoError(t, err)
		require.Len(t, lines, 1, "f.order is a web sale (no staff member sold it); staff:desk's refund is a line")
		require.Equal(t, "staff:desk", lines[0].Staff)
		require.Equal(t, "cash", lines[0].Method)
		require.Zero(t, lines[0].Orders)
		require.Equal(t, 1, lines[0].Refunds)
		require.Equal(t, int64(5000), lines[0].Refunded)
		requireUTC(t, lines[0].Last)
		_, _, err = s.SaveDocument(ctx, report.Document{ID: f.id("doc"), PerformanceID: "nope", Kind: report.KindSettlement, SHA256: "c", AsOf: at,
			PDF: []byte("x"), CSV: []byte("y")})
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}
