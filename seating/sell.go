package seating

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pricing"
)

// What the checkout (package checkout) does to seats: it pins a hold and
// prices it, writes the order, and then tells this package what became of
// the seats. The store decides; the engine follows.

// ID is the performance's id.
func (p *Perf) ID() string { return p.id }

// Meta is the performance as stored, without its seat maps.
func (p *Perf) Meta() catalog.Performance { return *p.meta.Load() }

// Currency is the currency of its zones ("" without zones).
func (p *Perf) Currency() string { return p.currency() }

// Hall is the performance's hall: immutable, safe for concurrent use.
func (p *Perf) Hall() *hall.Hall { return p.hall }

// SeatIDs maps dense seat indices to public seat ids.
func (p *Perf) SeatIDs(seats []uint32) []string { return p.ids(seats) }

// SeatIndices maps public seat ids to dense indices, naming unknown ones.
func (p *Perf) SeatIndices(ids []string) ([]uint32, error) { return p.indices(ids) }

// Performance returns a loaded performance.
//
// On several nodes a performance another node owns is a read-only view
// (views.go): its set-up without live seats; writes through it are refused.
func (s *Service) Performance(ctx context.Context, id string) (*Perf, error) { return s.read(ctx, id) }

// Quote is a hold pinned for sale and what its seats cost.
type Quote struct {
	Token    string
	Channel  string // the channel it sells from: web, or the most specific a staff hold may use
	Tickets  []order.Ticket
	Total    int64
	Currency string
}

// PinForSale finds a hold's performance, pins the hold (it can neither
// expire nor be released until Sold or Unpin) and prices its seats. A hold
// of a reservation is refused: it changes through its order.
func (s *Service) PinForSale(ctx context.Context, token string, a Actor) (*Perf, Quote, error) {
	p, err := s.shardOf(ctx, token)
	if err != nil {
		return nil, Quote{}, err
	}
	if p.Status() == catalog.Cancelled {
		return nil, Quote{}, fmt.Errorf("performance %s: %w", p.id, ErrCancelled)
	}
	if p.reserved(token) {
		return nil, Quote{}, ErrReserved
	}
	v, err := p.shard.Pin(token, a.may())
	if err != nil {
		return nil, Quote{}, err
	}
	q := Quote{Token: token, Channel: ChannelWeb}
	if names := p.channelNames(v.Channels); a.Staff() && len(names) > 0 {
		q.Channel = names[len(names)-1] // the most specific channel sold from
	}
	// The zone map and the zone list are read together, under the set-up
	// lock, so that prices match the map.
	p.mu.RLock()
	zoneOf := p.shard.ZonesOf(v.Seats, make([]uint16, 0, len(v.Seats)))
	q.Tickets, q.Total, q.Currency, err = pricing.Tickets(p.zones(), zoneOf, v.Seats, func(seat uint32) string { return p.hall.Seats[seat].ID })
	p.mu.RUnlock()
	var unpriced *pricing.UnpricedError
	if errors.As(err, &unpriced) {
		p.shard.Unpin(token)
		return nil, Quote{}, &TakenError{Seats: p.ids([]uint32{unpriced.Seat})}
	}
	return p, q, nil
}

// Unpin ends a sale that did not happen: the hold is as it was, and lapses
// now if its deadline passed meanwhile.
func (s *Service) Unpin(p *Perf, token string) { p.shard.Unpin(token) }

// Sold turns a pinned hold's seats sold once its order is stored. The lease
// is released in the background: the order does not wait on the lease store.
func (s *Service) Sold(p *Perf, token string) {
	if err := p.shard.Confirm(token); err != nil {
		s.log.Error("confirm a stored order's hold in the engine", "performance", p.id, "err", err)
	}
	s.caps.drop(token)
	s.dropLease(p, token)
}

// SoldAgain makes sure the seats of an order the store has sold show sold:
// its hold turns sold if it is still there (a first attempt stored the order
// and failed before), else the seats are marked sold.
func (s *Service) SoldAgain(p *Perf, token string, seats []uint32) {
	if p.shard.Confirm(token) != nil {
		s.MarkSold(p, seats)
	}
}

// MarkSold shows seats sold that the store has sold (a retry that landed, an
// order another node made).
func (s *Service) MarkSold(p *Perf, seats []uint32) {
	if _, _, err := p.shard.MarkSold(seats); err != nil {
		s.log.Error("show seats sold that the store has sold", "performance", p.id, "err", err)
	}
}

// Refunded puts refunded seats back on sale; seats already free are skipped.
func (s *Service) Refunded(p *Perf, seats []uint32) {
	if _, _, err := p.shard.Refund(seats); err != nil {
		s.log.Error("free refunded seats", "performance", p.id, "err", err)
	}
}

// Reserved turns a pinned hold into a reservation's, stored as r: it holds
// its seats until r.Deadline and changes only through its order. The hold
// stays pinned: the engine never frees it by itself. When the deadline passes
// the sweeper queues the order (Lapsed), the checkout ends it in the store,
// and only then are the seats freed (ReservationEnded): a seat is never on
// sale here while the store still has a live ticket on it.
func (s *Service) Reserved(p *Perf, token string, r Reservation) {
	p.mu.Lock()
	p.reservations[token] = &reservation{OrderID: r.OrderID, Number: r.Number, Buyer: r.Buyer, Email: r.Email, Deadline: r.Deadline}
	p.mu.Unlock()
	if err := p.shard.Extend(token, engine.AnyOwner, r.Deadline); err != nil {
		s.log.Error("extend a reserved hold", "order", r.OrderID, "err", err)
	}
	p.shard.Touch()
	s.caps.drop(token)
	s.dropLease(p, token)
}

