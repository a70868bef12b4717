package postgres

import (
	"context"
	"io/fs"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
	"github.com/seatmap/seatmap/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func schema(t *testing.T) string { return pgtest.Schema(t, "") }

func open(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, schema(t)) })
}

// TestConcurrentOpenMigratesOnce: nodes starting together apply each migration once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	dsn := schema(t)
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
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
	var n int
	require.NoError(t, s.pool.QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations`).Scan(&n))
	files, _ := fs.Glob(migrations, "migrations/*.sql")
	require.Equal(t, len(files), n)
}

// TestRefundedTicketFreesSeat: only live tickets count against the one-sale rule.
func TestRefundedTicketFreesSeat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, schema(t))
	require.NoError(t, s.CreateHall(ctx, store.Hall{ID: "h", Name: "H", Layout: []byte(`{}`), Seats: 10}))
	require.NoError(t, s.CreatePerformance(ctx, store.Performance{ID: "p", HallID: "h", Name: "P", Status: store.StatusOnSale, SeatZones: make([]uint16, 10)}))
	order := func(id string) store.Order {
		return store.Order{ID: id, Number: id, PerformanceID: "p", Status: store.OrderPaid, Session: "s", Currency: "EUR",
			Tickets: []store.Ticket{{Seat: 4, SeatID: "S4", Zone: "a", Price: 1, Status: store.TicketLive}}}
	}
	_, err := s.CreateOrder(ctx, order("o1"))
	require.NoError(t, err)
	_, err = s.CreateOrder(ctx, order("o2"))
	var se *store.SeatsSoldError
	require.ErrorAs(t, err, &se)
	_, err = s.pool.Exec(ctx, `UPDATE tickets SET status = 'refunded' WHERE order_id = 'o1'`)
	require.NoError(t, err)
	_, err = s.CreateOrder(ctx, order("o2"))
	require.NoError(t, err)
}
