package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
)

// newOrder is a paid order of seats of performance p, not yet stored.
func newOrder(id, p string, seats ...uint32) order.Order {
	o := order.Order{ID: id, Number: "N-" + id, PerformanceID: p, Status: order.Paid, Session: "s-" + id,
		HoldToken: "t-" + id, Currency: "EUR", Channel: "web", PaymentMethod: "online"}
	for _, seat := range seats {
		o.Tickets = append(o.Tickets, order.Ticket{Seat: seat, SeatID: fmt.Sprint("S", seat), Zone: "a", Price: 5000, Status: order.TicketLive})
		o.Total += 5000
	}
	order.Issue(&o) // as CreateOrder does; these tests write past it
	return o
}

// stamped is o as CreateOrder hands it on: with its creation time.
func stamped(o order.Order) order.Order {
	o.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	o.UpdatedAt = o.CreatedAt
	return o
}

func request(ctx context.Context, o order.Order) *orderRequest {
	args, _ := orderArgs(o)
	return &orderRequest{ctx: ctx, args: args, done: make(chan verdict, 1)}
}

func performance(t testing.TB, s *Store, id string, seats int) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.CreateHall(ctx, catalog.Hall{ID: "h-" + id, Name: "Hall", Layout: []byte(`{}`), Seats: seats}))
	require.NoError(t, s.CreatePerformance(ctx, catalog.Performance{ID: id, HallID: "h-" + id, Name: "Show",
		Status: catalog.OnSale, SeatZones: make([]uint16, seats)}))
}

func countOrders(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	require.NoError(t, s.pool.QueryRow(context.Background(), `SELECT count(*) FROM orders`).Scan(&n))
	return n
}

// TestBatchWholeOrNothing: a batch is one transaction, so one failing order
// leaves nothing of the others; writeBatch then writes those and hands the
// failing one back.
func TestBatchWholeOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, "")
	performance(t, s, "p", 100)
	first := request(ctx, stamped(newOrder("o1", "p", 1, 2)))
	clash := request(ctx, stamped(newOrder("o2", "p", 3, 2)))
	last := request(ctx, stamped(newOrder("o3", "p", 5)))

	failed, err := s.sendBatch([]*orderRequest{first, clash, last})
	require.Error(t, err)
	cons, ok := violation(err, codeUniqueViolation)
	require.True(t, ok, "%v", err)
	require.Equal(t, liveSeatIndex, cons)
	require.Equal(t, 1, failed)
	require.Zero(t, countOrders(t, s), "the orders before the failing one are rolled back too")

	s.writeBatch([]*orderRequest{first, clash, last})
	require.Equal(t, verdictWritten, <-first.done)
	require.Equal(t, verdictAlone, <-clash.done)
	require.Equal(t, verdictWritten, <-last.done)
	require.Equal(t, 2, countOrders(t, s))
	require.EqualValues(t, 1, s.stats.alone.Load())
}

// TestBatchSkipsAbandoned: an order whose caller gave up before its batch
// was sent is not written.
func TestBatchSkipsAbandoned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, "")
	performance(t, s, "p", 100)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	abandoned := request(gone, stamped(newOrder("o1", "p", 1)))
	live := request(ctx, stamped(newOrder("o2", "p", 2)))
	s.writeBatch([]*orderRequest{abandoned, live})
	require.Equal(t, verdictSkipped, <-abandoned.done)
	require.Equal(t, verdictWritten, <-live.done)
	sold, err := s.SoldSeats(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, []uint32{2}, sold)
}

// TestAloneFindsItsCommittedOrder: after a batch failed in a way that leaves
// its commit in doubt, an order written alone that finds itself already
// stored was written, not a duplicate; another order with its id is one.
func TestAloneFindsItsCommittedOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, "")
	performance(t, s, "p", 100)
	for _, key := range []string{"", "key"} {
		o := newOrder("o-"+key, "p", 1, 2)
		o.IdempotencyKey = key
		o = stamped(o)
		req := request(ctx, o)
		s.writeBatch([]*orderRequest{req})
		require.Equal(t, verdictWritten, <-req.done)

		args, seats := orderArgs(o)
		got, err := s.createOrderAlone(ctx, o, args, seats)
		require.NoError(t, err, "key %q", key)
		require.Equal(t, o, got)

		other := o
		other.CreatedAt = other.CreatedAt.Add(time.Microsecond)
		args, seats = orderArgs(other)
		_, err = s.createOrderAlone(ctx, other, args, seats)
		if key == "" {
			require.ErrorIs(t, err, store.ErrDuplicate)
		} else {
			require.Error(t, err)
		}

		_, err = s.pool.Exec(ctx, `UPDATE tickets SET status = 'refunded' WHERE order_id = $1`, o.ID)
		require.NoError(t, err)
	}
}

