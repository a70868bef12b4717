package seating

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/fence"
	"github.com/seatmap/seatmap/internal/startstop"
	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/store"
)

// Store is what seating needs of a store: performances and their set-up, the
// sold seats and reservations a shard is rebuilt from, and the staff's search.
type Store interface {
	Ping(ctx context.Context) error
	CreateHall(ctx context.Context, h catalog.Hall) error
	GetHall(ctx context.Context, id string) (catalog.Hall, error)
	ListHalls(ctx context.Context) ([]catalog.Hall, error)
	CreatePerformance(ctx context.Context, p catalog.Performance) error
	GetPerformance(ctx context.Context, id string) (catalog.Performance, error)
	ListPerformances(ctx context.Context, f catalog.PerformanceFilter) ([]catalog.Performance, error)
	SetPerformanceStatus(ctx context.Context, id, status string) error
	SetZones(ctx context.Context, id string, zones []hall.Zone, seatZones []uint16) error
	SetChannels(ctx context.Context, id string, channels []string, seatChannels []uint8) error
	// SetBlocks blocks seats with a reason, replacing earlier reasons.
	SetBlocks(ctx context.Context, performanceID string, seats []uint32, reason string) error
	ClearBlocks(ctx context.Context, performanceID string, seats []uint32) error
	Blocks(ctx context.Context, performanceID string) ([]catalog.Block, error)
	CreateTemplate(ctx context.Context, t catalog.Template) error
	GetTemplate(ctx context.Context, id string) (catalog.Template, error)
	ListTemplates(ctx context.Context, hallID string) ([]catalog.Template, error)
	// SoldSeats lists the seats with a live ticket of a paid order, ascending.
	SoldSeats(ctx context.Context, performanceID string) ([]uint32, error)
	// ReservedOrders lists the reserved orders of a performance.
	ReservedOrders(ctx context.Context, performanceID string) ([]order.Order, error)
	SearchOrders(ctx context.Context, q, performanceID string, limit int) ([]order.Order, error)
}

// Config tunes a Service. Zero values take the defaults.
type Config struct {
	// Store and Leases are used as they are: wrap them in backend.Guard and
	// lease.Guard (a deadline per call and a circuit breaker each), as
	// cmd/seatd does, so that an outage is answered at once.
	Store  Store
	Leases lease.Store
	Logger *slog.Logger
	// Now is the clock; nil is the wall clock. Shards run on it too when it
	// is set (tests); otherwise they read the wall clock their own cheaper way.
	Now func() time.Time

	HoldTTL         time.Duration // life of a hold and of each extension; default 10 min
	MaxHoldLifetime time.Duration // extensions stop here; default 30 min
	MaxHoldSeats    int           // default 10
	SweepInterval   time.Duration // how often expired holds are swept; default 200 ms
	// MaxHeldPerSession and MaxHeldPerAddress cap the seats one buyer session
	// and one client address may hold at once (staff are not capped); zero
	// means no cap.
	MaxHeldPerSession, MaxHeldPerAddress int
	// Owner, when set, says which performances this node owns (several
	// nodes, issue 18): the service loads only those (Adopt), refuses the
	// others with ErrNotOwner, rebuilds nothing at Start, and writes
	// everything its shards decide under the owner's fencing token. Nil is
	// one node: every performance is this node's.
	Owner Owner
	// Counts, on several nodes, gives the live seat counts of a
	// performance another node owns (from this node's live mirror); nil:
	// such counts are ErrNotOwner.
	Counts func(ctx context.Context, perf string) (engine.Counts, error)
}

// Owner tells a node's performances, and the fencing token of each.
type Owner interface {
	Owns(perf string) (token uint64, ok bool)
	// Take makes this node the owner of a performance no node owns (one it
	// has just created), building its shard through Adopt.
	Take(ctx context.Context, perf string) error
}

// claim makes a performance this node has just created its own, on several
// nodes; the cluster may hand it over to the node that wins it later.
func (s *Service) claim(ctx context.Context, id string) error {
	if s.cfg.Owner == nil {
		return nil
	}
	return s.cfg.Owner.Take(ctx, id)
}

