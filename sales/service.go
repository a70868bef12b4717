package sales

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/store"
)

// Config tunes a Service. Zero values take the defaults.
type Config struct {
	Store  store.Store
	Leases lease.Store
	// StoreName and LeaseName name the services in 503 answers ("postgres", "redis").
	StoreName, LeaseName string
	Logger               *slog.Logger
	Now                  func() time.Time

	HoldTTL         time.Duration // life of a hold and of each extension; default 10 min
	MaxHoldLifetime time.Duration // extensions stop here; default 30 min
	MaxHoldSeats    int           // default 10
	SweepInterval   time.Duration // how often expired holds are swept; default 200 ms
	StoreTimeout    time.Duration // per call; default 5 s
	LeaseTimeout    time.Duration // per call; default 2 s
}

// Service coordinates engine, leases and store. It is safe for concurrent use.
type Service struct {
	cfg    Config
	store  store.Store
	leases lease.Store
	log    *slog.Logger
	now    func() time.Time
	db     *guard
	kv     *guard

	loads    singleflight.Group
	confirms singleflight.Group

	mu     sync.RWMutex // guards shards and halls
	shards map[string]*perf
	halls  map[string]*hall.Hall

	stop chan struct{}
	done chan struct{}
}

// perf is a loaded performance: its shard and what selling needs to know.
type perf struct {
	id    string
	hall  *hall.Hall
	shard *engine.Shard
	zones []hall.Zone
	// meta is the stored performance without its zone map; replaced whole when
	// the status changes, so readers never see a torn value.
	meta atomic.Pointer[store.Performance]
}

func (p *perf) Status() string { return p.meta.Load().Status }

// New returns a Service. Call Start to run the expiry sweeper.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
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
	if cfg.StoreTimeout <= 0 {
		cfg.StoreTimeout = 5 * time.Second
	}
	if cfg.LeaseTimeout <= 0 {
		cfg.LeaseTimeout = 2 * time.Second
	}
	if cfg.StoreName == "" {
		cfg.StoreName = "store"
	}
	if cfg.LeaseName == "" {
		cfg.LeaseName = "lease store"
	}
	return &Service{
		cfg:    cfg,
		store:  cfg.Store,
		leases: cfg.Leases,
		log:    cfg.Logger,
		now:    cfg.Now,
		db:     newGuard(cfg.StoreName, cfg.StoreTimeout),
		kv:     newGuard(cfg.LeaseName, cfg.LeaseTimeout),
		shards: map[string]*perf{},
		halls:  map[string]*hall.Hall{},
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
// leases, then sweeps expired holds until ctx ends or Stop is called.
func (s *Service) Start(ctx context.Context) error {
	if err := s.Rebuild(ctx); err != nil {
		return err
	}
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	go s.sweep(ctx)
	return nil
}

// Stop ends the sweeper.
func (s *Service) Stop() {
	if s.stop == nil {
		return
	}
	close(s.stop)
	<-s.done
	s.stop = nil
}

func (s *Service) sweep(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			return
		case <-t.C:
		}
		now := s.now()
		s.mu.RLock()
		live := make([]*perf, 0, len(s.shards))
		for _, p := range s.shards {
			live = append(live, p)
		}
		s.mu.RUnlock()
		for _, p := range live {
			p.shard.Expire(now)
			s.releaseExpired(ctx, p)
		}
	}
}

// releaseExpired drops the leases of holds the engine expired. A lease would
// lapse on its own at the same deadline, but the two clocks differ by some
// milliseconds, and a seat must be free everywhere the moment it is free here.
func (s *Service) releaseExpired(ctx context.Context, p *perf) {
	for _, tok := range p.shard.DrainExpired(nil) {
		err := s.kv.do(ctx, func(ctx context.Context) error { return s.leases.Release(ctx, p.id, tok) })
		if err != nil {
			s.log.Debug("release expired lease", "performance", p.id, "err", err)
		}
	}
}

// Rebuild loads every performance that has not started more than a day ago, so a
// restart serves its first buyer from a warm shard with every sold seat and live
// hold in place.
func (s *Service) Rebuild(ctx context.Context) error {
	f := store.PerformanceFilter{From: s.now().Add(-24 * time.Hour), Limit: 1000}
	n := 0
	for {
		var page []store.Performance
		err := s.db.do(ctx, func(ctx context.Context) (err error) {
			page, err = s.store.ListPerformances(ctx, f)
			return err
		})
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
func (s *Service) load(ctx context.Context, id string) (*perf, error) {
	s.mu.RLock()
	p := s.shards[id]
	s.mu.RUnlock()
	if p != nil {
		return p, nil
	}
	v, err, _ := s.loads.Do(id, func() (any, error) {
		s.mu.RLock()
		p := s.shards[id]
		s.mu.RUnlock()
		if p != nil {
			return p, nil
		}
		// The build must not die with the first caller's request.
		p, err := s.build(context.WithoutCancel(ctx), id)
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
	return v.(*perf), nil
}

func (s *Service) build(ctx context.Context, id string) (*perf, error) {
	start := time.Now()
	var sp store.Performance
	err := s.db.do(ctx, func(ctx context.Context) (err error) {
		sp, err = s.store.GetPerformance(ctx, id)
		return err
	})
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
	shard := engine.NewShard(engine.Config{Hall: h, ZoneOf: sp.SeatZones, Zones: len(sp.Zones), Now: s.now, MaxHoldSeats: max(s.cfg.MaxHoldSeats, engine.DefaultMaxHoldSeats)})

	var sold []uint32
	err = s.db.do(ctx, func(ctx context.Context) (err error) {
		sold, err = s.store.SoldSeats(ctx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load sold seats of %s: %w", id, err)
	}
	if _, _, err := shard.MarkSold(sold); err != nil {
		return nil, fmt.Errorf("mark sold seats of %s: %w", id, err)
	}

	var leases []lease.Lease
	err = s.kv.do(ctx, func(ctx context.Context) (err error) {
		leases, err = s.leases.List(ctx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load leases of %s: %w", id, err)
	}
	restored := 0
	for _, l := range leases {
		_, err := shard.Hold(engine.HoldRequest{
			Token: l.Token, Owner: l.Owner, Seats: l.Seats, Expires: l.Expires,
			Channels: engine.AllChannels,
		}, nil)
		if err != nil {
			// Sold since (the order landed, the lease release did not), expired, or
			// overlapping: the store and the engine win; drop the lease.
			s.log.Warn("dropping stale lease", "performance", id, "token", redactToken(l.Token), "reason", err)
			_ = s.kv.do(ctx, func(ctx context.Context) error { return s.leases.Release(ctx, id, l.Token) })
			continue
		}
		restored++
	}

	p := &perf{id: id, hall: h, shard: shard, zones: sp.Zones}
	sp.SeatZones = nil
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
	var sh store.Hall
	err := s.db.do(ctx, func(ctx context.Context) (err error) {
		sh, err = s.store.GetHall(ctx, id)
		return err
	})
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
	if err := s.db.do(ctx, s.store.Ping); err != nil {
		return err
	}
	return s.kv.do(ctx, s.leases.Ping)
}