// TestCloseAnswersEveryOrder: Close lets the writers finish what they took;
// every order reported written is stored, and every other is not.
func TestCloseAnswersEveryOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.Schema(t, "")
	s := open(t, dsn)
	performance(t, s, "p", 1000)
	var written atomic.Int32
	var mu sync.Mutex
	failed := map[string]error{}
	var wg sync.WaitGroup
	for i := range 1000 {
		wg.Go(func() {
			id := fmt.Sprint("o", i)
			if _, err := s.CreateOrder(ctx, newOrder(id, "p", uint32(i))); err != nil {
				mu.Lock()
				failed[id] = err
				mu.Unlock()
				return
			}
			written.Add(1)
		})
	}
	require.Eventually(t, func() bool { return written.Load() >= 50 }, 10*time.Second, time.Millisecond)
	s.Close()
	wg.Wait()

	after := open(t, dsn)
	rows, err := after.pool.Query(ctx, `SELECT id FROM orders`)
	require.NoError(t, err)
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		require.NotContains(t, failed, id, "an order reported failed was written")
	}
	require.NoError(t, rows.Err())
	require.Equal(t, 1000-len(failed), countOrders(t, after))
	require.EqualValues(t, 1000-len(failed), written.Load())
	for _, err := range failed {
		require.ErrorIs(t, err, errClosed)
	}
}

// TestSmallPool: in a pool of two connections the one writer and the orders
// written alone take turns.
func TestSmallPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, pgtest.Schema(t, "")+"&pool_max_conns=2")
	performance(t, s, "p", 100)
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			// Every fourth order takes a seat another one takes too.
			seat := uint32(i)
			if i%4 == 3 {
				seat--
			}
			_, err := s.CreateOrder(ctx, newOrder(fmt.Sprint("o", i), "p", seat))
			var se *order.SeatsSoldError
			if err != nil && !errors.As(err, &se) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	sold, err := s.SoldSeats(ctx, "p")
	require.NoError(t, err)
	require.Len(t, sold, 75)
	require.Equal(t, 75, countOrders(t, s))
}

func TestBatchContext(t *testing.T) {
	t.Parallel()
	soon := func(d time.Duration) *orderRequest {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		t.Cleanup(cancel)
		return &orderRequest{ctx: ctx}
	}
	forever := &orderRequest{ctx: context.Background()}
	for _, tc := range []struct {
		name  string
		batch []*orderRequest
		want  time.Duration
	}{
		{"the most patient caller", []*orderRequest{soon(time.Second), soon(3 * time.Second), soon(2 * time.Second)}, 3 * time.Second},
		{"a caller without deadline", []*orderRequest{soon(time.Second), forever}, batchTimeout},
		{"a caller beyond the limit", []*orderRequest{soon(time.Hour)}, batchTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := batchContext(tc.batch)
			defer cancel()
			d, ok := ctx.Deadline()
			require.True(t, ok)
			require.WithinDuration(t, time.Now().Add(tc.want), d, 500*time.Millisecond)
		})
	}
}

// BenchmarkCreateOrderParallel models an on-sale: many buyers confirming at
// once, each order 2 to 4 fresh seats of an 80,000-seat performance (a new
// performance when one is full). "grouped" is CreateOrder; "alone" is the
// statement-per-order path it falls back on, which was CreateOrder before
// group commit.
func BenchmarkCreateOrderParallel(b *testing.B) {
	for _, bc := range []struct {
		name   string
		create func(ctx context.Context, s *Store, o order.Order) error
	}{
		{"grouped", func(ctx context.Context, s *Store, o order.Order) error {
			_, err := s.CreateOrder(ctx, o)
			return err
		}},
		{"grouped+mail", func(ctx context.Context, s *Store, o order.Order) error {
			// As checkout writes a web order: its history entry names the buyer,
			// and its confirmation goes into the outbox with it, its text
			// written later by the dispatcher (seating.RenderMessage).
			o.BuyerEmail = "buyer@example.com"
			o.Origin = order.Change{Actor: "buyer", Notify: &outbox.Message{ID: "m-" + o.ID, Kind: outbox.KindConfirmation,
				To: o.BuyerEmail, Subject: "Your tickets: order " + o.Number}}
			_, err := s.CreateOrder(ctx, o)
			return err
		}},
		{"alone", func(ctx context.Context, s *Store, o order.Order) error {
			o = stamped(o)
			args, seats := orderArgs(o)
			_, err := s.createOrderAlone(ctx, o, args, seats)
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) { benchCreateOrders(b, bc.create) })
	}
}

const (
	benchSeats       = 80_000
	benchSlot        = 4 // seats set aside per order
	benchPerfOrders  = benchSeats / benchSlot
	benchParallelism = 64 // goroutines per GOMAXPROCS
)

func benchCreateOrders(b *testing.B, create func(ctx context.Context, s *Store, o order.Order) error) {
	ctx := context.Background()
	s := open(b, "")
	perfs := make([]string, b.N/benchPerfOrders+1)
	for i := range perfs {
		perfs[i] = fmt.Sprint("p", i)
		performance(b, s, perfs[i], benchSeats)
	}
	var next atomic.Int64
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1) - 1)
			first := uint32(i%benchPerfOrders) * benchSlot
			seats := []uint32{first, first + 1, first + 2, first + 3}[:2+i%3]
			if err := create(ctx, s, newOrder(fmt.Sprint("o", i), perfs[i/benchPerfOrders], seats...)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
	if n := s.stats.batches.Load(); n > 0 {
		b.ReportMetric(float64(s.stats.orders.Load())/float64(n), "orders/batch")
	}
}
