package seating_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/lease/memory"
	leaseredis "github.com/seatmap/seatmap/lease/redis"
	"github.com/seatmap/seatmap/lease/redis/redistest"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store/backend"
	"github.com/seatmap/seatmap/store/postgres"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
	"github.com/seatmap/seatmap/store/sqlite"
	"github.com/seatmap/seatmap/voucher"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// stack is what survives a restart: the store and the lease store (for memory
// leases, the journal in the data directory).
type stack struct {
	name   string
	store  func(t *testing.T) backend.Store         // opens the same store again
	leases func(t *testing.T) (lease.Store, func()) // opens the same lease store again; the func saves/closes
}

func stacks(t *testing.T) []stack {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "seatmap.db")
	embedded := stack{
		name: "embedded",
		store: func(t *testing.T) backend.Store {
			st, err := sqlite.Open(context.Background(), dbPath)
			require.NoError(t, err)
			return st
		},
		leases: func(t *testing.T) (lease.Store, func()) {
			m, err := memory.Open(dir, memory.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			require.NoError(t, err)
			return m, func() { require.NoError(t, m.Close()) }
		},
	}

	dsn := pgtest.Schema(t, "")
	prefix := redistest.Prefix(t)
	production := stack{
		name: "postgres+redis",
		store: func(t *testing.T) backend.Store {
			st, err := postgres.Open(context.Background(), dsn)
			require.NoError(t, err)
			return st
		},
		leases: func(t *testing.T) (lease.Store, func()) {
			c := goredis.NewClient(redistest.Options(t))
			return leaseredis.New(c, leaseredis.Options{Prefix: prefix}), func() { c.Close() }
		},
	}
	return []stack{embedded, production}
}

// node is one running seatd's seating and checkout services.
type node struct {
	svc    *seating.Service
	co     *checkout.Service
	st     backend.Store
	leases lease.Store
	close  func()
}

func start(t *testing.T, s stack, tune ...func(*seating.Config)) *node {
	t.Helper()
	st := s.store(t)
	leases, closeLeases := s.leases(t)
	cfg := seating.Config{Store: st, Leases: leases, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range tune {
		f(&cfg)
	}
	svc := seating.New(cfg)
	co := checkout.New(checkout.Config{Store: st, Seats: svc, Vouchers: voucher.NewService(st), Logger: cfg.Logger, Now: cfg.Now})
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, svc.Start(ctx))
	require.NoError(t, co.Start(ctx))
	n := &node{svc: svc, co: co, st: st, leases: leases}
	n.close = func() {
		co.Stop()
		svc.Stop()
		cancel()
		closeLeases()
		st.Close()
	}
	return n
}

func createPerformance(t *testing.T, svc *seating.Service) string {
	t.Helper()
	ctx := context.Background()
	data, err := json.Marshal(hall.Theatre())
	require.NoError(t, err)
	h, _, err := svc.CreateHall(ctx, data)
	require.NoError(t, err)
	p, err := svc.CreatePerformance(ctx, seating.NewPerformance{HallID: h.ID, Name: "Carmen", StartsAt: time.Now().Add(72 * time.Hour), OnSale: true})
	require.NoError(t, err)
	return p.ID
}

func states(t *testing.T, svc *seating.Service, perf string, ids ...string) []engine.State {
	t.Helper()
	m, err := svc.Seatmap(context.Background(), perf)
	require.NoError(t, err)
	out := make([]engine.State, len(ids))
	for i, id := range ids {
		idx, ok := m.Hall.Lookup(id)
		require.True(t, ok)
		out[i] = m.Snapshot.States[idx]
	}
	return out
}

