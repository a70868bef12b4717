package seating

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/store"
)

// CreateHall validates a layout and stores it.
func (s *Service) CreateHall(ctx context.Context, layout []byte) (catalog.Hall, *hall.Hall, error) {
	h, err := hall.ParseBytes(layout)
	if err != nil {
		return catalog.Hall{}, nil, err
	}
	sh := catalog.Hall{ID: NewHallID(), Name: h.Layout.Name, Layout: layout, Seats: h.N()}
	if err := s.store.CreateHall(ctx, sh); err != nil {
		return catalog.Hall{}, nil, fmt.Errorf("create hall: %w", err)
	}
	sh, err = s.GetHall(ctx, sh.ID)
	if err != nil {
		return catalog.Hall{}, nil, err
	}
	s.mu.Lock()
	s.halls[sh.ID] = h
	s.mu.Unlock()
	return sh, h, nil
}

// GetHall returns a stored hall.
func (s *Service) GetHall(ctx context.Context, id string) (catalog.Hall, error) {
	var sh catalog.Hall
	sh, err := s.store.GetHall(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return catalog.Hall{}, fmt.Errorf("hall %s: %w", id, ErrHallNotFound)
	}
	return sh, err
}

// NewPerformance describes a performance to create.
type NewPerformance struct {
	HallID   string
	Name     string
	StartsAt time.Time
	// Zones replaces the hall's zones (prices, names, colours). Seats keep the zone
	// id the hall gives them; seats whose zone id is not listed are not for sale.
	// Empty takes the hall's zones.
	Zones  []hall.Zone
	OnSale bool
	// TemplateID, if set, sets the new performance up from a template of its hall.
	TemplateID string
	// Reentry lets its tickets in again after an exit.
	Reentry bool
}

// CreatePerformance stores a performance of a hall and loads its shard.
func (s *Service) CreatePerformance(ctx context.Context, np NewPerformance) (catalog.Performance, error) {
	np.Name = strings.TrimSpace(np.Name)
	switch {
	case np.Name == "":
		return catalog.Performance{}, &input.Error{Field: "name", Reason: "is empty"}
	case len(np.Name) > hall.MaxNameLen:
		return catalog.Performance{}, &input.Error{Field: "name", Reason: fmt.Sprintf("is longer than %d characters", hall.MaxNameLen)}
	case np.StartsAt.IsZero():
		return catalog.Performance{}, &input.Error{Field: "starts_at", Reason: "is missing"}
	case np.StartsAt.Year() < 2000 || np.StartsAt.Year() > 9999:
		return catalog.Performance{}, &input.Error{Field: "starts_at", Reason: "is not a plausible date"}
	}
	h, err := s.hallOf(ctx, np.HallID)
	if errors.Is(err, ErrHallNotFound) {
		return catalog.Performance{}, &input.Error{Field: "hall_id", Reason: fmt.Sprintf("no hall %q", np.HallID)}
	}
	if err != nil {
		return catalog.Performance{}, err
	}
	if np.TemplateID != "" { // checked before anything is written
		var t catalog.Template
		t, err := s.store.GetTemplate(ctx, np.TemplateID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && t.HallID != np.HallID) {
			return catalog.Performance{}, &input.Error{Field: "template_id", Reason: fmt.Sprintf("no template %q for this hall", np.TemplateID)}
		}
		if err != nil {
			return catalog.Performance{}, err
		}
	}
	zones := np.Zones
	if len(zones) == 0 {
		zones = h.Layout.Zones
	}
	if err := validateZones(zones); err != nil {
		return catalog.Performance{}, err
	}
	index := make(map[string]uint16, len(zones))
	for i, z := range zones {
		index[z.ID] = uint16(i)
	}
	seatZones := make([]uint16, h.N())
	for i, hz := range h.ZoneOf {
		seatZones[i] = hall.NoZone
		if hz != hall.NoZone {
			if z, ok := index[h.Layout.Zones[hz].ID]; ok {
				seatZones[i] = z
			}
		}
	}
	status := catalog.Draft
	if np.OnSale {
		status = catalog.OnSale
	}
	sp := catalog.Performance{
		ID: NewPerformanceID(), HallID: np.HallID, Name: np.Name, StartsAt: np.StartsAt.UTC(),
		Status: status, Zones: zones, SeatZones: seatZones, Reentry: np.Reentry,
	}
	if err := s.store.CreatePerformance(ctx, sp); err != nil {
		return catalog.Performance{}, fmt.Errorf("create performance: %w", err)
	}
	if err := s.claim(ctx, sp.ID); err != nil {
		return catalog.Performance{}, err
	}
	if _, err := s.load(ctx, sp.ID); err != nil {
		return catalog.Performance{}, err
	}
	if np.TemplateID != "" {
		if _, err := s.ApplyTemplate(ctx, sp.ID, np.TemplateID); err != nil {
			return catalog.Performance{}, err
		}
	}
	return s.GetPerformance(ctx, sp.ID)
}

