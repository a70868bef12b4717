package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Group commit. A commit waits for its WAL to reach disk, so an order written
// by a statement of its own pays a round trip and a flush, and an on-sale
// surge queues for connections while the disk does one small flush after
// another. Instead each of several writers takes every order waiting (up to
// maxBatch) and sends their inserts, the very statement an order written alone
// runs, as one pipeline: pgx runs a batch in one implicit transaction, so one
// round trip and one commit serve them all. While one writer waits for its
// commit, another sends the next batch.
//
// A failing statement aborts the whole pipeline, so a batch is written whole
// or not at all. When the server names the order that failed, that order goes
// back to its caller, who writes it alone (createOrderAlone) and so gets its
// exact error, and the rest of the batch is sent once more without it. Any
// other failure, or a second one, sends every order of the batch back to its
// caller. Conflicts are rare (the engine sells each seat once; only stale
// retries and other nodes collide), so the batch is the usual path.

const (
	// maxOrderWriters bounds how many batches may be on their way at once;
	// Open starts this many writers, or half the pool if that is fewer, so
	// that reads and orders written alone still find connections. Two let one
	// batch's commit overlap the next one's inserts; more make smaller
	// batches, and every commit costs Postgres CPU of its own. On this 2-core
	// machine, quiet (BenchmarkCreateOrderParallel/grouped): 1 writer 10,400–
	// 10,900 orders/s (65 per commit), 2 writers 15,000–16,200 (32), 4 13,600–
	// 17,000 (12), 8 12,000–15,100 (6); in a stadium surge 2 writers against
	// 8 used 15–20 % less Postgres CPU and sold out 7 % sooner.
	maxOrderWriters = 2
	// maxBatch bounds one transaction: its locks and its latency.
	maxBatch = 256
	// batchTimeout bounds a batch whose callers set no earlier deadline.
	batchTimeout = 10 * time.Second
	// batchAttempts: the batch as taken, then once more without the order
	// the server refused.
	batchAttempts = 2
)

// errClosed answers orders that arrive after Close.
var errClosed = errors.New("postgres store is closed")

// verdict is a writer's answer to an order.
type verdict uint8

const (
	verdictWritten verdict = iota // committed with its batch
	verdictSkipped                // its ctx ended before it was sent: not written
	verdictAlone                  // no batch wrote it, or none is known to have: write it alone
)

type orderRequest struct {
	ctx  context.Context
	args orderInsert
	done chan verdict // buffered, so a writer never waits for its caller
}

// batchStats counts what the writers did, for tests and benchmarks.
type batchStats struct {
	batches atomic.Int64 // committed
	orders  atomic.Int64 // committed in those batches
	alone   atomic.Int64 // handed back to be written alone
}

// submitOrder hands the insert of an order to a writer and returns its verdict.
func (s *Store) submitOrder(ctx context.Context, args orderInsert) (verdict, error) {
	req := &orderRequest{ctx: ctx, args: args, done: make(chan verdict, 1)}
	select {
	case s.queue <- req:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-s.closing:
		return 0, errClosed
	}
	// Once a writer has the order, the verdict is awaited whatever ctx says,
	// so that an order written is reported written. A writer skips orders
	// whose ctx ended before they were sent, and a batch gets no more time
	// than its most patient caller (see batchContext).
	return <-req.done, nil
}

// writeOrders is one order writer; it runs from Open until Close.
func (s *Store) writeOrders() {
	batch := make([]*orderRequest, 0, maxBatch)
	for {
		batch = batch[:0]
		select {
		case <-s.closing: // before taking more, however many wait
			return
		default:
		}
		select {
		case req := <-s.queue:
			batch = append(batch, req)
		case <-s.closing:
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case req := <-s.queue:
				batch = append(batch, req)
			default:
				break more
			}
		}
		s.writeBatch(batch)
		clear(batch) // answered: let them go
	}
}

// writeBatch writes batch and gives each of its orders a verdict.
//
// Orders that redeem a code count its use with an UPDATE of the code's row,
// whose lock the batch holds until it commits: orders of one promotion in
// other batches wait for that commit, which keeps the count exact. Sorted by
// code, every batch takes the codes' locks in the same order, so two batches
// cannot wait for each other on two codes. (Orders written alone take one
// code each.) The store's other unique checks, on seats, wait the same way,
// but the engine never lets two orders sell one seat.
func (s *Store) writeBatch(batch []*orderRequest) {
	slices.SortStableFunc(batch, func(a, b *orderRequest) int { return strings.Compare(a.args.code, b.args.code) })
	for attempt := 1; ; attempt++ {
		batch = skipAbandoned(batch)
		if len(batch) == 0 {
			return
		}
		failed, err := s.sendBatch(batch)
		if err == nil {
			s.stats.batches.Add(1)
			s.stats.orders.Add(int64(len(batch)))
			answer(batch, verdictWritten)
			return
		}
		// A server error aborted the transaction: nothing was written. Any
		// other error may have come after the commit; the callers, writing
		// alone, find out which.
		var pe *pgconn.PgError
		if attempt == batchAttempts || failed < 0 || !errors.As(err, &pe) {
			s.stats.alone.Add(int64(len(batch)))
			answer(batch, verdictAlone)
			return
		}
		s.stats.alone.Add(1)
		answer(batch[failed:failed+1], verdictAlone)
		batch = slices.Delete(batch, failed, failed+1)
	}
}

// skipAbandoned answers the orders whose callers gave up and returns the
// others, in place.
func skipAbandoned(batch []*orderRequest) []*orderRequest {
	return slices.DeleteFunc(batch, func(req *orderRequest) bool {
		if req.ctx.Err() != nil {
			req.done <- verdictSkipped
			return true
		}
		return false
	})
}

// answer gives every order of batch the verdict v.
func answer(batch []*orderRequest, v verdict) {
	for _, req := range batch {
		req.done <- v
	}
}

// sendBatch runs the inserts of batch in one pipeline, one transaction. When
// a statement fails it returns its index with the error, otherwise -1.
func (s *Store) sendBatch(batch []*orderRequest) (failed int, err error) {
	ctx, cancel := batchContext(batch)
	defer cancel()
	b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(batch))}
	// of[j] is the order whose statement j is: its insert, or the fence
	// check (issue 18) queued before the first order of each owner's token,
	// which then holds for the rest of the batch's transaction.
	of := make([]int, 0, len(batch))
	var checked map[orderFence]bool
	for i, req := range batch {
		if f := (orderFence{req.args.perf, req.args.fence}); f.token != 0 && !checked[f] {
			if checked == nil {
				checked = make(map[orderFence]bool)
			}
			checked[f] = true
			b.Queue(checkFence, f.perf, int64(f.token))
			of = append(of, i)
		}
		b.Queue(req.args.query, req.args.args...)
		of = append(of, i)
	}
	br := s.pool.SendBatch(ctx, b)
	for _, i := range of {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return i, err
		}
	}
	return -1, br.Close()
}

// orderFence is an owner's token of a performance, checked once a batch.
type orderFence struct {
	perf  string
	token uint64
}

// batchContext gives a batch as long as its most patient caller, and no more
// than batchTimeout: it serves several callers, so it must not end with the
// first of them to give up, nor keep any waiting forever.
func batchContext(batch []*orderRequest) (context.Context, context.CancelFunc) {
	limit := time.Now().Add(batchTimeout)
	var latest time.Time
	for _, req := range batch {
		d, ok := req.ctx.Deadline()
		if !ok || d.After(limit) {
			latest = limit
			break
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(context.Background(), latest)
}
