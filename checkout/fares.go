package checkout

import (
	"context"
	"fmt"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/pricing"
	"github.com/seatmap/seatmap/seating"
)

// FareStore is what fares need of a store (part of Store).
type FareStore interface {
	PerformanceFares(ctx context.Context, performanceID string) ([]pricing.Fare, error)
	SetPerformanceFares(ctx context.Context, performanceID string, fares []pricing.Fare) error
}

// MaxFareChoices bounds the seats a confirm names fares for (a hold has fewer).
const MaxFareChoices = 1000

// Fares returns a performance's fares with their prices in its zones as they
// stand (pricing.WithZones). Buyers (staff false) see only the fares the web
// channel may choose.
func (s *Service) Fares(ctx context.Context, performanceID string, staff bool) ([]pricing.Fare, []hall.Zone, error) {
	p, err := s.seats.Performance(ctx, performanceID)
	if err != nil {
		return nil, nil, err
	}
	zones := p.Meta().Zones
	stored, err := s.store.PerformanceFares(ctx, performanceID)
	if err != nil {
		return nil, nil, err
	}
	fares := pricing.WithZones(stored, zones)
	if !staff {
		web := fares[:0]
		for _, f := range fares {
			if !f.StaffOnly {
				web = append(web, f)
			}
		}
		fares = web
	}
	return fares, zones, nil
}

// SetFares replaces a performance's fares (staff): checked against its zones
// (pricing.NormalizeFares), stored whole. Tickets sold keep their fare and
// price; only later sales see the change.
func (s *Service) SetFares(ctx context.Context, performanceID string, fares []pricing.Fare) ([]pricing.Fare, []hall.Zone, error) {
	p, err := s.seats.Performance(ctx, performanceID)
	if err != nil {
		return nil, nil, err
	}
	zones := p.Meta().Zones
	normal, err := pricing.NormalizeFares(fares, zones)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.SetPerformanceFares(ctx, performanceID, normal); err != nil {
		return nil, nil, err
	}
	return pricing.WithZones(normal, zones), zones, nil
}

// applyFares prices a quote's tickets at the fares chosen for their seats
// (public seat id → fare id; seats not named are normal), with the
// performance's fares as stored now: the client's prices are never read.
// Without choices nothing is read: every ticket is normal, as priced.
func (s *Service) applyFares(ctx context.Context, p *seating.Perf, q *seating.Quote, chosen map[string]string, a seating.Actor) error {
	if len(chosen) == 0 {
		return nil
	}
	if len(chosen) > MaxFareChoices {
		return &input.Error{Field: "fares", Reason: fmt.Sprintf("names more than %d seats", MaxFareChoices)}
	}
	stored, err := s.store.PerformanceFares(ctx, p.ID())
	if err != nil {
		return fmt.Errorf("fares of %s: %w", p.ID(), err)
	}
	total, err := pricing.ApplyFares(q.Tickets, pricing.WithZones(stored, p.Meta().Zones), chosen, !a.Staff())
	if err != nil {
		return err
	}
	q.Total = total
	return nil
}