func validateZones(zones []hall.Zone) error {
	if len(zones) > hall.MaxZones {
		return &input.Error{Field: "zones", Reason: fmt.Sprintf("more than %d zones", hall.MaxZones)}
	}
	seen := map[string]bool{}
	for i, z := range zones {
		if p := hall.ValidateZone(fmt.Sprintf("zones[%d]", i), z); len(p) > 0 {
			return &input.Error{Field: p[0].Path, Reason: p[0].Reason}
		}
		if seen[z.ID] {
			return &input.Error{Field: fmt.Sprintf("zones[%d].id", i), Reason: fmt.Sprintf("duplicate zone id %q", z.ID)}
		}
		seen[z.ID] = true
		if z.Currency != zones[0].Currency {
			return &input.Error{Field: fmt.Sprintf("zones[%d].currency", i), Reason: "all zones of a performance share one currency"}
		}
	}
	return nil
}

// GetPerformance returns a performance without its zone map. A loaded one is
// answered from memory, so buyers keep their seat map while the store is down.
func (s *Service) GetPerformance(ctx context.Context, id string) (catalog.Performance, error) {
	s.mu.RLock()
	p := s.shards[id]
	s.mu.RUnlock()
	if p != nil {
		return *p.meta.Load(), nil
	}
	var sp catalog.Performance
	sp, err := s.store.GetPerformance(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return catalog.Performance{}, fmt.Errorf("performance %s: %w", id, ErrPerformanceNotFound)
	}
	return sp, err
}

// ListPerformances lists performances by start time.
func (s *Service) ListPerformances(ctx context.Context, f catalog.PerformanceFilter) ([]catalog.Performance, error) {
	var out []catalog.Performance
	out, err := s.store.ListPerformances(ctx, f)
	return out, err
}

// Counts returns the live seat counts of a performance.
func (s *Service) Counts(ctx context.Context, id string) (engine.Counts, error) {
	if s.cfg.Owner != nil && s.cfg.Counts != nil && !s.Serves(id) {
		return s.cfg.Counts(ctx, id)
	}
	p, err := s.load(ctx, id)
	if err != nil {
		return engine.Counts{}, err
	}
	return p.shard.Counts(), nil
}

// SetStatus starts or stops sales. Stopping refuses new holds; holds and
// orders stay. A cancelled performance stays cancelled (ErrCancelled).
func (s *Service) SetStatus(ctx context.Context, id, status string) error {
	p, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if p.Status() == catalog.Cancelled && status != catalog.Cancelled {
		return fmt.Errorf("performance %s: %w", id, ErrCancelled)
	}
	err = s.store.SetPerformanceStatus(p.fenced(ctx), id, status)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("performance %s: %w", id, ErrPerformanceNotFound)
	}
	if err != nil {
		return fmt.Errorf("set status of %s: %w", id, err)
	}
	p.update(func(m *catalog.Performance) { m.Status = status })
	p.shard.Touch()
	return nil
}

// Seatmap is a consistent picture of a performance for drawing.
type Seatmap struct {
	Hall     *hall.Hall
	Zones    []hall.Zone
	Channels []string
	Snapshot engine.Snapshot
	Blocks   map[uint32]string // block reasons, for staff
}

// Seatmap returns the geometry, zones, channels and current seat states of a
// performance.
func (s *Service) Seatmap(ctx context.Context, id string) (Seatmap, error) {
	p, err := s.load(ctx, id)
	if err != nil {
		return Seatmap{}, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	m := Seatmap{Hall: p.hall, Zones: p.zones(), Channels: p.channels(), Blocks: make(map[uint32]string, len(p.blocks))}
	p.shard.Snapshot(&m.Snapshot)
	for seat, r := range p.blocks {
		m.Blocks[seat] = r
	}
	return m, nil
}
