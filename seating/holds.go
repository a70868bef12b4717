package seating

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/lease"
)

// Actor is who asks: a buyer's anonymous session, or a staff member.
type Actor struct {
	Session string // buyer session id (staff have one too, unused)
	Address string // the client's address (an IPv6 client's /64), for the hold caps
	StaffID string // staff user id; empty for buyers
	Login   string // staff login, for labels
	Role    string // staff role
}

// Staff reports whether the actor is a staff member.
func (a Actor) Staff() bool { return a.StaffID != "" }

// PerformanceOfToken is the performance a hold token names (false if it names none): where a node forwards the hold's commands.
func PerformanceOfToken(token string) (string, bool) { return performanceOfToken(token) }

// owner is what a new hold records as its owner.
func (a Actor) owner() string {
	if a.Staff() {
		return "staff:" + a.Login
	}
	return a.Session
}

// may is the owner check the engine applies: staff act on any hold.
func (a Actor) may() string {
	if a.Staff() {
		return engine.AnyOwner
	}
	return a.Session
}

// Channel names with a fixed meaning.
const (
	ChannelWeb       = "web"
	ChannelBoxOffice = "box_office"
)

// HoldInput asks for seats by id, or (Best) for the best BestCount seats
// together in BestZone (empty: any zone). Channel (staff only) sells from one
// named channel; empty means the actor's usual channels: the web for buyers,
// web and box office for staff. Hold checks every field.
type HoldInput struct {
	Seats     []string
	Best      bool
	BestCount int
	BestZone  string
	// BestAccessible asks best-available for accessible seats only.
	BestAccessible bool
	Channel        string
}

// Hold is a live hold as buyers and staff see it.
type Hold struct {
	Token         string
	PerformanceID string
	Seats         []string
	Expires       time.Time
	Owner         string
	Channels      []string
	Reservation   *Reservation
}

// Reservation is the pay-later order a hold belongs to.
type Reservation struct {
	OrderID  string
	Number   string
	Buyer    string
	Email    string
	Deadline time.Time
}

// channelMask is what an actor may sell from.
func (p *Perf) channelMask(a Actor, named string) (engine.ChannelMask, error) {
	names := p.channels()
	if named != "" {
		if !a.Staff() {
			return 0, &input.Error{Field: "channel", Reason: "only staff may sell from a named channel"}
		}
		i := slices.Index(names, named)
		if i < 0 {
			return 0, &input.Error{Field: "channel", Reason: fmt.Sprintf("no channel %q in this performance", named)}
		}
		return engine.Channel(i).Mask(), nil
	}
	m := engine.Web.Mask()
	if a.Staff() {
		if i := slices.Index(names, ChannelBoxOffice); i >= 0 {
			m |= engine.Channel(i).Mask()
		}
	}
	return m, nil
}

