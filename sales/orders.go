package sales

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/store"
)

// ConfirmInput turns a hold into an order.
type ConfirmInput struct {
	Token          string
	Owner          string
	BuyerName      string
	BuyerEmail     string
	IdempotencyKey string // optional; a retry with the same key returns the first order
}

// MaxIdempotencyKey bounds the Idempotency-Key header.
const MaxIdempotencyKey = 200

func (in *ConfirmInput) validate() error {
	in.BuyerName = strings.TrimSpace(in.BuyerName)
	in.BuyerEmail = strings.TrimSpace(in.BuyerEmail)
	switch {
	case in.Token == "":
		return &InputError{Field: "hold_token", Reason: "is empty"}
	case in.BuyerName == "":
		return &InputError{Field: "buyer.name", Reason: "is empty"}
	case len(in.BuyerName) > hall.MaxNameLen:
		return &InputError{Field: "buyer.name", Reason: fmt.Sprintf("is longer than %d characters", hall.MaxNameLen)}
	case strings.IndexFunc(in.BuyerName, unicode.IsControl) >= 0:
		return &InputError{Field: "buyer.name", Reason: "contains control characters"}
	case len(in.BuyerEmail) > 254:
		return &InputError{Field: "buyer.email", Reason: "is longer than 254 characters"}
	case len(in.IdempotencyKey) > MaxIdempotencyKey:
		return &InputError{Field: "Idempotency-Key", Reason: fmt.Sprintf("is longer than %d characters", MaxIdempotencyKey)}
	}
	if a, err := mail.ParseAddress(in.BuyerEmail); err != nil || a.Address != in.BuyerEmail || !strings.Contains(a.Address, "@") {
		return &InputError{Field: "buyer.email", Reason: fmt.Sprintf("%q is not an e-mail address", in.BuyerEmail)}
	}
	return nil
}

// Confirm sells the seats of owner's hold. The hold is pinned (it cannot expire
// or be released) while the order is written; only a stored order turns the seats
// sold. With an idempotency key, retries — also concurrent ones — return the
// first order and never sell twice. replayed reports a retry.
func (s *Service) Confirm(ctx context.Context, in ConfirmInput) (o store.Order, replayed bool, err error) {
	if err := in.validate(); err != nil {
		return store.Order{}, false, err
	}
	if in.IdempotencyKey == "" {
		o, err := s.confirm(ctx, in)
		return o, false, err
	}
	type result struct {
		o        store.Order
		replayed bool
	}
	v, err, shared := s.confirms.Do(in.Owner+"\x00"+in.IdempotencyKey, func() (any, error) {
		o, replayed, err := s.replay(ctx, in)
		if err != nil || replayed {
			return result{o, replayed}, err
		}
		o, err = s.confirm(ctx, in)
		if errors.Is(err, store.ErrIdempotencyKey) { // another node won the race
			o, replayed, err = s.replay(ctx, in)
		}
		return result{o, replayed}, err
	})
	if err != nil {
		return store.Order{}, false, err
	}
	r := v.(result)
	return r.o, r.replayed || shared, nil
}