// Service coordinates engine, leases and store. It is safe for concurrent use.
type Service struct {
	cfg    Config
	store  Store
	leases lease.Store
	log    *slog.Logger
	now    func() time.Time
	// shardNow is the clock shards run on: the caller's, or nil for the
	// engine's wall clock.
	shardNow func() time.Time
	caps     *holdCaps

	loads singleflight.Group

	pendMu  sync.Mutex          // guards pending
	pending map[string]struct{} // reservations past their deadline, to mark expired

	drops chan drop // lease releases of ended holds, for releaseDropped

	mu     sync.RWMutex // guards shards and halls
	shards map[string]*Perf
	halls  map[string]*hall.Hall

	life startstop.Runner // the sweeper and the lease releases

	views views // read-only copies of other nodes' performances (views.go)
}

// Perf is a loaded performance: its shard and what selling needs to know.
type Perf struct {
	id    string
	hall  *hall.Hall
	shard *engine.Shard
	// fence is the owner's token this shard writes under (issue 18); 0 on
	// one node.
	fence uint64
	// meta is the stored performance without its seat maps (zones, channel
	// names, status); replaced whole on every change, so readers never see a
	// torn value.
	meta atomic.Pointer[catalog.Performance]

	// setup serialises set-up changes (paint strokes, the zone list,
	// templates) against each other, across their store writes: only staff
	// take it, and nothing a buyer does waits on it.
	setup sync.Mutex

	// mu guards the fields below, and keeps the zone list (meta) and the
	// engine's zone map changing together, so that pricing, which reads both
	// under RLock, sees one or the other. It is never held across a store or
	// lease store call.
	mu           sync.RWMutex
	blocks       map[uint32]string       // block reasons by seat
	reservations map[string]*reservation // by hold token
}

// reservation is a reserved (pay-later) order holding its seats until Deadline.
type reservation struct {
	OrderID  string
	Number   string
	Buyer    string
	Email    string
	Deadline time.Time
	lapsing  bool // queued for the checkout to end (lapseReservations)
}

func (p *Perf) Status() string { return p.meta.Load().Status }

// fenced puts the shard's fencing token on ctx: the lease store and the
// store refuse the write once another node owns the performance.
func (p *Perf) fenced(ctx context.Context) context.Context { return fence.With(ctx, p.id, p.fence) }
func (p *Perf) zones() []hall.Zone                         { return p.meta.Load().Zones }
func (p *Perf) channels() []string                         { return catalog.ChannelsOrWeb(p.meta.Load().Channels) }

// update replaces meta with a changed copy.
func (p *Perf) update(f func(m *catalog.Performance)) {
	m := *p.meta.Load()
	f(&m)
	p.meta.Store(&m)
}

// New returns a Service. Call Start to run the expiry sweeper.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	shardNow := cfg.Now // nil: the shards' own reading of the wall clock
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HoldTTL <= 0 {
		cfg.HoldTTL = 10 * time.Minute
	}
	if cfg.MaxHoldLifetime <= 0 {
		cfg.MaxHoldLifetime = 30 * time.Minute
	}
	if cfg.MaxHoldSeats <= 0 {
		cfg.MaxHoldSeats = 10
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = 200 * time.Millisecond
	}
	return &Service{
		cfg:      cfg,
		store:    cfg.Store,
		leases:   cfg.Leases,
		log:      cfg.Logger,
		now:      cfg.Now,
		shardNow: shardNow,
		caps:     newHoldCaps(cfg.MaxHeldPerSession, cfg.MaxHeldPerAddress),
		shards:   map[string]*Perf{},
		halls:    map[string]*hall.Hall{},
		pending:  map[string]struct{}{},
		drops:    make(chan drop, maxDrops),
	}
}

// Limits are the settings buyers need to know.
type Limits struct {
	MaxSeatsPerHold int
	HoldTTL         time.Duration
}

// Limits returns the hold limits.
func (s *Service) Limits() Limits {
	return Limits{MaxSeatsPerHold: s.cfg.MaxHoldSeats, HoldTTL: s.cfg.HoldTTL}
}

