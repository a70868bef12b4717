package postgres

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store/backend"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
	"github.com/seatmap/seatmap/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// open opens a store on dsn, or on a schema of its own when dsn is empty.
func open(t testing.TB, dsn string) *Store {
	t.Helper()
	if dsn == "" {
		dsn = pgtest.Schema(t, "")
	}
	s, err := Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) backend.Store {
		s, err := OpenWith(context.Background(), pgtest.Schema(t, ""), Options{Now: now})
		require.NoError(t, err)
		t.Cleanup(s.Close)
		return s
	})
}

// TestConcurrentOpenMigratesOnce: nodes starting together apply each migration once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Schema(t, "")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			s, err := Open(context.Background(), dsn)
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	s := open(t, dsn)
	ms, err := readMigrations()
	require.NoError(t, err)
	var versions []int
	rows, err := s.pool.Query(context.Background(), `SELECT version FROM schema_migrations ORDER BY version`)
	require.NoError(t, err)
	for rows.Next() {
		var v int
		require.NoError(t, rows.Scan(&v))
		versions = append(versions, v)
	}
	require.NoError(t, rows.Err())
	require.Len(t, versions, len(ms))
	for i, m := range ms {
		require.Equal(t, m.version, versions[i])
	}
}

// TestOpenUnreachable: a server that is not there is an error from Open, not
// a store that fails later.
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	require.Error(t, err)
	_, err = Open(ctx, "postgres://[::1")
	require.Error(t, err)
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
// rule. The interface has no refund yet, so the refund is written directly.
func TestRefundedTicketFreesSeat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, "")
	sell := sellSeat4(t, s)
	_, err := sell("o1")
	require.NoError(t, err)
	_, err = sell("o2")
	var se *order.SeatsSoldError
	require.ErrorAs(t, err, &se)
	require.Equal(t, []uint32{4}, se.Seats)
	_, err = s.pool.Exec(ctx, `UPDATE tickets SET status = 'refunded' WHERE order_id = 'o1'`)
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
	s := open(t, "")
	_, err := sellSeat4(t, s)("o1")
	require.NoError(t, err)
	_, err = s.pool.Exec(ctx, `INSERT INTO orders (id, number, performance_id, status, buyer_name, buyer_email, session, hold_token,
idempotency_key, total, currency, created_at, updated_at) VALUES ('o2', 'o2', 'p', 'paid', '', '', 's', '', '', 1, 'EUR', now(), now())`)
	require.NoError(t, err)
	_, err = s.pool.Exec(ctx, `INSERT INTO tickets (order_id, performance_id, seat_index, seat_id, zone, price, status, id, code) VALUES ('o2', 'p', 4, 'S4', 'a', 1, 'live', 't-live', 'c-live')`)
	cons, ok := violation(err, codeUniqueViolation)
	require.True(t, ok, "%v", err)
	require.Equal(t, liveSeatIndex, cons)
	_, err = s.pool.Exec(ctx, `INSERT INTO tickets (order_id, performance_id, seat_index, seat_id, zone, price, status, id, code) VALUES ('o2', 'p', 4, 'S4', 'a', 1, 'void', 't-void', 'c-void')`)
	require.NoError(t, err, "void tickets do not count")
}
