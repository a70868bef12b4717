package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/seatmap/seatmap/order"
)

// Group commit. With synchronous=FULL every commit waits for an fsync, some
// milliseconds on an ordinary disk, so one order per commit would cap an
// on-sale surge at a few hundred orders a second. writeOrders instead takes
// every order waiting at that moment, writes each under its own savepoint, so
// that a failing order rolls back alone, and commits them all with one fsync.

// maxBatch bounds how long the write lock is held for one commit.
const maxBatch = 256

// errClosed answers orders that arrive after Close.
var errClosed = errors.New("sqlite store is closed")

type orderRequest struct {
	ctx  context.Context
	o    order.Order
	done chan error // buffered, so the writer never waits for the caller
}

const (
	savepoint           = `SAVEPOINT order_insert`
	releaseSavepoint    = `RELEASE order_insert`
	rollbackToSavepoint = `ROLLBACK TO order_insert`
)

// orderStmts are the statements every order of a batch runs, prepared once
// in the batch's transaction rather than parsed again for each order.
type orderStmts struct {
	savepoint, release, rollbackTo *sql.Stmt
	order, ticket, event, message  *sql.Stmt
	pass                           *sql.Stmt
}

func prepareOrderStmts(ctx context.Context, tx *sql.Tx) (*orderStmts, error) {
	st := &orderStmts{}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&st.savepoint, savepoint}, {&st.release, releaseSavepoint}, {&st.rollbackTo, rollbackToSavepoint},
		{&st.order, insertOrder}, {&st.ticket, insertTicket}, {&st.event, insertEvent}, {&st.message, insertMessageSQL}, {&st.pass, insertPass},
	} {
		var err error
		if *p.stmt, err = tx.PrepareContext(ctx, p.query); err != nil {
			st.close()
			return nil, err
		}
	}
	return st, nil
}

func (st *orderStmts) close() {
	for _, s := range []*sql.Stmt{st.savepoint, st.release, st.rollbackTo, st.order, st.ticket, st.event, st.message, st.pass} {
		if s != nil {
			s.Close()
		}
	}
}

// submitOrder hands o to the order writer and returns how its write ended.
func (s *Store) submitOrder(ctx context.Context, o order.Order) error {
	req := &orderRequest{ctx: ctx, o: o, done: make(chan error, 1)}
	select {
	case s.queue <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closing:
		return errClosed
	}
	// Once the writer has the order, the answer is awaited whatever ctx says:
	// an order is written and reported, or neither, never written behind an
	// error. The writer skips orders whose ctx ended before their turn.
	return <-req.done
}

// writeOrders is the order writer; it runs from Open until Close.
func (s *Store) writeOrders() {
	defer close(s.writerDone)
	for {
		var batch []*orderRequest
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
		for i, err := range s.writeBatch(batch) {
			batch[i].done <- err
		}
	}
}

// writeBatch writes the orders of batch in one transaction and returns each
// one's outcome. An error of the transaction itself (begin, savepoint,
// commit) fails every order: none of them was written.
func (s *Store) writeBatch(batch []*orderRequest) []error {
	// The transaction serves several callers; it must not end with the first
	// of them to give up.
	ctx := context.Background()
	errs := make([]error, len(batch))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		st, err := prepareOrderStmts(ctx, tx)
		if err != nil {
			return err
		}
		defer st.close()
		for i, req := range batch {
			if err := req.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if _, err := st.savepoint.ExecContext(ctx); err != nil {
				return err
			}
			errs[i] = insertOrderRows(ctx, tx, st, req.o)
			if errs[i] != nil {
				if _, err := st.rollbackTo.ExecContext(ctx); err != nil {
					return err
				}
			}
			if _, err := st.release.ExecContext(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
	}
	return errs
}