// Start rebuilds the shards of upcoming performances from the store and the
// leases, then sweeps expired holds and releases the leases of ended holds
// until ctx ends or Stop is called.
func (s *Service) Start(ctx context.Context) error {
	if s.life.Started() {
		return fmt.Errorf("seating: %w", startstop.ErrStarted)
	}
	// Several nodes: a performance is built when this node takes it over
	// (Adopt).
	if s.cfg.Owner == nil {
		if err := s.Rebuild(ctx); err != nil {
			return err
		}
	}
	if err := s.life.Start(ctx, s.sweep, s.releaseDropped); err != nil {
		return fmt.Errorf("seating: %w", err)
	}
	return nil
}

// Stop ends the sweeper and the lease releases and waits for them. It may be
// called before Start, twice, and concurrently.
func (s *Service) Stop() { s.life.Stop() }

func (s *Service) sweep(ctx context.Context) {
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	// A sweep under way when Stop comes is finished: ctx ends the loop, not
	// the releases of the sweep.
	loop := ctx
	ctx = context.WithoutCancel(ctx)
	for {
		select {
		case <-loop.Done():
			return
		case <-t.C:
		}
		now := s.now()
		s.mu.RLock()
		live := make([]*Perf, 0, len(s.shards))
		for _, p := range s.shards {
			live = append(live, p)
		}
		s.mu.RUnlock()
		for _, p := range live {
			p.shard.Expire(now)
			s.releaseExpired(ctx, p)
			s.lapseReservations(p, now)
		}
	}
}

// releaseExpired follows up holds the engine expired: a reservation's order is
// marked expired; a plain hold's lease is dropped. The lease would lapse on its
// own at the same deadline, but the two clocks differ by some milliseconds, and
// a seat must be free everywhere the moment it is free here.
func (s *Service) releaseExpired(ctx context.Context, p *Perf) {
	for _, tok := range p.shard.DrainExpired(nil) {
		s.caps.drop(tok)
		p.mu.Lock()
		r := p.reservations[tok]
		delete(p.reservations, tok)
		p.mu.Unlock()
		if r != nil {
			s.Lapsed(r.OrderID)
			p.shard.Touch()
			continue
		}
		err := s.leases.Release(p.fenced(ctx), p.id, tok)
		if err != nil {
			s.log.Debug("release expired lease", "performance", p.id, "err", err)
		}
	}
}

