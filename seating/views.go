package seating

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/store"
)

// Views (several nodes, issue 18). A node answers reads of performances other
// nodes own from the store: an order's page, its tickets and invoice, the
// documents and the ticket register need a performance's hall, names, zones
// and fares, not its live seats. A view is such a performance without live
// seats (its shard knows the zones and channels only), read again from the
// store when older than viewFresh. Live counts come from Config.Counts (the
// node's live mirror), never from a view.
//
// A view cannot write: its fencing token is viewFence, which no owner ever
// holds, so the lease store and the store refuse anything written through
// it. Writes reach the owner: the API forwards them.

// viewFence is above every token an owner may hold (the Postgres adapter
// refuses to store one above 1<<62).
const viewFence = 1<<62 + 1

// viewFresh is how long a view is used before it is read again.
const viewFresh = 2 * time.Second

type view struct {
	p  *Perf
	at time.Time
}

type views struct {
	mu sync.Mutex
	m  map[string]view
}

// read returns performance id for reading: its shard on the node that owns
// it (or on one node), else a view.
func (s *Service) read(ctx context.Context, id string) (*Perf, error) {
	if s.cfg.Owner == nil {
		return s.load(ctx, id)
	}
	if _, ok := s.cfg.Owner.Owns(id); ok {
		return s.load(ctx, id)
	}
	s.views.mu.Lock()
	v, ok := s.views.m[id]
	s.views.mu.Unlock()
	if ok && time.Since(v.at) < viewFresh {
		return v.p, nil
	}
	p, err := s.buildView(ctx, id)
	if err != nil {
		return nil, err
	}
	s.views.mu.Lock()
	if s.views.m == nil {
		s.views.m = map[string]view{}
	}
	if len(s.views.m) > 10_000 {
		clear(s.views.m) // bounded; they are read again when asked for
	}
	s.views.m[id] = view{p: p, at: time.Now()}
	s.views.mu.Unlock()
	return p, nil
}

// buildView reads a performance's set-up from the store: hall, zones,
// channels and blocks, no sold seats, holds or reservations.
func (s *Service) buildView(ctx context.Context, id string) (*Perf, error) {
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
	blocks, err := s.store.Blocks(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load blocks of %s: %w", id, err)
	}
	reasons := make(map[uint32]string, len(blocks))
	for _, b := range blocks {
		reasons[b.Seat] = b.Reason
	}
	p := &Perf{id: id, hall: h, shard: shard, fence: viewFence, blocks: reasons, reservations: map[string]*reservation{}}
	sp.SeatZones, sp.SeatChannels = nil, nil
	meta := sp
	p.meta.Store(&meta)
	return p, nil
}