// ReservationExtended moves a reservation's hold to its new deadline.
func (s *Service) ReservationExtended(p *Perf, token string, deadline time.Time) {
	p.mu.Lock()
	if r := p.reservations[token]; r != nil {
		r.Deadline, r.lapsing = deadline, false
	}
	p.mu.Unlock()
	if err := p.shard.Extend(token, engine.AnyOwner, deadline); err != nil {
		s.log.Error("extend a reserved hold", "performance", p.id, "err", err)
	}
}

// ReservationEnded frees (sold false) or sells (sold true) the seats of a
// reservation whose order the store has ended; seats are the order's, in
// case the hold is gone (a restart after the deadline).
func (s *Service) ReservationEnded(p *Perf, token string, sold bool, seats []uint32) {
	p.mu.Lock()
	delete(p.reservations, token)
	p.mu.Unlock()
	var err error
	if sold {
		err = p.shard.Confirm(token)
	} else {
		// Unpinning a hold whose deadline passed frees it; one still within
		// its deadline (annulled early) is released.
		p.shard.Unpin(token)
		if err = p.shard.Release(token, engine.AnyOwner); errors.Is(err, engine.ErrNotFound) {
			err = nil
		}
	}
	switch {
	case err != nil && sold:
		s.MarkSold(p, seats)
	case err != nil && !errors.Is(err, engine.ErrNotFound):
		s.log.Error("free the seats of an ended reservation", "performance", p.id, "err", err)
	}
	p.shard.Touch()
}

// TakeLapsed returns the orders of reservations whose deadline passed, found
// by the sweeper or at a rebuild, and forgets them: the checkout marks them
// expired in the store, and queues again with Lapsed those it could not.
func (s *Service) TakeLapsed() []string {
	s.pendMu.Lock()
	defer s.pendMu.Unlock()
	ids := make([]string, 0, len(s.pending))
	for id := range s.pending {
		ids = append(ids, id)
	}
	clear(s.pending)
	return ids
}

// lapseReservations queues the orders of reservations (and of orders waiting
// for their payment) whose deadline has passed, once each. Their holds stay
// pinned until the checkout has ended them in the store (see Reserved).
func (s *Service) lapseReservations(p *Perf, now time.Time) {
	var due []string
	p.mu.Lock()
	for _, r := range p.reservations {
		if !r.lapsing && !r.Deadline.After(now) {
			r.lapsing = true
			due = append(due, r.OrderID)
		}
	}
	p.mu.Unlock()
	for _, id := range due {
		s.Lapsed(id)
	}
}

// Lapsed queues a reservation's order whose deadline passed.
func (s *Service) Lapsed(orderID string) {
	s.pendMu.Lock()
	s.pending[orderID] = struct{}{}
	s.pendMu.Unlock()
}

// OpenHolds counts a performance's live holds and their seats.
func (s *Service) OpenHolds(ctx context.Context, id string) (holds, seats int, err error) {
	p, err := s.load(ctx, id)
	if err != nil {
		return 0, 0, err
	}
	return p.shard.HoldCount(), p.shard.Counts().Held, nil
}

// AllOpenHolds counts the live holds, and their seats, of every performance. A
// hold exists only in a loaded shard (it is made in one, and Rebuild loads every
// performance not long past), so the loaded shards hold every one there is.
func (s *Service) AllOpenHolds() (holds, seats int) {
	s.mu.RLock()
	perfs := make([]*Perf, 0, len(s.shards))
	for _, p := range s.shards {
		perfs = append(perfs, p)
	}
	s.mu.RUnlock()
	for _, p := range perfs {
		holds += p.shard.HoldCount()
		seats += p.shard.Counts().Held
	}
	return holds, seats
}

// TakeForSale takes seats by index for a sale the store has still to decide
// — a payment that succeeded after its order lapsed — in a hold of their own,
// pinned at once: seats taken go to the engine first (ARCHITECTURE.md, the
// order of writes). Held, sold or blocked seats give *TakenError and nothing
// changes. The caller ends the hold with Sold (the store sold the seats) or
// ReleaseTaken (it did not).
func (s *Service) TakeForSale(p *Perf, seats []uint32) (token string, err error) {
	token = newHoldToken(p.id)
	_, err = p.shard.Hold(engine.HoldRequest{Token: token, Owner: "system:payment", Seats: seats,
		Channels: engine.AllChannels, Expires: s.now().Add(time.Minute)}, nil)
	if err != nil {
		return "", p.publicError(err)
	}
	if _, err := p.shard.Pin(token, engine.AnyOwner); err != nil {
		// Nobody else knows the token: only a bug gets here.
		s.ReleaseTaken(p, token)
		return "", err
	}
	return token, nil
}

// ReleaseTaken gives back the seats of a hold TakeForSale made, after the store
// refused the sale: nothing was written, so nothing waits on the engine.
func (s *Service) ReleaseTaken(p *Perf, token string) {
	p.shard.Unpin(token)
	if err := p.shard.Release(token, engine.AnyOwner); err != nil && !errors.Is(err, engine.ErrNotFound) {
		s.log.Error("release a hold taken for a sale", "performance", p.id, "err", err)
	}
}
