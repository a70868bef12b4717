package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/store/backend"
	"github.com/seatmap/seatmap/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func tempPath(t testing.TB) string {
	// A directory that does not exist yet: Open creates it.
	return filepath.Join(t.TempDir(), "data", "sub", "seatmap.db")
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) backend.Store {
		s, err := OpenWith(context.Background(), tempPath(t), Options{Now: now})
		require.NoError(t, err)
		t.Cleanup(s.Close)
		return s
	})
}

func TestPragmas(t *testing.T) {
	t.Parallel()
	s := open(t, tempPath(t))
	ctx := context.Background()
	for _, c := range []struct {
		db     string
		pragma string
		want   string
	}{
		{"w", "journal_mode", "wal"},
		{"w", "foreign_keys", "1"},
		{"w", "synchronous", "2"}, // FULL
		{"w", "busy_timeout", fmt.Sprint(busyTimeout.Milliseconds())},
		{"r", "foreign_keys", "1"},
		{"r", "query_only", "1"},
		{"r", "busy_timeout", fmt.Sprint(busyTimeout.Milliseconds())},
	} {
		t.Run(c.db+"/"+c.pragma, func(t *testing.T) {
			db := s.w
			if c.db == "r" {
				db = s.r
			}
			var got string
			require.NoError(t, db.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got))
			require.Equal(t, c.want, got)
		})
	}
}

func TestMigrationsRunOnce(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	ms, err := readMigrations()
	require.NoError(t, err)
	for range 2 {
		s, err := Open(context.Background(), path)
		require.NoError(t, err)
		var n int
		require.NoError(t, s.r.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n))
		require.Equal(t, len(ms), n)
		s.Close()
	}
}

// TestTwoStoresOneFile: two stores on one file behave like two processes
// sharing it: they migrate once and their writers wait for each other
// (busy_timeout) instead of failing with "database is locked".
func TestTwoStoresOneFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := tempPath(t)
	stores := make([]*Store, 2)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() {
			s, err := Open(ctx, path)
			if err != nil {
				t.Error(err)
				return
			}
			stores[i] = s
		})
	}
	wg.Wait()
	for _, s := range stores {
		require.NotNil(t, s)
		t.Cleanup(s.Close)
	}
	a, b := stores[0], stores[1]
	require.NoError(t, a.CreateHall(ctx, catalog.Hall{ID: "h", Name: "H", Layout: []byte(`{}`), Seats: 400}))
	require.NoError(t, b.CreatePerformance(ctx, catalog.Performance{ID: "p", HallID: "h", Name: "P", Status: catalog.OnSale}))
	for i := range 400 {
		wg.Go(func() {
			s := stores[i%2]
			id := fmt.Sprint("o", i)
			_, err := s.CreateOrder(ctx, order.Order{ID: id, Number: id, PerformanceID: "p", Status: order.Paid, Session: "s", Currency: "EUR",
				Tickets: []order.Ticket{{Seat: uint32(i), SeatID: id, Zone: "a", Price: 1, Status: order.TicketLive}}})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	sold, err := a.SoldSeats(ctx, "p")
	require.NoError(t, err)
	require.Len(t, sold, 400)
}

func sellSeat4(t *testing.T, s *Store) func(id string) (order.Order, error) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.CreateHall(ctx, catalog.Hall{ID: "h", Name: "H", Layout: []byte(`{}`), Seats: 10}))
	require.NoError(t, s.CreatePerformance(ctx, catalog.Performance{ID: "p", HallID: "h", Name: "P", Status: catalog.OnSale, SeatZones: make([]uint16, 10)}))
	return func(id string) (order.Order, error) {
		return s.CreateOrder(ctx, order.Order{ID: id, Number: id, PerformanceID: "p", Status: order.Paid, Session: "s", Currency: "EUR",
			Tickets: []order.Ticket{{Seat: 4, SeatID: "S4", Zone: "a", Price: 1, Status: order.TicketLive}}})
	}
}

