package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/store"
)

// The gate's tables (migration 0010). The write connection takes its lock
// at BEGIN (_txlock=immediate), so a scan's read of its code's usage, the
// decision and the record are one step: two gates scanning one code decide
// one after the other.
const (
	gateColumns = `id, name, zones, direction, performance_id, created_at`
	insertGate  = `INSERT INTO gates (` + gateColumns + `) VALUES ($1, $2, $3, $4, $5, $6)`
	selectGate  = `SELECT ` + gateColumns + ` FROM gates WHERE id = $1`
	selectGates = `SELECT ` + gateColumns + ` FROM gates ORDER BY name, id LIMIT 1000`

	selectPassByCode   = `SELECT ` + passColumns + ` FROM passes WHERE code = $1`
	orderPaid          = `SELECT status IN ('paid', 'partially_refunded', 'refunded') FROM orders WHERE id = $1`
	selectTicketByCode = `SELECT t.id, t.order_id, coalesce(rp.id, t.performance_id),
  CASE WHEN o.status IN ('paid', 'partially_refunded', 'refunded') THEN t.status ELSE 'void' END,
  o.buyer_name, coalesce(rp.starts_at, p.starts_at), p.reentry
FROM tickets t JOIN orders o ON o.id = t.order_id JOIN performances p ON p.id = t.performance_id
-- A printed ticket of a rescheduled date whose seat is blocked "gedruckt Vortermin"
-- on the replacement admits to the replacement (issue 16, seed 003): it is found
-- as the replacement's, at its start.
LEFT JOIN reschedules r ON r.origin_id = t.performance_id AND t.printed_at IS NOT NULL
LEFT JOIN blocks b ON b.performance_id = r.replacement_id AND b.seat_index = t.seat_index AND b.reason LIKE 'gedruckt Vortermin%'
LEFT JOIN performances rp ON rp.id = b.performance_id
WHERE t.code = $1`

	selectUsage = `SELECT usage, version FROM gate_usage WHERE code = $1`
	upsertUsage = `INSERT INTO gate_usage (code, usage, version, updated_at) VALUES ($1, $2, 1, $3)
ON CONFLICT (code) DO UPDATE SET usage = excluded.usage, version = gate_usage.version + 1, updated_at = excluded.updated_at`

	scanColumns = `id, gate_id, nonce, code, direction, at, verdict, reason, kind, pass_id, ticket_id, holder, retry_at,
surcharge_due, remaining, debit, offline, device, conflict, by_staff, recorded_at`
	insertScan = `INSERT INTO scans (` + scanColumns + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`
	selectScanByNonce = `SELECT ` + scanColumns + ` FROM scans WHERE gate_id = $1 AND nonce = $2`
	listScans         = `SELECT ` + scanColumns + ` FROM scans
WHERE ($1 = '' OR gate_id = $1) AND ($2 = '' OR code = $2) AND ($3 = '' OR verdict = $3) AND (NOT $4 OR conflict <> '')
  AND (recorded_at, id) < ($5, $6)
ORDER BY recorded_at DESC, id DESC
LIMIT $7`

	addOccupancy = `INSERT INTO zone_occupancy (zone, inside) VALUES ($1, $2)
ON CONFLICT (zone) DO UPDATE SET inside = zone_occupancy.inside + excluded.inside`
	selectOccupancy = `SELECT zone, inside FROM zone_occupancy WHERE inside <> 0 ORDER BY zone`
	insertSurcharge = `INSERT INTO surcharges (code, amount, by_staff, paid_at) VALUES ($1, $2, $3, $4)`
)

// CreateGate stores a gate.
func (s *Store) CreateGate(ctx context.Context, g gate.Gate) (gate.Gate, error) {
	g.CreatedAt = g.CreatedAt.UTC().Truncate(time.Microsecond)
	zones, err := json.Marshal(g.Zones)
	if err != nil {
		return gate.Gate{}, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, insertGate, g.ID, g.Name, string(zones), g.Direction, g.PerformanceID, micros(g.CreatedAt))
		return err
	})
	if isUnique(err) {
		return gate.Gate{}, fmt.Errorf("create gate %s: %w", g.ID, store.ErrDuplicate)
	}
	if err != nil {
		return gate.Gate{}, fmt.Errorf("create gate %s: %w", g.ID, err)
	}
	return g, nil
}

func scanGate(r scanner) (gate.Gate, error) {
	var g gate.Gate
	var zones string
	var created int64
	if err := r.Scan(&g.ID, &g.Name, &zones, &g.Direction, &g.PerformanceID, &created); err != nil {
		return gate.Gate{}, err
	}
	if err := json.Unmarshal([]byte(zones), &g.Zones); err != nil {
		return gate.Gate{}, fmt.Errorf("gate %s zones: %w", g.ID, err)
	}
	g.CreatedAt = fromMicros(created)
	return g, nil
}

// GetGate returns a gate.
func (s *Store) GetGate(ctx context.Context, id string) (gate.Gate, error) {
	g, err := scanGate(s.r.QueryRowContext(ctx, selectGate, id))
	if errors.Is(err, sql.ErrNoRows) {
		return gate.Gate{}, fmt.Errorf("gate %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return gate.Gate{}, fmt.Errorf("gate %s: %w", id, err)
	}
	return g, nil
}

// ListGates lists the gates by name.
func (s *Store) ListGates(ctx context.Context) ([]gate.Gate, error) {
	rows, err := s.r.QueryContext(ctx, selectGates)
	if err != nil {
		return nil, fmt.Errorf("list gates: %w", err)
	}
	defer rows.Close()
	var out []gate.Gate
	for rows.Next() {
		g, err := scanGate(rows)
		if err != nil {
			return nil, fmt.Errorf("list gates: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// LookupCode finds a pass or a ticket by its code.
func (s *Store) LookupCode(ctx context.Context, code string) (gate.Found, error) {
	p, err := scanPass(s.r.QueryRowContext(ctx, selectPassByCode, code))
	switch {
	case err == nil:
		var out gate.Found
		out.Pass = &p
		if out.Product, err = s.GetProduct(ctx, p.ProductID); err != nil {
			return gate.Found{}, fmt.Errorf("code's product: %w", err)
		}
		if err := s.r.QueryRowContext(ctx, orderPaid, p.OrderID).Scan(&out.Paid); err != nil {
			return gate.Found{}, fmt.Errorf("code's order: %w", err)
		}
		if err := s.withDebit(ctx, &out); err != nil {
			return gate.Found{}, err
		}
		return out, nil
	case !errors.Is(err, sql.ErrNoRows):
		return gate.Found{}, fmt.Errorf("look up code: %w", err)
	}
	var t gate.Ticket
	var starts int64
	err = s.r.QueryRowContext(ctx, selectTicketByCode, code).Scan(&t.ID, &t.OrderID, &t.PerformanceID, &t.Status, &t.Holder, &starts, &t.Reentry)
	if errors.Is(err, sql.ErrNoRows) {
		return gate.Found{}, fmt.Errorf("code: %w", store.ErrNotFound)
	}
	if err != nil {
		return gate.Found{}, fmt.Errorf("look up code: %w", err)
	}
	return gate.Found{Ticket: &t, StartsAt: fromMicros(starts)}, nil
}

func scanRecord(r scanner) (gate.Record, error) {
	var rec gate.Record
	var at, recorded int64
	var retry, remaining sql.NullInt64
	v := &rec.Verdict
	err := r.Scan(&rec.ID, &rec.Scan.GateID, &rec.Scan.Nonce, &rec.Scan.Code, &rec.Scan.Direction, &at, &v.Verdict, &v.Reason,
		&v.Kind, &v.PassID, &v.TicketID, &v.Holder, &retry, &v.SurchargeDue, &remaining, &v.Debit, &rec.Offline, &rec.Device,
		&rec.Conflict, &rec.By, &recorded)
	if err != nil {
		return gate.Record{}, err
	}
	rec.Scan.At, rec.RecordedAt = fromMicros(at), fromMicros(recorded)
	if retry.Valid {
		v.RetryAt = fromMicros(retry.Int64)
	}
	if remaining.Valid {
		n := int(remaining.Int64)
		v.Remaining = &n
	}
	return rec, nil
}

// readUsage reads a code's usage in tx; the zero Usage for a code never
// scanned.
func readUsage(ctx context.Context, tx *sql.Tx, code string) (gate.Usage, bool, error) {
	var raw string
	var u gate.Usage
	err := tx.QueryRowContext(ctx, selectUsage, code).Scan(&raw, &u.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return gate.Usage{}, false, nil
	}
	if err != nil {
		return gate.Usage{}, false, err
	}
	if err := json.Unmarshal([]byte(raw), &u); err != nil {
		return gate.Usage{}, false, fmt.Errorf("usage of a code: %w", err)
	}
	return u, true, nil
}

// RecordScan decides and records a scan in one write transaction.
func (s *Store) RecordScan(ctx context.Context, rec gate.Record, decide gate.Decision) (gate.Record, bool, error) {
	now := s.now()
	var replayed bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		replayed = false
		code := rec.Scan.Code
		prev, err := scanRecord(tx.QueryRowContext(ctx, selectScanByNonce, rec.Scan.GateID, rec.Scan.Nonce))
		switch {
		case err == nil && prev.Scan.Code != code:
			return gate.ErrNonceReused
		case err == nil:
			rec, replayed = prev, true
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		u, _, err := readUsage(ctx, tx, code)
		if err != nil {
			return err
		}
		v, next, conflict := decide(u)
		if v, next, err = s.scanDebit(ctx, tx, rec, u, v, next, now); err != nil {
			return err
		}
		rec.Verdict, rec.Conflict, rec.RecordedAt = v, conflict, now
		var retry, remaining any
		if !v.RetryAt.IsZero() {
			retry = micros(v.RetryAt)
		}
		if v.Remaining != nil {
			remaining = *v.Remaining
		}
		_, err = tx.ExecContext(ctx, insertScan, rec.ID, rec.Scan.GateID, rec.Scan.Nonce, code, rec.Scan.Direction, micros(rec.Scan.At),
			v.Verdict, v.Reason, v.Kind, v.PassID, v.TicketID, v.Holder, retry, v.SurchargeDue, remaining, v.Debit, rec.Offline, rec.Device,
			conflict, rec.By, micros(now))
		if isUnique(err) {
			return gate.ErrNonceReused
		}
		if err != nil {
			return err
		}
		if gate.SameUsage(u, next) {
			return nil
		}
		body, err := json.Marshal(next)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, upsertUsage, code, string(body), micros(now)); err != nil {
			return err
		}
		for _, d := range gate.OccupancyDelta(u, next) {
			if _, err := tx.ExecContext(ctx, addOccupancy, d.Zone, d.Inside); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return gate.Record{}, false, fmt.Errorf("record scan: %w", err)
	}
	return rec, replayed, nil
}

// ListScans lists scans, newest first.
func (s *Store) ListScans(ctx context.Context, f gate.ScanFilter) ([]gate.Record, error) {
	before := int64(math.MaxInt64)
	if !f.Before.IsZero() {
		before = micros(f.Before)
	}
	rows, err := s.r.QueryContext(ctx, listScans, f.GateID, f.Code, f.Verdict, f.Conflict, before, f.BeforeID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list scans: %w", err)
	}
	defer rows.Close()
	var out []gate.Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("list scans: %w", err)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// Occupancy counts who is inside, by zone.
func (s *Store) Occupancy(ctx context.Context) ([]gate.ZoneCount, error) {
	rows, err := s.r.QueryContext(ctx, selectOccupancy)
	if err != nil {
		return nil, fmt.Errorf("occupancy: %w", err)
	}
	defer rows.Close()
	var out []gate.ZoneCount
	for rows.Next() {
		var z gate.ZoneCount
		if err := rows.Scan(&z.Zone, &z.Inside); err != nil {
			return nil, fmt.Errorf("occupancy: %w", err)
		}
		out = append(out, z)
	}
	return out, rows.Err()
}

// PaySurcharge records a surcharge paid at the till on the code's stay.
func (s *Store) PaySurcharge(ctx context.Context, code, by string, at time.Time, pay func(gate.Usage) (int64, error)) (gate.Usage, error) {
	var out gate.Usage
	err := s.tx(ctx, func(tx *sql.Tx) error {
		u, ok, err := readUsage(ctx, tx, code)
		if err != nil {
			return err
		}
		if !ok {
			return store.ErrNotFound
		}
		amount, err := pay(u)
		if err != nil {
			return err
		}
		u.SurchargePaid += amount
		body, err := json.Marshal(u)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, upsertUsage, code, string(body), micros(s.now())); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insertSurcharge, code, amount, by, micros(at)); err != nil {
			return err
		}
		out = u
		return nil
	})
	if err != nil {
		return gate.Usage{}, fmt.Errorf("pay surcharge: %w", err)
	}
	return out, nil
}

// AddZones adds zones to a code's usage in one write transaction.
func (s *Store) AddZones(ctx context.Context, code string, zones []string, permanent bool) (gate.Usage, error) {
	var out gate.Usage
	err := s.tx(ctx, func(tx *sql.Tx) error {
		u, _, err := readUsage(ctx, tx, code)
		if err != nil {
			return err
		}
		u = gate.WithZones(u, zones, permanent)
		body, err := json.Marshal(u)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, upsertUsage, code, string(body), micros(s.now())); err != nil {
			return err
		}
		out = u
		return nil
	})
	if err != nil {
		return gate.Usage{}, fmt.Errorf("add zones: %w", err)
	}
	return out, nil
}

// CodeUsage reads a code's usage; the zero Usage for a code never scanned.
func (s *Store) CodeUsage(ctx context.Context, code string) (gate.Usage, error) {
	var raw string
	var u gate.Usage
	err := s.r.QueryRowContext(ctx, selectUsage, code).Scan(&raw, &u.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return gate.Usage{}, nil
	}
	if err != nil {
		return gate.Usage{}, fmt.Errorf("usage of a code: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &u); err != nil {
		return gate.Usage{}, fmt.Errorf("usage of a code: %w", err)
	}
	return u, nil
}
