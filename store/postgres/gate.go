package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
)

const (
	gateColumns = `id, name, zones, direction, performance_id, created_at`
	insertGate  = `INSERT INTO gates (` + gateColumns + `) VALUES ($1, $2, $3, $4, $5, $6)`
	selectGate  = `SELECT ` + gateColumns + ` FROM gates WHERE id = $1`
	selectGates = `SELECT ` + gateColumns + ` FROM gates ORDER BY name, id LIMIT 1000`

	selectPassByCode    = `SELECT ` + passColumns + ` FROM passes WHERE code = $1`
	selectProductOfCode = `SELECT ` + productColumns + ` FROM products WHERE id = (SELECT product_id FROM passes WHERE code = $1)`
	orderOfCodePaid     = `SELECT status IN ('paid', 'partially_refunded', 'refunded') FROM orders WHERE id = (SELECT order_id FROM passes WHERE code = $1)`
	// A ticket of an order not paid is as good as void at the gate.
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

	ensureUsage = `INSERT INTO gate_usage (code, usage, version, updated_at) VALUES ($1, '{}', 0, $2) ON CONFLICT (code) DO NOTHING`
	lockUsage   = `SELECT usage, version FROM gate_usage WHERE code = $1 FOR UPDATE`
	updateUsage = `UPDATE gate_usage SET usage = $2, version = version + 1, updated_at = $3 WHERE code = $1`

	scanColumns = `id, gate_id, nonce, code, direction, at, verdict, reason, kind, pass_id, ticket_id, holder, retry_at,
surcharge_due, remaining, debit, offline, device, conflict, by_staff, recorded_at`
	insertScan = `INSERT INTO scans (` + scanColumns + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`
	selectScanByNonce = `SELECT ` + scanColumns + ` FROM scans WHERE gate_id = $1 AND nonce = $2`
	listScans         = `SELECT ` + scanColumns + ` FROM scans
WHERE ($1 = '' OR gate_id = $1) AND ($2 = '' OR code = $2) AND ($3 = '' OR verdict = $3) AND (NOT $4 OR conflict <> '')
  AND (recorded_at, id) < ($5, $6::text)
ORDER BY recorded_at DESC, id DESC
LIMIT $7`

	addOccupancy = `INSERT INTO zone_occupancy (zone, inside) SELECT * FROM unnest($1::text[], $2::int[])
ON CONFLICT (zone) DO UPDATE SET inside = zone_occupancy.inside + EXCLUDED.inside`
	selectOccupancy = `SELECT zone, inside FROM zone_occupancy WHERE inside <> 0 ORDER BY zone`
	insertSurcharge = `INSERT INTO surcharges (code, amount, by_staff, paid_at) VALUES ($1, $2, $3, $4)`
)

// CreateGate stores a gate.
func (s *Store) CreateGate(ctx context.Context, g gate.Gate) (gate.Gate, error) {
	g.CreatedAt = g.CreatedAt.UTC().Truncate(time.Microsecond)
	_, err := s.pool.Exec(ctx, insertGate, g.ID, g.Name, g.Zones, g.Direction, g.PerformanceID, g.CreatedAt)
	if isUnique(err) {
		return gate.Gate{}, fmt.Errorf("create gate %s: %w", g.ID, store.ErrDuplicate)
	}
	if err != nil {
		return gate.Gate{}, fmt.Errorf("create gate %s: %w", g.ID, err)
	}
	return g, nil
}

func scanGate(r pgx.Row) (gate.Gate, error) {
	var g gate.Gate
	err := r.Scan(&g.ID, &g.Name, &g.Zones, &g.Direction, &g.PerformanceID, &g.CreatedAt)
	utc(&g.CreatedAt)
	return g, err
}

// GetGate returns a gate.
func (s *Store) GetGate(ctx context.Context, id string) (gate.Gate, error) {
	g, err := scanGate(s.pool.QueryRow(ctx, selectGate, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return gate.Gate{}, fmt.Errorf("gate %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return gate.Gate{}, fmt.Errorf("gate %s: %w", id, err)
	}
	return g, nil
}

// ListGates lists the gates by name.
func (s *Store) ListGates(ctx context.Context) ([]gate.Gate, error) {
	rows, err := s.pool.Query(ctx, selectGates)
	if err != nil {
		return nil, fmt.Errorf("list gates: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gate.Gate, error) { return scanGate(r) })
	if err != nil {
		return nil, fmt.Errorf("list gates: %w", err)
	}
	return out, nil
}

// LookupCode finds a pass or a ticket by its code: the pass, its product,
// whether its order is paid, and the ticket, asked in one round trip.
func (s *Store) LookupCode(ctx context.Context, code string) (gate.Found, error) {
	var out gate.Found
	var p pass.Pass
	var t gate.Ticket
	var passErr, productErr, paidErr, ticketErr error
	b := &pgx.Batch{}
	b.Queue(selectPassByCode, code).QueryRow(func(r pgx.Row) error {
		p, passErr = scanPass(r)
		return nil
	})
	b.Queue(selectProductOfCode, code).QueryRow(func(r pgx.Row) error {
		out.Product, productErr = scanProduct(r)
		return nil
	})
	b.Queue(orderOfCodePaid, code).QueryRow(func(r pgx.Row) error {
		paidErr = r.Scan(&out.Paid)
		return nil
	})
	b.Queue(selectTicketByCode, code).QueryRow(func(r pgx.Row) error {
		ticketErr = r.Scan(&t.ID, &t.OrderID, &t.PerformanceID, &t.Status, &t.Holder, &out.StartsAt, &t.Reentry)
		return nil
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return gate.Found{}, fmt.Errorf("look up code: %w", err)
	}
	switch {
	case passErr == nil:
		if err := errors.Join(productErr, paidErr); err != nil {
			return gate.Found{}, fmt.Errorf("code's product and order: %w", err)
		}
		out.Pass = &p
		if err := s.withDebit(ctx, &out); err != nil {
			return gate.Found{}, err
		}
		return out, nil
	case !errors.Is(passErr, pgx.ErrNoRows):
		return gate.Found{}, fmt.Errorf("look up code: %w", passErr)
	case errors.Is(ticketErr, pgx.ErrNoRows):
		return gate.Found{}, fmt.Errorf("code: %w", store.ErrNotFound)
	case ticketErr != nil:
		return gate.Found{}, fmt.Errorf("look up code: %w", ticketErr)
	}
	out.Product, out.Paid = pass.Product{}, false
	out.Ticket = &t
	return out, nil
}

func scanRecord(r pgx.Row) (gate.Record, error) {
	var rec gate.Record
	var retry *time.Time
	var remaining *int32
	v := &rec.Verdict
	err := r.Scan(&rec.ID, &rec.Scan.GateID, &rec.Scan.Nonce, &rec.Scan.Code, &rec.Scan.Direction, &rec.Scan.At, &v.Verdict, &v.Reason,
		&v.Kind, &v.PassID, &v.TicketID, &v.Holder, &retry, &v.SurchargeDue, &remaining, &v.Debit, &rec.Offline, &rec.Device,
		&rec.Conflict, &rec.By, &rec.RecordedAt)
	if err != nil {
		return gate.Record{}, err
	}
	if retry != nil {
		v.RetryAt = retry.UTC()
	}
	if remaining != nil {
		n := int(*remaining)
		v.Remaining = &n
	}
	utc(&rec.Scan.At)
	utc(&rec.RecordedAt)
	return rec, nil
}

// RecordScan decides and records a scan under a lock on its code's usage.
func (s *Store) RecordScan(ctx context.Context, rec gate.Record, decide gate.Decision) (gate.Record, bool, error) {
	now := s.now()
	var replayed bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		replayed = false
		code := rec.Scan.Code
		// One round trip: the code's usage row made if new, locked and read,
		// and the scan its nonce may already be.
		var raw []byte
		var version int
		var prev gate.Record
		var prevErr error
		b := &pgx.Batch{}
		b.Queue(ensureUsage, code, now)
		b.Queue(lockUsage, code).QueryRow(func(r pgx.Row) error { return r.Scan(&raw, &version) })
		b.Queue(selectScanByNonce, rec.Scan.GateID, rec.Scan.Nonce).QueryRow(func(r pgx.Row) error {
			prev, prevErr = scanRecord(r)
			return nil
		})
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		switch err := prevErr; {
		case err == nil && prev.Scan.Code != code:
			return gate.ErrNonceReused
		case err == nil:
			rec, replayed = prev, true
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		var u gate.Usage
		if err := json.Unmarshal(raw, &u); err != nil {
			return fmt.Errorf("usage of a code: %w", err)
		}
		u.Version = version
		v, next, conflict := decide(u)
		var err error
		if v, next, err = s.scanDebit(ctx, tx, rec, u, v, next, now); err != nil {
			return err
		}
		rec.Verdict, rec.Conflict, rec.RecordedAt = v, conflict, now
		var retry *time.Time
		if !v.RetryAt.IsZero() {
			retry = &v.RetryAt
		}
		// One round trip: the scan recorded, the usage and the zone counts
		// changed.
		b = &pgx.Batch{}
		b.Queue(insertScan, rec.ID, rec.Scan.GateID, rec.Scan.Nonce, code, rec.Scan.Direction, rec.Scan.At, v.Verdict, v.Reason,
			v.Kind, v.PassID, v.TicketID, v.Holder, retry, v.SurchargeDue, v.Remaining, v.Debit, rec.Offline, rec.Device, conflict, rec.By, now)
		if !gate.SameUsage(u, next) {
			body, err := json.Marshal(next)
			if err != nil {
				return err
			}
			b.Queue(updateUsage, code, body, now)
			if zones, deltas := gate.ZoneDeltas(u, next); len(zones) > 0 {
				b.Queue(addOccupancy, zones, deltas)
			}
		}
		err = tx.SendBatch(ctx, b).Close()
		if isUnique(err) {
			return gate.ErrNonceReused
		}
		return err
	})
	if err != nil {
		return gate.Record{}, false, fmt.Errorf("record scan: %w", err)
	}
	return rec, replayed, nil
}

// ListScans lists scans, newest first.
func (s *Store) ListScans(ctx context.Context, f gate.ScanFilter) ([]gate.Record, error) {
	before := f.Before
	if before.IsZero() {
		before = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	rows, err := s.pool.Query(ctx, listScans, f.GateID, f.Code, f.Verdict, f.Conflict, before, f.BeforeID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list scans: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gate.Record, error) { return scanRecord(r) })
	if err != nil {
		return nil, fmt.Errorf("list scans: %w", err)
	}
	return out, nil
}

// Occupancy counts who is inside, by zone.
func (s *Store) Occupancy(ctx context.Context) ([]gate.ZoneCount, error) {
	rows, err := s.pool.Query(ctx, selectOccupancy)
	if err != nil {
		return nil, fmt.Errorf("occupancy: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gate.ZoneCount, error) {
		var z gate.ZoneCount
		err := r.Scan(&z.Zone, &z.Inside)
		return z, err
	})
	if err != nil {
		return nil, fmt.Errorf("occupancy: %w", err)
	}
	return out, nil
}

// PaySurcharge records a surcharge paid at the till on the code's stay.
func (s *Store) PaySurcharge(ctx context.Context, code, by string, at time.Time, pay func(gate.Usage) (int64, error)) (gate.Usage, error) {
	var out gate.Usage
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var raw []byte
		var version int
		err := tx.QueryRow(ctx, lockUsage, code).Scan(&raw, &version)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		var u gate.Usage
		if err := json.Unmarshal(raw, &u); err != nil {
			return err
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
		if _, err := tx.Exec(ctx, updateUsage, code, body, s.now()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, insertSurcharge, code, amount, by, at.UTC()); err != nil {
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

// AddZones adds zones to a code's usage under its lock.
func (s *Store) AddZones(ctx context.Context, code string, zones []string, permanent bool) (gate.Usage, error) {
	var out gate.Usage
	now := s.now()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, ensureUsage, code, now); err != nil {
			return err
		}
		var raw []byte
		var version int
		if err := tx.QueryRow(ctx, lockUsage, code).Scan(&raw, &version); err != nil {
			return err
		}
		var u gate.Usage
		if err := json.Unmarshal(raw, &u); err != nil {
			return err
		}
		u = gate.WithZones(u, zones, permanent)
		body, err := json.Marshal(u)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, updateUsage, code, body, now); err != nil {
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
	var raw []byte
	var u gate.Usage
	err := s.pool.QueryRow(ctx, `SELECT usage, version FROM gate_usage WHERE code = $1`, code).Scan(&raw, &u.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return gate.Usage{}, nil
	}
	if err != nil {
		return gate.Usage{}, fmt.Errorf("usage of a code: %w", err)
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		return gate.Usage{}, fmt.Errorf("usage of a code: %w", err)
	}
	return u, nil
}