// Rebuild loads every performance that has not started more than a day ago, so a
// restart serves its first buyer from a warm shard with every sold seat and live
// hold in place.
func (s *Service) Rebuild(ctx context.Context) error {
	f := catalog.PerformanceFilter{From: s.now().Add(-24 * time.Hour), Limit: 1000}
	n := 0
	for {
		var page []catalog.Performance
		page, err := s.store.ListPerformances(ctx, f)
		if err != nil {
			return fmt.Errorf("rebuild: list performances: %w", err)
		}
		for _, p := range page {
			if _, err := s.load(ctx, p.ID); err != nil {
				return fmt.Errorf("rebuild: %w", err)
			}
			n++
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.AfterStartsAt, f.AfterID = last.StartsAt, last.ID
	}
	s.log.Info("shards rebuilt", "performances", n)
	return nil
}

// load returns the performance's shard, building it on first use from the store
// (zones, sold seats) and the lease store (live holds).
func (s *Service) load(ctx context.Context, id string) (*Perf, error) {
	// Several nodes: only a performance this node owns now is served, even
	// when its shard is still loaded (a node paused past its lease has not
	// been told yet that it lost it).
	var token uint64
	if s.cfg.Owner != nil {
		t, ok := s.cfg.Owner.Owns(id)
		if !ok {
			return nil, fmt.Errorf("performance %s: %w", id, ErrNotOwner)
		}
		token = t
	}
	s.mu.RLock()
	p := s.shards[id]
	s.mu.RUnlock()
	if p != nil && (s.cfg.Owner == nil || p.fence == token) {
		return p, nil
	}
	if p != nil {
		return nil, fmt.Errorf("performance %s: %w", id, ErrNotOwner)
	}
	v, err, _ := s.loads.Do(id, func() (any, error) {
		s.mu.RLock()
		p := s.shards[id]
		s.mu.RUnlock()
		if p != nil {
			return p, nil
		}
		// The build must not die with the first caller's request.
		p, err := s.build(context.WithoutCancel(ctx), id, token)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.shards[id] = p
		s.mu.Unlock()
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Perf), nil
}

// Adopt builds the shard of a performance this node has just taken over
// under token (several nodes, issue 18) from the store and the lease store,
// replacing any shard it had: the store's fence was advanced to token
// before, so the store already holds every write of the former owner.
func (s *Service) Adopt(ctx context.Context, id string, token uint64) error {
	s.Unload(id)
	p, err := s.build(ctx, id, token)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.shards[id] = p
	s.mu.Unlock()
	return nil
}

// Unload forgets a performance's shard: this node no longer owns it. Calls
// under way with the shard finish, and their writes are refused by its old
// fencing token.
func (s *Service) Unload(id string) {
	s.mu.Lock()
	delete(s.shards, id)
	s.mu.Unlock()
}

// Serves reports whether this node serves perf's shard: always on one node,
// on several only while it owns the performance.
func (s *Service) Serves(perf string) bool {
	if s.cfg.Owner == nil {
		return true
	}
	_, ok := s.cfg.Owner.Owns(perf)
	return ok
}

// Fenced returns ctx carrying the fencing token of a performance loaded here,
// for writes of the checkout that depend on its shard (an order). On several
// nodes a performance not loaded here is ErrNotOwner; on one node ctx is
// returned as it is.
func (s *Service) Fenced(ctx context.Context, perf string) (context.Context, error) {
	if s.cfg.Owner == nil || perf == "" {
		return ctx, nil
	}
	s.mu.RLock()
	p := s.shards[perf]
	s.mu.RUnlock()
	if p == nil {
		return ctx, fmt.Errorf("performance %s: %w", perf, ErrNotOwner)
	}
	return p.fenced(ctx), nil
}

func (s *Service) build(ctx context.Context, id string, token uint64) (*Perf, error) {
	start := time.Now()
	var sp catalog.Performance
	sp, err := s.store.GetPerformance(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("performance %s: %w", id, ErrPerformanceNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load performance %s: %w", id, err)
	}
	h, err := s.hallOf(ctx, sp.HallID)
	if err != nil {
		return nil, err
	}
	if len(sp.SeatZones) != h.N() {
		return nil, fmt.Errorf("performance %s: zone map has %d seats, hall %s has %d", id, len(sp.SeatZones), sp.HallID, h.N())
	}
	shard := engine.NewShard(engine.Config{Hall: h, ZoneOf: sp.SeatZones, Zones: len(sp.Zones), Now: s.shardNow, MaxHoldSeats: max(s.cfg.MaxHoldSeats, engine.DefaultMaxHoldSeats)})

	var sold []uint32
	sold, err = s.store.SoldSeats(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load sold seats of %s: %w", id, err)
	}
	if _, _, err := shard.MarkSold(sold); err != nil {
		return nil, fmt.Errorf("mark sold seats of %s: %w", id, err)
	}
	if len(sp.SeatChannels) == h.N() {
		byChannel := map[engine.Channel][]uint32{}
		for i, c := range sp.SeatChannels {
			if c != 0 {
				byChannel[engine.Channel(c)] = append(byChannel[engine.Channel(c)], uint32(i))
			}
		}
		for c, seats := range byChannel {
			if _, _, err := shard.PaintChannel(seats, c); err != nil {
				return nil, fmt.Errorf("channels of %s: %w", id, err)
			}
		}
	}
	var blocks []catalog.Block
	blocks, err = s.store.Blocks(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load blocks of %s: %w", id, err)
	}
	reasons := make(map[uint32]string, len(blocks))
	blocked := make([]uint32, 0, len(blocks))
	for _, b := range blocks {
		if int(b.Seat) < h.N() {
			reasons[b.Seat] = b.Reason
			blocked = append(blocked, b.Seat)
		}
	}
	if _, _, err := shard.Block(blocked); err != nil {
		return nil, fmt.Errorf("block seats of %s: %w", id, err)
	}

	// Reservations live in the store: they hold their seats until the deadline.
	var reserved []order.Order
	reserved, err = s.store.ReservedOrders(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load reservations of %s: %w", id, err)
	}
	p := &Perf{id: id, hall: h, shard: shard, fence: token, blocks: reasons, reservations: map[string]*reservation{}}
	for _, o := range reserved {
		if !o.Deadline.After(s.now()) {
			s.Lapsed(o.ID)
			continue
		}
		seats := make([]uint32, len(o.Tickets))
		for i, t := range o.Tickets {
			seats[i] = t.Seat
		}
		if _, err := shard.Hold(engine.HoldRequest{Token: o.HoldToken, Owner: o.Session, Seats: seats, Expires: o.Deadline, Channels: engine.AllChannels}, nil); err != nil {
			return nil, fmt.Errorf("restore reservation %s of %s: %w", o.Number, id, err)
		}
		// Pinned, as Reserved leaves it: only its order ends it.
		if _, err := shard.Pin(o.HoldToken, engine.AnyOwner); err != nil {
			return nil, fmt.Errorf("pin reservation %s of %s: %w", o.Number, id, err)
		}
		p.reservations[o.HoldToken] = &reservation{OrderID: o.ID, Number: o.Number, Buyer: o.BuyerName, Email: o.BuyerEmail, Deadline: o.Deadline}
	}

	var leases []lease.Lease
	leases, err = s.leases.List(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load leases of %s: %w", id, err)
	}
	restored := 0
	for _, l := range leases {
		if _, ok := p.reservations[l.Token]; ok {
			continue // restored from the store above
		}
		_, err := shard.Hold(engine.HoldRequest{
			Token: l.Token, Owner: l.Owner, Seats: l.Seats, Expires: l.Expires,
			Channels: engine.AllChannels,
		}, nil)
		if err != nil {
			// Sold since (the order landed, the lease release did not), expired, or
			// overlapping: the store and the engine win; drop the lease.
			s.log.Warn("dropping stale lease", "performance", id, "token", redactToken(l.Token), "reason", err)
			if err := s.leases.Release(fence.With(ctx, id, token), id, l.Token); err != nil {
				s.log.Debug("release a stale lease; it lapses on its own", "performance", id, "err", err)
			}
			continue
		}
		restored++
	}

	sp.SeatZones, sp.SeatChannels = nil, nil
	p.meta.Store(&sp)
	s.log.Debug("shard built", "performance", id, "seats", h.N(), "sold", len(sold), "holds", restored, "took", time.Since(start))
	return p, nil
}

// redactToken keeps the performance part of a token for logs: hold tokens are
// bearer secrets.
func redactToken(token string) string {
	if p, ok := performanceOfToken(token); ok {
		return p + ".…"
	}
	return "…"
}

func (s *Service) hallOf(ctx context.Context, id string) (*hall.Hall, error) {
	s.mu.RLock()
	h := s.halls[id]
	s.mu.RUnlock()
	if h != nil {
		return h, nil
	}
	var sh catalog.Hall
	sh, err := s.store.GetHall(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("hall %s: %w", id, ErrHallNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load hall %s: %w", id, err)
	}
	h, err = hall.ParseBytes(sh.Layout)
	if err != nil {
		return nil, fmt.Errorf("stored layout of hall %s: %w", id, err)
	}
	s.mu.Lock()
	s.halls[id] = h
	s.mu.Unlock()
	return h, nil
}

// Shard returns the live shard of a performance (for live seat maps).
func (s *Service) Shard(ctx context.Context, id string) (*engine.Shard, error) {
	p, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	return p.shard, nil
}

// Ready checks the store and the lease store.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return err
	}
	return s.leases.Ping(ctx)
}

// currency is the currency of p's zones ("" without zones).
func (p *Perf) currency() string {
	for _, z := range p.zones() {
		if z.Currency != "" {
			return z.Currency
		}
	}
	return ""
}