// TestRestartLosesNothing sells and holds seats, stops the node, and starts a new
// one on the same store and lease store: every sold seat is sold, every live hold
// is held by the same token with the same deadline, and its owner can confirm it.
func TestRestartLosesNothing(t *testing.T) {
	t.Parallel()
	for _, s := range stacks(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			n1 := start(t, s)
			perf := createPerformance(t, n1.svc)
			sold, err := n1.svc.Hold(ctx, perf, seating.Actor{Session: "alice"}, seating.HoldInput{Seats: []string{"S-R1-S1", "S-R1-S2"}})
			require.NoError(t, err)
			o, _, err := n1.co.Confirm(ctx, checkout.ConfirmInput{Token: sold.Token, Actor: seating.Actor{Session: "alice"}, BuyerName: "Alice", BuyerEmail: "alice@example.com", IdempotencyKey: "a1"})
			require.NoError(t, err)
			held, err := n1.svc.Hold(ctx, perf, seating.Actor{Session: "bob"}, seating.HoldInput{BestCount: 3})
			require.NoError(t, err)
			n1.close()

			n2 := start(t, s)
			defer n2.close()
			require.Equal(t, []engine.State{engine.Sold, engine.Sold}, states(t, n2.svc, perf, "S-R1-S1", "S-R1-S2"))
			require.Equal(t, []engine.State{engine.Held, engine.Held, engine.Held}, states(t, n2.svc, perf, held.Seats...))
			got, err := n2.svc.GetHold(ctx, held.Token, seating.Actor{Session: "bob"})
			require.NoError(t, err)
			require.Equal(t, held.Seats, got.Seats)
			require.WithinDuration(t, held.Expires, got.Expires, time.Millisecond)
			_, err = n2.svc.GetHold(ctx, held.Token, seating.Actor{Session: "mallory"})
			require.ErrorIs(t, err, engine.ErrNotOwner)

			// The retried confirmation of Alice's order is recognised after the restart.
			again, replayed, err := n2.co.Confirm(ctx, checkout.ConfirmInput{Token: sold.Token, Actor: seating.Actor{Session: "alice"}, BuyerName: "Alice", BuyerEmail: "alice@example.com", IdempotencyKey: "a1"})
			require.NoError(t, err)
			require.True(t, replayed)
			require.Equal(t, o.ID, again.ID)

			o2, _, err := n2.co.Confirm(ctx, checkout.ConfirmInput{Token: held.Token, Actor: seating.Actor{Session: "bob"}, BuyerName: "Bob", BuyerEmail: "bob@example.com"})
			require.NoError(t, err)
			require.Len(t, o2.Tickets, 3)
			counts, err := n2.svc.Counts(ctx, perf)
			require.NoError(t, err)
			require.Equal(t, engine.Counts{Free: 795, Sold: 5}, counts)
		})
	}
}

// TestConfirmRaceOneOrder sends the same confirmation with one idempotency key
// from 20 goroutines: one order, every caller gets it.
func TestConfirmRaceOneOrder(t *testing.T) {
	t.Parallel()
	for _, s := range stacks(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			n := start(t, s)
			defer n.close()
			perf := createPerformance(t, n.svc)
			h, err := n.svc.Hold(ctx, perf, seating.Actor{Session: "carol"}, seating.HoldInput{Seats: []string{"S-R3-S3"}})
			require.NoError(t, err)
			ids := make(chan string, 20)
			var wg sync.WaitGroup
			for i := 0; i < 20; i++ {
				wg.Go(func() {
					o, _, err := n.co.Confirm(ctx, checkout.ConfirmInput{Token: h.Token, Actor: seating.Actor{Session: "carol"}, BuyerName: "Carol", BuyerEmail: "carol@example.com", IdempotencyKey: "same"})
					if err != nil {
						t.Error(err)
						return
					}
					ids <- o.ID
				})
			}
			wg.Wait()
			close(ids)
			first := ""
			for id := range ids {
				if first == "" {
					first = id
				}
				require.Equal(t, first, id)
			}
			orders, err := n.st.ListOrders(ctx, order.Filter{PerformanceID: perf, Limit: 100})
			require.NoError(t, err)
			require.Len(t, orders, 1)
		})
	}
}

