package checkout

import (
	"context"
	"errors"
	"fmt"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store"
)

// GetOrder returns an order to the session that made it, or to staff.
func (s *Service) GetOrder(ctx context.Context, id string, a seating.Actor) (order.Order, error) {
	var o order.Order
	o, err := s.store.GetOrder(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.Staff() && o.Session != a.Session) {
		return order.Order{}, fmt.Errorf("order %s: %w", id, ErrOrderNotFound)
	}
	return o, err
}

// OpenOrder returns an order to the session that made it, to staff, or to
// whoever has its access key (the link in its e-mail). Anyone else, and a
// wrong key, is told it is not found: an order's existence is not given away.
func (s *Service) OpenOrder(ctx context.Context, id, key string, a seating.Actor) (order.Order, error) {
	o, err := s.store.GetOrder(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return order.Order{}, fmt.Errorf("order %s: %w", id, ErrOrderNotFound)
	case err != nil:
		return order.Order{}, err
	case a.Staff() || (a.Session != "" && o.Session == a.Session) || (key != "" && order.Opens(o, key)):
		return o, nil
	}
	return order.Order{}, fmt.Errorf("order %s: %w", id, ErrOrderNotFound)
}

// ListOrders lists orders for staff.
func (s *Service) ListOrders(ctx context.Context, f order.Filter) ([]order.Order, error) {
	var out []order.Order
	out, err := s.store.ListOrders(ctx, f)
	return out, err
}

// OrderDetails is everything the order page shows.
type OrderDetails struct {
	Order    order.Order
	History  []order.Event
	Refunds  []order.Refund
	Messages []outbox.Message
}

// OrderDetails returns an order with its history, refunds, payments at the
// provider and e-mails, for staff.
func (s *Service) OrderDetails(ctx context.Context, id string, a seating.Actor) (OrderDetails, error) {
	o, err := s.GetOrder(ctx, id, a)
	if err != nil {
		return OrderDetails{}, err
	}
	d := OrderDetails{Order: o}
	if d.History, err = s.store.OrderHistory(ctx, id); err != nil {
		return OrderDetails{}, err
	}
	if d.Refunds, err = s.store.Refunds(ctx, id); err != nil {
		return OrderDetails{}, err
	}
	if d.Order.Payments, err = s.store.Payments(ctx, id); err != nil {
		return OrderDetails{}, err
	}
	d.Messages, err = s.store.OrderMessages(ctx, id)
	return d, err
}

// Resend queues the order's e-mail again.
func (s *Service) Resend(ctx context.Context, id string, a seating.Actor) (outbox.Message, error) {
	o, err := s.GetOrder(ctx, id, a)
	if err != nil {
		return outbox.Message{}, err
	}
	if o.BuyerEmail == "" {
		return outbox.Message{}, &input.Error{Field: "buyer.email", Reason: "the order has no e-mail address to send to"}
	}
	p, err := s.perfOf(ctx, o)
	if err != nil {
		return outbox.Message{}, err
	}
	if o.Payments, err = s.store.Payments(ctx, o.ID); err != nil {
		return outbox.Message{}, err
	}
	m := s.message(p, o, outbox.KindResend, "As asked, here is your order again.")
	err = s.store.RecordOrderEvent(ctx, id, order.ActionResent, "to "+o.BuyerEmail, order.Change{Actor: a.Label(), Notify: m})
	if err != nil {
		return outbox.Message{}, err
	}
	m.OrderID = o.ID
	return *m, nil
}
