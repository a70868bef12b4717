package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pricing"
	"github.com/seatmap/seatmap/store"
)

const (
	selectFares = `SELECT fare_id, name, kind, staff_only, prices FROM performance_fares WHERE performance_id = $1 ORDER BY position`
	deleteFares = `DELETE FROM performance_fares WHERE performance_id = $1`
	insertFare  = `INSERT INTO performance_fares (performance_id, fare_id, position, name, kind, staff_only, prices)
VALUES ($1, $2, $3, $4, $5, $6, $7)`
	performanceExists = `SELECT EXISTS (SELECT 1 FROM performances WHERE id = $1)`
)

// PerformanceFares returns a performance's fares in their order, as stored
// (the normal fare without prices; see pricing.WithZones); none for a
// performance whose fares were never set, or that does not exist.
func (s *Store) PerformanceFares(ctx context.Context, performanceID string) ([]pricing.Fare, error) {
	rows, err := s.pool.Query(ctx, selectFares, performanceID)
	if err != nil {
		return nil, fmt.Errorf("fares of %s: %w", performanceID, err)
	}
	fares, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pricing.Fare, error) {
		var f pricing.Fare
		var prices []byte
		if err := r.Scan(&f.ID, &f.Name, &f.Kind, &f.StaffOnly, &prices); err != nil {
			return f, err
		}
		return f, json.Unmarshal(prices, &f.Prices)
	})
	if err != nil {
		return nil, fmt.Errorf("fares of %s: %w", performanceID, err)
	}
	return fares, nil
}

// SetPerformanceFares replaces a performance's fares with fares (as
// pricing.NormalizeFares returns them), in one transaction; ErrNotFound
// without the performance.
func (s *Store) SetPerformanceFares(ctx context.Context, performanceID string, fares []pricing.Fare) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(ctx, performanceExists, performanceID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return store.ErrNotFound
		}
		if _, err := tx.Exec(ctx, deleteFares, performanceID); err != nil {
			return err
		}
		for i, f := range fares {
			prices, err := json.Marshal(pricesOrEmpty(f.Prices))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, insertFare, performanceID, f.ID, i, f.Name, f.Kind, f.StaffOnly, prices); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set fares of %s: %w", performanceID, err)
	}
	return nil
}

func pricesOrEmpty(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// ticketFare is what a ticket is written with: its fare, the normal fare
// when none was chosen (an order made without pricing.Tickets).
func ticketFare(t order.Ticket) (id, name string) {
	if t.Fare == "" {
		return pricing.NormalFareID, pricing.NormalFareName
	}
	return t.Fare, t.FareName
}
