package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store"
)

const (
	paymentColumns = `id, order_id, provider, coalesce(provider_id, ''), kind, refund_id, amount, currency, status,
client_secret, idempotency_key, reason, created_at, updated_at`
	// A second save of a row (the same order and idempotency key: a retried
	// refund) fills in what the provider answered, and moves on from pending
	// only.
	savePayment = `INSERT INTO payments (id, order_id, provider, provider_id, kind, refund_id, amount, currency, status,
  client_secret, idempotency_key, reason, created_at, updated_at)
VALUES ($1, $2, $3, nullif($4, ''), $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
ON CONFLICT (order_id, idempotency_key) DO UPDATE SET
  provider_id = coalesce(payments.provider_id, EXCLUDED.provider_id),
  status = CASE WHEN payments.status = 'pending' THEN EXCLUDED.status ELSE payments.status END,
  updated_at = EXCLUDED.updated_at
RETURNING ` + paymentColumns
	insertReturn = `INSERT INTO payments (id, order_id, provider, provider_id, kind, refund_id, amount, currency, status,
  client_secret, idempotency_key, reason, created_at, updated_at)
VALUES ($1, $2, $3, NULL, 'refund', '', $4, $5, 'pending', '', $6, $7, $8, $8)
ON CONFLICT (order_id, idempotency_key) DO NOTHING`
	selectPayments          = `SELECT ` + paymentColumns + ` FROM payments WHERE order_id = $1 ORDER BY created_at, id`
	selectPaymentByProvider = `SELECT ` + paymentColumns + ` FROM payments WHERE provider = $1 AND provider_id = $2`
	lockPaymentByProvider   = selectPaymentByProvider + ` FOR UPDATE`
	insertPaymentEvent      = `INSERT INTO payment_events (provider, event_id, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
	setPaymentStatus        = `UPDATE payments SET status = $2, reason = CASE WHEN $3 = '' THEN reason ELSE $3 END, updated_at = $4 WHERE id = $1`
	payOnline               = `UPDATE orders SET status = 'paid', payment_method = 'online', deadline = NULL, updated_at = $2 WHERE id = $1`
	reliveTickets           = `UPDATE tickets SET status = 'live' WHERE order_id = $1 AND status = 'void'`
	// takeCodeUse counts again the use of a lapsed order's code that its lapse
	// gave back. A code used up meanwhile is honoured all the same (the buyer
	// paid the discounted price) without a count its limit would refuse.
	takeCodeUse  = `UPDATE codes SET uses = uses + 1, updated_at = $2 WHERE code = $1 AND (max_uses = 0 OR uses < max_uses)`
	liveOfOthers = `SELECT t.seat_index FROM tickets t JOIN tickets mine ON mine.performance_id = t.performance_id AND mine.seat_index = t.seat_index
WHERE mine.order_id = $1 AND t.order_id <> $1 AND t.status = 'live'
ORDER BY t.seat_index`
)

func scanPayment(r pgx.Row) (order.Payment, error) {
	var p order.Payment
	err := r.Scan(&p.ID, &p.OrderID, &p.Provider, &p.ProviderID, &p.Kind, &p.RefundID, &p.Amount, &p.Currency, &p.Status,
		&p.ClientSecret, &p.IdempotencyKey, &p.Reason, &p.CreatedAt, &p.UpdatedAt)
	utc(&p.CreatedAt)
	utc(&p.UpdatedAt)
	return p, err
}

// SavePayment writes a payment row, or, when the order already has one with
// its idempotency key, fills in the provider's id and status it lacked and
// returns the row as stored. ErrNotFound for no such order; ErrDuplicate for
// a provider id another row has.
func (s *Store) SavePayment(ctx context.Context, p order.Payment) (order.Payment, error) {
	at := s.now()
	out, err := scanPayment(s.pool.QueryRow(ctx, savePayment, p.ID, p.OrderID, p.Provider, p.ProviderID, p.Kind, p.RefundID,
		p.Amount, p.Currency, p.Status, p.ClientSecret, p.IdempotencyKey, p.Reason, at))
	switch {
	case isMissingParent(err):
		return order.Payment{}, fmt.Errorf("save payment of order %s: %w", p.OrderID, store.ErrNotFound)
	case isUnique(err):
		return order.Payment{}, fmt.Errorf("save payment of order %s: %w", p.OrderID, store.ErrDuplicate)
	case err != nil:
		return order.Payment{}, fmt.Errorf("save payment of order %s: %w", p.OrderID, err)
	}
	return out, nil
}

// Payments lists an order's payments and refunds at providers, oldest first.
func (s *Store) Payments(ctx context.Context, orderID string) ([]order.Payment, error) {
	rows, err := s.pool.Query(ctx, selectPayments, orderID)
	if err != nil {
		return nil, fmt.Errorf("payments of %s: %w", orderID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (order.Payment, error) { return scanPayment(r) })
	if err != nil {
		return nil, fmt.Errorf("payments of %s: %w", orderID, err)
	}
	return out, nil
}

// PaymentByProviderID finds a payment or refund by the provider's id.
func (s *Store) PaymentByProviderID(ctx context.Context, provider, id string) (order.Payment, error) {
	p, err := scanPayment(s.pool.QueryRow(ctx, selectPaymentByProvider, provider, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return order.Payment{}, fmt.Errorf("payment %s %s: %w", provider, id, order.ErrPaymentNotFound)
	}
	if err != nil {
		return order.Payment{}, fmt.Errorf("payment %s %s: %w", provider, id, err)
	}
	return p, nil
}

// ApplyPaymentEvent records a provider's event and applies it (see
// order.PlanPayment) in one transaction: an event recorded before is a
// replay and changes nothing, so any number of deliveries of one event have
// one effect. The insert of the event's key makes racing deliveries wait for
// the first to commit and then find it. An event whose payment is unknown or
// does not match is not recorded.
func (s *Store) ApplyPaymentEvent(ctx context.Context, e order.PaymentEvent) (order.PaymentResult, error) {
	var res order.PaymentResult
	ref := e.PaymentID
	if e.Type == order.EventRefundSucceeded || e.Type == order.EventRefundFailed {
		ref = e.RefundID
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		res = order.PaymentResult{}
		at := s.now()
		tag, err := tx.Exec(ctx, insertPaymentEvent, e.Provider, e.EventID, at)
		if err != nil {
			return err
		}
		p, err := scanPayment(tx.QueryRow(ctx, lockPaymentByProvider, e.Provider, ref))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("payment %s %s: %w", e.Provider, ref, order.ErrPaymentNotFound)
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			res.Replayed, res.Outcome, res.Payment = true, order.OutcomeNone, p
			return nil
		}
		o, err := lockOrder(ctx, tx, p.OrderID)
		if err != nil {
			return err
		}
		plan, err := order.PlanPayment(o, p, e, at)
		if err != nil {
			return err
		}
		if plan.SellAgain {
			sold, err := sellAgain(ctx, tx, o, at)
			if err != nil {
				return err
			}
			if len(sold) > 0 {
				res.Sold = sold
				e.SellAgain = false
				if plan, err = order.PlanPayment(o, p, e, at); err != nil {
					return err
				}
			}
		}
		res.Outcome = plan.Outcome
		if plan.PaymentStatus != "" {
			if _, err := tx.Exec(ctx, setPaymentStatus, p.ID, plan.PaymentStatus, plan.Reason, at); err != nil {
				return err
			}
		}
		if err := s.applyOrderPlan(ctx, tx, &o, plan, at); err != nil {
			return err
		}
		if plan.Refund != nil {
			rf := *plan.Refund
			if _, err := tx.Exec(ctx, insertReturn, rf.ID, rf.OrderID, rf.Provider, rf.Amount, rf.Currency, rf.IdempotencyKey, rf.Reason, at); err != nil {
				return err
			}
		}
		if plan.Action != "" {
			if err := record(ctx, tx, o, at, plan.Action, plan.Detail, order.Change{Actor: e.Actor, Notify: plan.Notify}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return order.PaymentResult{}, fmt.Errorf("apply %s event %s: %w", e.Provider, e.EventID, err)
	}
	return order.CompletePaymentResult(ctx, s, res, e.Provider, ref)
}

// applyOrderPlan moves the order as plan says, in tx.
func (s *Store) applyOrderPlan(ctx context.Context, tx pgx.Tx, o *order.Order, plan order.PaymentPlan, at time.Time) error {
	switch plan.OrderStatus {
	case "":
		return nil
	case order.Paid:
		if _, err := tx.Exec(ctx, payOnline, o.ID, at); err != nil {
			return err
		}
	case order.PaymentFailed:
		if _, err := tx.Exec(ctx, endReservation, o.ID, order.PaymentFailed, at); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, voidTickets, o.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, voidPasses, o.ID, at); err != nil {
			return err
		}
		if o.VoucherCode != "" {
			if _, err := tx.Exec(ctx, returnCodeUse, o.VoucherCode, at); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("payment plan: order status %q: %w", plan.OrderStatus, store.ErrConflict)
	}
	o.Status = plan.OrderStatus
	return nil
}

// sellAgain makes a lapsed order's void tickets live again (and counts its
// code's use again) under a savepoint: if another order has a live ticket for
// one of its seats, the savepoint is rolled back and those seats returned.
func sellAgain(ctx context.Context, tx pgx.Tx, o order.Order, at time.Time) ([]uint32, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	_, err = sp.Exec(ctx, reliveTickets, o.ID)
	if isUnique(err) {
		if err := sp.Rollback(ctx); err != nil {
			return nil, err
		}
		rows, err := tx.Query(ctx, liveOfOthers, o.ID)
		if err != nil {
			return nil, err
		}
		seats, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return nil, err
		}
		out := make([]uint32, len(seats))
		for i, seat := range seats {
			out[i] = uint32(seat)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("sell order %s again: seats taken, then freed: %w", o.ID, store.ErrConflict)
		}
		return out, nil
	}
	if err != nil {
		_ = sp.Rollback(ctx)
		return nil, err
	}
	if _, err := sp.Exec(ctx, relivePasses, o.ID, at); err != nil {
		_ = sp.Rollback(ctx)
		return nil, err
	}
	if o.VoucherCode != "" {
		if _, err := sp.Exec(ctx, takeCodeUse, o.VoucherCode, at); err != nil {
			_ = sp.Rollback(ctx)
			return nil, err
		}
	}
	return nil, sp.Commit(ctx)
}

// listPayments is payment rows made in [$1, $2) with their orders, newest
// first, from the keyset cursor ($3, $4) on (payments_created's index). The
// client secret is not read: a list is for staff.
const listPayments = `SELECT p.id, p.order_id, p.provider, coalesce(p.provider_id, ''), p.kind, p.refund_id, p.amount, p.currency,
  p.status, '', p.idempotency_key, p.reason, p.created_at, p.updated_at,
  o.number, o.status, o.total, o.refunded, o.currency
FROM payments p JOIN orders o ON o.id = p.order_id
WHERE p.created_at >= $1 AND p.created_at < $2 AND (p.created_at, p.id) < ($3, $4::text)
ORDER BY p.created_at DESC, p.id DESC
LIMIT $5`

// ListPayments lists payment rows made in [f.From, f.To) with their orders,
// newest first, keyset-paged.
func (s *Store) ListPayments(ctx context.Context, f order.PaymentFilter) ([]order.PaymentLine, error) {
	rows, err := s.pool.Query(ctx, listPayments, bound(f.From, pgtype.NegativeInfinity), bound(f.To, pgtype.Infinity),
		bound(f.Before, pgtype.Infinity), f.BeforeID, store.ClampLimit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list payments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (order.PaymentLine, error) {
		var l order.PaymentLine
		p := &l.Payment
		err := r.Scan(&p.ID, &p.OrderID, &p.Provider, &p.ProviderID, &p.Kind, &p.RefundID, &p.Amount, &p.Currency, &p.Status,
			&p.ClientSecret, &p.IdempotencyKey, &p.Reason, &p.CreatedAt, &p.UpdatedAt,
			&l.OrderNumber, &l.OrderStatus, &l.OrderTotal, &l.OrderRefunded, &l.OrderCurrency)
		utc(&p.CreatedAt)
		utc(&p.UpdatedAt)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("list payments: %w", err)
	}
	return out, nil
}
