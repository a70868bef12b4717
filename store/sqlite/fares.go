package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pricing"
	"github.com/seatmap/seatmap/store"
)

const (
	selectFares = `SELECT fare_id, name, kind, staff_only, prices FROM performance_fares WHERE performance_id = ?1 ORDER BY position`
	deleteFares = `DELETE FROM performance_fares WHERE performance_id = ?1`
	insertFare  = `INSERT INTO performance_fares (performance_id, fare_id, position, name, kind, staff_only, prices)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`
	performanceExists = `SELECT EXISTS (SELECT 1 FROM performances WHERE id = ?1)`
)

// PerformanceFares returns a performance's fares in their order, as stored
// (the normal fare without prices; see pricing.WithZones); none for a
// performance whose fares were never set, or that does not exist.
func (s *Store) PerformanceFares(ctx context.Context, performanceID string) ([]pricing.Fare, error) {
	rows, err := s.r.QueryContext(ctx, selectFares, performanceID)
	if err != nil {
		return nil, fmt.Errorf("fares of %s: %w", performanceID, err)
	}
	defer rows.Close()
	var fares []pricing.Fare
	for rows.Next() {
		var f pricing.Fare
		var prices string
		if err := rows.Scan(&f.ID, &f.Name, &f.Kind, &f.StaffOnly, &prices); err != nil {
			return nil, fmt.Errorf("fares of %s: %w", performanceID, err)
		}
		if err := json.Unmarshal([]byte(prices), &f.Prices); err != nil {
			return nil, fmt.Errorf("fares of %s: %w", performanceID, err)
		}
		fares = append(fares, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("fares of %s: %w", performanceID, err)
	}
	return fares, nil
}

// SetPerformanceFares replaces a performance's fares with fares (as
// pricing.NormalizeFares returns them), in one write transaction;
// ErrNotFound without the performance.
func (s *Store) SetPerformanceFares(ctx context.Context, performanceID string, fares []pricing.Fare) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var ok bool
		if err := tx.QueryRowContext(ctx, performanceExists, performanceID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return store.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, deleteFares, performanceID); err != nil {
			return err
		}
		for i, f := range fares {
			prices := f.Prices
			if prices == nil {
				prices = map[string]int64{}
			}
			b, err := json.Marshal(prices)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, insertFare, performanceID, f.ID, i, f.Name, f.Kind, f.StaffOnly, string(b)); err != nil {
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

// ticketFare is what a ticket is written with: its fare, the normal fare
// when none was chosen (an order made without pricing.Tickets).
func ticketFare(t order.Ticket) (id, name string) {
	if t.Fare == "" {
		return pricing.NormalFareID, pricing.NormalFareName
	}
	return t.Fare, t.FareName
}
