package seating_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/lease"
	leaseredis "github.com/seatmap/seatmap/lease/redis"
	"github.com/seatmap/seatmap/lease/redis/redistest"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store/postgres"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
)

// BenchmarkRebuildStadium restarts a node over a sold-out 80,000-seat stadium
// in the middle of its on-sale: 60,000 seats sold in 6,000 stored orders and
// 20,000 held by 5,000 live Redis leases. One iteration is a new Service's
// Start: list the performances, parse the hall, read zones, sold seats, blocks,
// reservations and leases, and build the shard. Postgres and Redis are real.
// The target is under 1 s (rebuild-ms).
func BenchmarkRebuildStadium(b *testing.B) {
	ctx := context.Background()
	st, err := postgres.Open(ctx, pgtest.Schema(b, ""))
	require.NoError(b, err)
	defer st.Close()
	rc := goredis.NewClient(redistest.Options(b))
	defer rc.Close()
	leases := leaseredis.New(rc, leaseredis.Options{Prefix: redistest.Prefix(b)})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	setup := seating.New(seating.Config{Store: st, Leases: leases, Logger: logger})
	data, err := json.Marshal(hall.Stadium())
	require.NoError(b, err)
	sh, h, err := setup.CreateHall(ctx, data)
	require.NoError(b, err)
	p, err := setup.CreatePerformance(ctx, seating.NewPerformance{HallID: sh.ID, Name: "Final", StartsAt: time.Now().Add(72 * time.Hour), OnSale: true})
	require.NoError(b, err)
	require.Equal(b, 80_000, h.N())

	// Seats 0..59,999 sold, ten to an order, written concurrently.
	const orders, perOrder = 6_000, 10
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Go(func() {
			for o := w; o < orders; o += 16 {
				ord := order.Order{ID: fmt.Sprintf("o-%d", o), Number: fmt.Sprintf("RB%08d", o), PerformanceID: p.ID, Status: order.Paid,
					BuyerName: "B", BuyerEmail: "b@example.com", Session: "s", HoldToken: fmt.Sprintf("%s.h%d", p.ID, o), PaymentMethod: "online"}
				for k := range perOrder {
					seat := uint32(o*perOrder + k)
					z := p.Zones[h.ZoneOf[seat]]
					ord.Tickets = append(ord.Tickets, order.Ticket{Seat: seat, SeatID: h.Seats[seat].ID, Zone: z.ID, Price: z.Price, Status: order.TicketLive})
					ord.Total, ord.Currency = ord.Total+z.Price, z.Currency
				}
				if _, err := st.CreateOrder(ctx, ord); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// Seats 60,000..79,999 held, four to a lease.
	for w := range 16 {
		wg.Go(func() {
			for l := w; l < 5_000; l += 16 {
				first := uint32(60_000 + 4*l)
				err := leases.Acquire(ctx, lease.Lease{Performance: p.ID, Token: fmt.Sprintf("%s.l%d", p.ID, l), Owner: "s",
					Seats: []uint32{first, first + 1, first + 2, first + 3}, Expires: time.Now().Add(time.Hour)})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	require.NoError(b, <-errs)

	b.ReportAllocs()
	var took time.Duration
	for b.Loop() {
		svc := seating.New(seating.Config{Store: st, Leases: leases, Logger: logger})
		runCtx, cancel := context.WithCancel(ctx)
		start := time.Now()
		require.NoError(b, svc.Start(runCtx))
		took += time.Since(start)
		b.StopTimer()
		st, err := svc.Stats(ctx, p.ID)
		require.NoError(b, err)
		require.Equal(b, 60_000, st.Total.Sold)
		require.Equal(b, 20_000, st.Total.Held)
		svc.Stop()
		cancel()
		b.StartTimer()
	}
	b.ReportMetric(float64(took.Milliseconds())/float64(b.N), "rebuild-ms")
}