func (p *Perf) channelNames(m engine.ChannelMask) []string {
	var out []string
	for i, n := range p.channels() {
		if m&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Hold takes seats: in the engine first (the authority, all or nothing), then as
// a lease; if the lease cannot be written the engine hold is undone, so a failure
// leaves nothing behind.
func (s *Service) Hold(ctx context.Context, performanceID string, a Actor, in HoldInput) (_ Hold, err error) {
	p, err := s.load(ctx, performanceID)
	if err != nil {
		return Hold{}, err
	}
	if p.Status() == catalog.Cancelled {
		return Hold{}, fmt.Errorf("performance %s: %w", performanceID, ErrCancelled)
	}
	if p.Status() != "on_sale" {
		return Hold{}, fmt.Errorf("performance %s: %w", performanceID, ErrNotOnSale)
	}
	mask, err := p.channelMask(a, in.Channel)
	if err != nil {
		return Hold{}, err
	}
	req := engine.HoldRequest{
		Token:    newHoldToken(performanceID),
		Owner:    a.owner(),
		Channels: mask,
		Expires:  s.now().Add(s.cfg.HoldTTL),
	}
	if in.BestCount != 0 {
		in.Best = true
	}
	switch {
	case len(in.Seats) > 0 && in.Best:
		return Hold{}, &input.Error{Field: "best", Reason: "ask for seats or best-available, not both"}
	case len(in.Seats) > 0:
		if len(in.Seats) > s.cfg.MaxHoldSeats {
			return Hold{}, &input.Error{Field: "seats", Reason: fmt.Sprintf("at most %d seats per hold", s.cfg.MaxHoldSeats)}
		}
		if req.Seats, err = p.lookup(in.Seats); err != nil {
			return Hold{}, err
		}
	case in.Best:
		if in.BestCount < 1 || in.BestCount > s.cfg.MaxHoldSeats {
			return Hold{}, &input.Error{Field: "best.count", Reason: fmt.Sprintf("must be from 1 to %d seats per hold", s.cfg.MaxHoldSeats)}
		}
		req.Best = engine.Best{Count: in.BestCount, Zone: engine.AnyZone, Accessible: in.BestAccessible}
		if in.BestZone != "" {
			req.Best.Zone = slices.IndexFunc(p.zones(), func(z hall.Zone) bool { return z.ID == in.BestZone })
			if req.Best.Zone < 0 {
				return Hold{}, &input.Error{Field: "best.zone", Reason: fmt.Sprintf("no zone %q in this performance", in.BestZone)}
			}
		}
	default:
		return Hold{}, &input.Error{Field: "seats", Reason: "name at least one seat, or ask for best-available with a count"}
	}

	if err := s.caps.take(a, req.Token, max(len(req.Seats), req.Best.Count), req.Expires, s.now()); err != nil {
		return Hold{}, err
	}
	defer func() {
		if err != nil {
			s.caps.drop(req.Token)
		}
	}()

	var seats []uint32
	held := false // the engine gave the seats; an error after is the lease's
	err = s.takeFirst(ctx, "hold", p, func() (func() error, error) {
		var err error
		seats, err = p.shard.Hold(req, make([]uint32, 0, max(len(req.Seats), req.Best.Count)))
		if err != nil {
			return nil, p.publicError(err)
		}
		held = true
		return func() error { return p.shard.Release(req.Token, engine.AnyOwner) }, nil
	}, func(ctx context.Context) error {
		l := lease.Lease{Performance: performanceID, Token: req.Token, Owner: req.Owner, Seats: seats, Expires: req.Expires}
		return s.acquireLease(ctx, p, l)
	})
	var conflict *lease.ConflictError
	switch {
	case errors.As(err, &conflict):
		// Leased by a hold that is live here, or by a stale lease that could
		// not be released: report the seats as taken.
		return Hold{}, &TakenError{Seats: p.ids(conflict.Seats)}
	case err != nil && !held:
		return Hold{}, err
	case err != nil:
		return Hold{}, fmt.Errorf("lease hold: %w", err)
	}
	return Hold{Token: req.Token, PerformanceID: performanceID, Seats: p.ids(seats), Expires: req.Expires, Owner: req.Owner, Channels: p.channelNames(mask)}, nil
}

// lookup maps seat ids to indices, naming the unknown ones.
func (p *Perf) lookup(ids []string) ([]uint32, error) {
	out := make([]uint32, len(ids))
	var unknown []string
	for i, id := range ids {
		idx, ok := p.hall.Lookup(id)
		if !ok {
			unknown = append(unknown, id)
		}
		out[i] = idx
	}
	if unknown != nil {
		return nil, &UnknownSeatsError{IDs: unknown}
	}
	return out, nil
}

// shardOf finds the performance of a hold token.
func (s *Service) shardOf(ctx context.Context, token string) (*Perf, error) {
	id, ok := performanceOfToken(token)
	if !ok {
		return nil, engine.ErrNotFound
	}
	p, err := s.load(ctx, id)
	if errors.Is(err, ErrPerformanceNotFound) {
		return nil, engine.ErrNotFound
	}
	return p, err
}

func (s *Service) holdView(p *Perf, v engine.HoldView) Hold {
	h := Hold{Token: v.Token, PerformanceID: p.id, Seats: p.ids(v.Seats), Expires: v.Expires, Owner: v.Owner, Channels: p.channelNames(v.Channels)}
	p.mu.RLock()
	if r := p.reservations[v.Token]; r != nil {
		h.Reservation = &Reservation{OrderID: r.OrderID, Number: r.Number, Buyer: r.Buyer, Email: r.Email, Deadline: r.Deadline}
		h.Owner = "reservation"
	}
	p.mu.RUnlock()
	if h.Owner != "reservation" && !isStaffOwner(h.Owner) {
		h.Owner = "buyer" // a buyer's session id is a secret
	}
	return h
}

func isStaffOwner(o string) bool { return len(o) > 6 && o[:6] == "staff:" }

// GetHold returns a live hold to its owner, or to staff.
func (s *Service) GetHold(ctx context.Context, token string, a Actor) (Hold, error) {
	p, err := s.shardOf(ctx, token)
	if err != nil {
		return Hold{}, err
	}
	v, err := p.shard.Get(token, a.may())
	if err != nil {
		return Hold{}, err
	}
	return s.holdView(p, v), nil
}

// Holds lists the live holds of a performance, for staff.
func (s *Service) Holds(ctx context.Context, performanceID string) ([]Hold, error) {
	p, err := s.load(ctx, performanceID)
	if err != nil {
		return nil, err
	}
	views := p.shard.Holds()
	slices.SortFunc(views, func(a, b engine.HoldView) int { return a.Expires.Compare(b.Expires) })
	out := make([]Hold, len(views))
	for i, v := range views {
		out[i] = s.holdView(p, v)
	}
	return out, nil
}

// reserved reports whether a token belongs to a reservation: those change only
// through their order (pay, extend, annul).
func (p *Perf) reserved(token string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.reservations[token] != nil
}

// MaxStaffExtension bounds one extension by staff.
const MaxStaffExtension = 4 * time.Hour

// Extend gives a hold more time: a buyer's another HoldTTL from now, up to
// MaxHoldLifetime after it was made; staff choose the time (default HoldTTL, at
// most MaxStaffExtension) and are not bound by the lifetime. The lease moves
// first: if it cannot, nothing changes.
func (s *Service) Extend(ctx context.Context, token string, a Actor, by time.Duration) (Hold, error) {
	p, err := s.shardOf(ctx, token)
	if err != nil {
		return Hold{}, err
	}
	v, err := p.shard.Get(token, a.may())
	if err != nil {
		return Hold{}, err
	}
	if p.reserved(token) {
		return Hold{}, ErrReserved
	}
	now := s.now()
	var exp time.Time
	switch {
	case a.Staff():
		if by <= 0 {
			by = s.cfg.HoldTTL
		}
		if by > MaxStaffExtension {
			return Hold{}, &input.Error{Field: "minutes", Reason: fmt.Sprintf("at most %d minutes", int(MaxStaffExtension/time.Minute))}
		}
		exp = now.Add(by)
	default:
		exp = now.Add(s.cfg.HoldTTL)
		if limit := v.Created.Add(s.cfg.MaxHoldLifetime); exp.After(limit) {
			exp = limit
		}
	}
	if !exp.After(v.Expires) {
		return Hold{}, ErrHoldLifetime
	}
	err = s.leases.Extend(p.fenced(ctx), p.id, token, exp)
	if errors.Is(err, lease.ErrNotFound) {
		// The hold is live here and its lease is gone: the lease store lost
		// its data, or the lease lapsed a moment before the engine's deadline.
		// The engine is the authority: write the lease again.
		err = s.acquireLease(ctx, p, lease.Lease{Performance: p.id, Token: token, Owner: v.Owner, Seats: v.Seats, Expires: exp})
	}
	var conflict *lease.ConflictError
	if errors.As(err, &conflict) {
		return Hold{}, &TakenError{Seats: p.ids(conflict.Seats)}
	}
	if err != nil {
		return Hold{}, fmt.Errorf("extend lease: %w", err)
	}
	if err := p.shard.Extend(token, a.may(), exp); err != nil {
		if errors.Is(err, engine.ErrNotFound) {
			s.dropLease(p, token) // the hold ended meanwhile; its lease must not outlive it
		}
		return Hold{}, err
	}
	s.caps.extend(token, exp)
	v.Expires = exp
	return s.holdView(p, v), nil
}

// Release ends a hold: the lease goes first (giveLast), so a lease store that
// is down leaves the hold whole and the answer says so.
func (s *Service) Release(ctx context.Context, token string, a Actor) error {
	p, err := s.shardOf(ctx, token)
	if err != nil {
		return err
	}
	v, err := p.shard.Get(token, a.may())
	if err != nil {
		return err
	}
	if v.Pinned {
		return engine.ErrPinned
	}
	if p.reserved(token) {
		return ErrReserved
	}
	err = s.giveLast(ctx, func(ctx context.Context) error {
		if err := s.leases.Release(p.fenced(ctx), p.id, token); err != nil {
			return fmt.Errorf("release lease: %w", err)
		}
		return nil
	}, func() error { return p.shard.Release(token, a.may()) })
	if err != nil {
		return err
	}
	s.caps.drop(token)
	return nil
}

// Label is how the order history names an actor.
func (a Actor) Label() string {
	if a.Staff() {
		return "staff:" + a.Login
	}
	return "buyer"
}

// indices maps public seat ids of p's hall to dense indices.
func (p *Perf) indices(ids []string) ([]uint32, error) {
	out := make([]uint32, 0, len(ids))
	var unknown []string
	for _, id := range ids {
		i, ok := p.hall.Lookup(id)
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		out = append(out, i)
	}
	if len(unknown) > 0 {
		return nil, &UnknownSeatsError{IDs: unknown}
	}
	return out, nil
}