// TestRefundedTicketFreesSeat: only live tickets count against the one-sale
// rule, down to the index: the ticket is marked refunded directly in SQL.
func TestRefundedTicketFreesSeat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, tempPath(t))
	sell := sellSeat4(t, s)
	_, err := sell("o1")
	require.NoError(t, err)
	_, err = sell("o2")
	var se *order.SeatsSoldError
	require.ErrorAs(t, err, &se)
	require.Equal(t, []uint32{4}, se.Seats)
	_, err = s.w.ExecContext(ctx, `UPDATE tickets SET status = 'refunded' WHERE order_id = 'o1'`)
	require.NoError(t, err)
	_, err = sell("o2")
	require.NoError(t, err)
	sold, err := s.SoldSeats(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, []uint32{4}, sold)
	_, err = sell("o3")
	require.ErrorAs(t, err, &se, "the new sale is live again")
}

// TestLiveSeatIndex: the database itself refuses a second live ticket for a
// seat, whatever code writes it.
func TestLiveSeatIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, tempPath(t))
	_, err := sellSeat4(t, s)("o1")
	require.NoError(t, err)
	_, err = s.w.ExecContext(ctx, `INSERT INTO orders (id, number, performance_id, status, buyer_name, buyer_email, session, hold_token,
idempotency_key, total, currency, created_at, updated_at) VALUES ('o2', 'o2', 'p', 'paid', '', '', 's', '', '', 1, 'EUR', 0, 0)`)
	require.NoError(t, err)
	_, err = s.w.ExecContext(ctx, `INSERT INTO tickets (order_id, performance_id, seat_index, seat_id, zone, price, status) VALUES ('o2', 'p', 4, 'S4', 'a', 1, 'live')`)
	c, ok := violation(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, liveSeatColumns, c.columns)
	_, err = s.w.ExecContext(ctx, `INSERT INTO tickets (order_id, performance_id, seat_index, seat_id, zone, price, status) VALUES ('o2', 'p', 4, 'S4', 'a', 1, 'void')`)
	require.NoError(t, err, "void tickets do not count")
}

// TestClose: Close may be called twice, and an order after it is an error,
// not a hang.
func TestClose(t *testing.T) {
	t.Parallel()
	s, err := Open(context.Background(), tempPath(t))
	require.NoError(t, err)
	s.Close()
	s.Close()
	_, err = s.CreateOrder(context.Background(), order.Order{ID: "o", PerformanceID: "p"})
	require.ErrorIs(t, err, errClosed)
}

// BenchmarkCreateOrder measures orders per second with concurrent buyers,
// where group commit shares one fsync among the orders waiting for it.
// BenchmarkCreateOrder writes one-seat orders from 16 goroutines per core;
// "mail" writes them as checkout does, with the buyer's confirmation e-mail.
func BenchmarkCreateOrder(b *testing.B) {
	for _, mail := range []bool{false, true} {
		name := "plain"
		if mail {
			name = "mail"
		}
		b.Run(name, func(b *testing.B) { benchCreateOrder(b, mail) })
	}
}

func benchCreateOrder(b *testing.B, mail bool) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "seatmap.db"))
	require.NoError(b, err)
	defer s.Close()
	require.NoError(b, s.CreateHall(ctx, catalog.Hall{ID: "h", Name: "H", Layout: []byte(`{}`), Seats: 1}))
	require.NoError(b, s.CreatePerformance(ctx, catalog.Performance{ID: "p", HallID: "h", Name: "P", Status: catalog.OnSale}))
	body := strings.Repeat("Seat S-R12-S14  standard  59.00 EUR\n", 16)
	var mu sync.Mutex
	n := 0
	b.SetParallelism(16)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			n++
			seat := uint32(n)
			mu.Unlock()
			id := fmt.Sprint("o", seat)
			o := order.Order{ID: id, Number: id, PerformanceID: "p", Status: order.Paid, Session: "s", Currency: "EUR",
				Tickets: []order.Ticket{{Seat: seat, SeatID: id, Zone: "a", Price: 1, Status: order.TicketLive}},
				Origin:  order.Change{Actor: "buyer"}}
			if mail {
				o.Origin.Notify = &outbox.Message{ID: "m" + id, Kind: outbox.KindConfirmation, To: "b@example.com", Subject: "Your tickets", Body: body}
			}
			if _, err := s.CreateOrder(ctx, o); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