// replay returns the order already made with in's idempotency key, if any, and
// makes sure the engine shows its seats sold.
func (s *Service) replay(ctx context.Context, in ConfirmInput) (store.Order, bool, error) {
	var o store.Order
	err := s.db.do(ctx, func(ctx context.Context) (err error) {
		o, err = s.store.OrderByIdempotencyKey(ctx, in.Owner, in.IdempotencyKey)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Order{}, false, nil
	}
	if err != nil {
		return store.Order{}, false, fmt.Errorf("look up idempotency key: %w", err)
	}
	if o.HoldToken != in.Token {
		return store.Order{}, false, ErrIdempotencyMismatch
	}
	// A first attempt may have stored the order and then failed before the seats
	// turned sold (a timeout after commit): converge now.
	if p, err := s.load(ctx, o.PerformanceID); err == nil {
		if p.shard.Confirm(in.Token) != nil {
			seats := make([]uint32, len(o.Tickets))
			for i, t := range o.Tickets {
				seats[i] = t.Seat
			}
			_, _, _ = p.shard.MarkSold(seats)
		}
	}
	return o, true, nil
}

func (s *Service) confirm(ctx context.Context, in ConfirmInput) (store.Order, error) {
	p, err := s.shardOf(ctx, in.Token)
	if err != nil {
		return store.Order{}, err
	}
	v, err := p.shard.Pin(in.Token, in.Owner)
	if err != nil {
		return store.Order{}, err
	}
	zoneOf := p.shard.ZoneOf()
	o := store.Order{
		ID: newOrderID(), Number: newOrderNumber(), PerformanceID: p.id, Status: store.OrderPaid,
		BuyerName: in.BuyerName, BuyerEmail: in.BuyerEmail, Session: in.Owner,
		HoldToken: in.Token, IdempotencyKey: in.IdempotencyKey,
	}
	for _, seat := range v.Seats {
		if zoneOf[seat] == hall.NoZone || int(zoneOf[seat]) >= len(p.zones) {
			p.shard.Unpin(in.Token)
			return store.Order{}, &TakenError{Seats: p.ids([]uint32{seat})}
		}
		z := p.zones[zoneOf[seat]]
		o.Tickets = append(o.Tickets, store.Ticket{Seat: seat, SeatID: p.hall.Seats[seat].ID, Zone: z.ID, Price: z.Price, Status: store.TicketLive})
		o.Total += z.Price
		o.Currency = z.Currency
	}
	var stored store.Order
	for attempt := 0; ; attempt++ {
		err = s.db.do(ctx, func(ctx context.Context) (err error) {
			stored, err = s.store.CreateOrder(ctx, o)
			return err
		})
		if errors.Is(err, store.ErrDuplicate) && attempt < 3 { // an order number drawn twice
			o.ID, o.Number = newOrderID(), newOrderNumber()
			continue
		}
		break
	}
	if err != nil {
		p.shard.Unpin(in.Token)
		var sold *store.SeatsSoldError
		if errors.As(err, &sold) {
			// The store knows sales this shard does not (another node, or a
			// retry that landed): believe the store.
			_, _, _ = p.shard.MarkSold(sold.Seats)
			return store.Order{}, &TakenError{Seats: p.ids(sold.Seats)}
		}
		return store.Order{}, fmt.Errorf("store order: %w", err)
	}
	if err := p.shard.Confirm(in.Token); err != nil {
		s.log.Error("confirm stored order in engine", "order", stored.ID, "err", err)
	}
	if err := s.kv.do(ctx, func(ctx context.Context) error { return s.leases.Release(ctx, p.id, in.Token) }); err != nil {
		// Harmless: the lease expires on its own, and a rebuild drops leases on
		// sold seats.
		s.log.Warn("release lease of confirmed hold", "order", stored.ID, "err", err)
	}
	return stored, nil
}

// GetOrder returns an order to the session that made it, or to staff.
func (s *Service) GetOrder(ctx context.Context, id, owner string, staff bool) (store.Order, error) {
	var o store.Order
	err := s.db.do(ctx, func(ctx context.Context) (err error) {
		o, err = s.store.GetOrder(ctx, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) || (err == nil && !staff && o.Session != owner) {
		return store.Order{}, fmt.Errorf("order %s: %w", id, ErrOrderNotFound)
	}
	return o, err
}

// ListOrders lists orders for staff.
func (s *Service) ListOrders(ctx context.Context, f store.OrderFilter) ([]store.Order, error) {
	var out []store.Order
	err := s.db.do(ctx, func(ctx context.Context) (err error) {
		out, err = s.store.ListOrders(ctx, f)
		return err
	})
	return out, err
}