// TestStaleLeaseOnSoldSeatIsDropped plants a lease on a seat that the store says
// is sold (a crash between the order and the lease release): the rebuild keeps
// the seat sold and drops the lease.
func TestStaleLeaseOnSoldSeatIsDropped(t *testing.T) {
	t.Parallel()
	for _, s := range stacks(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			n1 := start(t, s)
			perf := createPerformance(t, n1.svc)
			h, err := n1.svc.Hold(ctx, perf, seating.Actor{Session: "dave"}, seating.HoldInput{Seats: []string{"S-R4-S4"}})
			require.NoError(t, err)
			_, _, err = n1.co.Confirm(ctx, checkout.ConfirmInput{Token: h.Token, Actor: seating.Actor{Session: "dave"}, BuyerName: "Dave", BuyerEmail: "dave@example.com"})
			require.NoError(t, err)
			n1.close()

			leases, closeLeases := s.leases(t)
			m, err := n1.svc.Seatmap(ctx, perf)
			require.NoError(t, err)
			idx, _ := m.Hall.Lookup("S-R4-S4")
			require.NoError(t, leases.Acquire(ctx, lease.Lease{Performance: perf, Token: perf + ".stale", Owner: "ghost", Seats: []uint32{idx}, Expires: time.Now().Add(time.Hour)}))
			closeLeases()

			n2 := start(t, s)
			require.Equal(t, []engine.State{engine.Sold}, states(t, n2.svc, perf, "S-R4-S4"))
			_, err = n2.svc.GetHold(ctx, perf+".stale", seating.Actor{Session: "ghost"})
			require.ErrorIs(t, err, engine.ErrNotFound)
			n2.close()
			leases, closeLeases = s.leases(t)
			defer closeLeases()
			live, err := leases.List(ctx, perf)
			require.NoError(t, err)
			require.Empty(t, live, fmt.Sprint(live))
		})
	}
}

// TestRestartKeepsSetUpAndReservations paints zones, quotas and blocks, makes a
// reservation, restarts, and finds all of it as it was; the reservation can
// still be paid.
func TestRestartKeepsSetUpAndReservations(t *testing.T) {
	t.Parallel()
	for _, s := range stacks(t) {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			n1 := start(t, s)
			perf := createPerformance(t, n1.svc)
			zone, channel, reason := "value", "box_office", "fire watch"
			for _, st := range []seating.Stroke{
				{Seats: []string{"S-R1-S1", "S-R1-S2"}, Zone: &zone},
				{Seats: []string{"S-R2-S1"}, Channel: &channel},
				{Seats: []string{"S-R3-S1", "S-R3-S2"}, Block: &reason},
			} {
				r, err := n1.svc.Paint(ctx, perf, st)
				require.NoError(t, err)
				require.Positive(t, r.Changed)
			}
			desk := seating.Actor{Session: "desk", StaffID: "u1", Login: "desk", Role: "box_office"}
			h, err := n1.svc.Hold(ctx, perf, desk, seating.HoldInput{Seats: []string{"S-R2-S1", "S-R2-S2"}})
			require.NoError(t, err)
			res, err := n1.co.Reserve(ctx, h.Token, desk, 5, "Rosa", "rosa@example.com", "")
			require.NoError(t, err)
			before, err := n1.svc.Seatmap(ctx, perf)
			require.NoError(t, err)
			n1.close()

			n2 := start(t, s)
			defer n2.close()
			after, err := n2.svc.Seatmap(ctx, perf)
			require.NoError(t, err)
			require.Equal(t, before.Snapshot.States, after.Snapshot.States)
			require.Equal(t, before.Snapshot.Zones, after.Snapshot.Zones)
			require.Equal(t, before.Snapshot.Channels, after.Snapshot.Channels)
			require.Equal(t, before.Channels, after.Channels)
			require.Equal(t, before.Blocks, after.Blocks)
			holds, err := n2.svc.Holds(ctx, perf)
			require.NoError(t, err)
			require.Len(t, holds, 1)
			require.NotNil(t, holds[0].Reservation)
			require.Equal(t, res.ID, holds[0].Reservation.OrderID)
			paid, err := n2.co.PayReservation(ctx, res.ID, checkout.PayCash, desk)
			require.NoError(t, err)
			require.Equal(t, order.Paid, paid.Status)
			counts, err := n2.svc.Counts(ctx, perf)
			require.NoError(t, err)
			require.Equal(t, 2, counts.Sold)
			require.Equal(t, 2, counts.Blocked)
		})
	}
}
