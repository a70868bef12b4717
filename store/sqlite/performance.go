package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/store"
)

const (
	insertHall = `INSERT INTO halls (id, name, layout, seats, created_at) VALUES ($1, $2, $3, $4, $5)`
	selectHall = `SELECT name, layout, seats, created_at FROM halls WHERE id = $1`
	listHalls  = `SELECT id, name, seats, created_at FROM halls ORDER BY created_at DESC, id LIMIT 1000`
)

// CreateHall stores a hall.
func (s *Store) CreateHall(ctx context.Context, h catalog.Hall) error {
	_, err := s.w.ExecContext(ctx, insertHall, h.ID, h.Name, nonNil(h.Layout), h.Seats, micros(s.now()))
	if isUnique(err) {
		return fmt.Errorf("create hall %s: %w", h.ID, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("create hall %s: %w", h.ID, err)
	}
	return nil
}

// GetHall returns a hall with its layout.
func (s *Store) GetHall(ctx context.Context, id string) (catalog.Hall, error) {
	h := catalog.Hall{ID: id}
	var created int64
	err := s.r.QueryRowContext(ctx, selectHall, id).Scan(&h.Name, &h.Layout, &h.Seats, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Hall{}, fmt.Errorf("get hall %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return catalog.Hall{}, fmt.Errorf("get hall %s: %w", id, err)
	}
	h.CreatedAt = fromMicros(created)
	return h, nil
}

// ListHalls lists halls, newest first, without their layouts.
func (s *Store) ListHalls(ctx context.Context) ([]catalog.Hall, error) {
	rows, err := s.r.QueryContext(ctx, listHalls)
	if err != nil {
		return nil, fmt.Errorf("list halls: %w", err)
	}
	defer rows.Close()
	var out []catalog.Hall
	for rows.Next() {
		var h catalog.Hall
		var created int64
		if err := rows.Scan(&h.ID, &h.Name, &h.Seats, &created); err != nil {
			return nil, fmt.Errorf("list halls: %w", err)
		}
		h.CreatedAt = fromMicros(created)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list halls: %w", err)
	}
	return out, nil
}

const (
	insertPerformance = `INSERT INTO performances (id, hall_id, name, starts_at, status, zones, seat_zones, channels, seat_channels, created_at, reentry)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	performanceColumns = `id, hall_id, name, starts_at, status, zones, channels, created_at, reentry`
	selectPerformance  = `SELECT ` + performanceColumns + `, seat_zones, seat_channels FROM performances WHERE id = $1`
	// Lists leave out the seat maps: 160 KB per stadium performance that a
	// repertoire page never shows. Unbounded filters arrive as the extremes of
	// int64, so the query has one shape and the keyset cursor, a row value,
	// is where the scan of the (starts_at, id) index starts.
	listPerformances = `SELECT ` + performanceColumns + ` FROM performances
WHERE starts_at >= $1 AND starts_at < $2 AND (starts_at, id) > ($3, $4)
ORDER BY starts_at, id
LIMIT $5`
	setPerformanceStatus = `UPDATE performances SET status = $2 WHERE id = $1`
	setZones             = `UPDATE performances SET zones = $2, seat_zones = $3 WHERE id = $1`
	setChannels          = `UPDATE performances SET channels = $2, seat_channels = $3 WHERE id = $1`
)

func zonesJSON(z []hall.Zone) (string, error) {
	if z == nil {
		z = []hall.Zone{}
	}
	b, err := json.Marshal(z)
	return string(b), err
}

// nonNil stores a missing blob as an empty one: the columns are NOT NULL so
// that "every seat in the default" has one spelling.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// CreatePerformance stores a performance; a missing hall gives ErrNotFound.
func (s *Store) CreatePerformance(ctx context.Context, p catalog.Performance) error {
	zones, err := zonesJSON(p.Zones)
	if err != nil {
		return fmt.Errorf("create performance %s: zones: %w", p.ID, err)
	}
	channels, err := json.Marshal(catalog.ChannelsOrWeb(p.Channels))
	if err != nil {
		return fmt.Errorf("create performance %s: channels: %w", p.ID, err)
	}
	_, err = s.w.ExecContext(ctx, insertPerformance, p.ID, p.HallID, p.Name, micros(p.StartsAt), p.Status, zones,
		store.EncodeSeatZones(p.SeatZones), string(channels), nonNil(p.SeatChannels), micros(s.now()), p.Reentry)
	switch {
	case isUnique(err):
		return fmt.Errorf("create performance %s: %w", p.ID, store.ErrDuplicate)
	case isMissingParent(err):
		return fmt.Errorf("create performance %s: hall %s: %w", p.ID, p.HallID, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("create performance %s: %w", p.ID, err)
	}
	return nil
}

func scanPerformance(row scanner, withSeats bool) (catalog.Performance, error) {
	var p catalog.Performance
	var starts, created int64
	var zones, channels string
	var seatZones []byte
	dest := []any{&p.ID, &p.HallID, &p.Name, &starts, &p.Status, &zones, &channels, &created, &p.Reentry}
	if withSeats {
		dest = append(dest, &seatZones, &p.SeatChannels)
	}
	if err := row.Scan(dest...); err != nil {
		return catalog.Performance{}, err
	}
	p.StartsAt, p.CreatedAt = fromMicros(starts), fromMicros(created)
	if err := json.Unmarshal([]byte(zones), &p.Zones); err != nil {
		return catalog.Performance{}, fmt.Errorf("zones of %s: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(channels), &p.Channels); err != nil {
		return catalog.Performance{}, fmt.Errorf("channels of %s: %w", p.ID, err)
	}
	if !withSeats {
		return p, nil
	}
	if len(p.SeatChannels) == 0 {
		p.SeatChannels = nil
	}
	var err error
	if p.SeatZones, err = store.DecodeSeatZones(seatZones); err != nil {
		return catalog.Performance{}, fmt.Errorf("seat zones of %s: %w", p.ID, err)
	}
	return p, nil
}

// GetPerformance returns a performance with its seat maps.
func (s *Store) GetPerformance(ctx context.Context, id string) (catalog.Performance, error) {
	p, err := scanPerformance(s.r.QueryRowContext(ctx, selectPerformance, id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Performance{}, fmt.Errorf("get performance %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return catalog.Performance{}, fmt.Errorf("get performance %s: %w", id, err)
	}
	return p, nil
}

// ListPerformances lists performances by (StartsAt, ID), keyset-paged,
// without seat maps.
func (s *Store) ListPerformances(ctx context.Context, f catalog.PerformanceFilter) ([]catalog.Performance, error) {
	from, to, after := int64(math.MinInt64), int64(math.MaxInt64), int64(math.MinInt64)
	if !f.From.IsZero() {
		from = micros(f.From)
	}
	if !f.To.IsZero() {
		to = micros(f.To)
	}
	if !f.AfterStartsAt.IsZero() || f.AfterID != "" {
		// A cursor at the zero time still skips the ids up to AfterID there.
		after = micros(f.AfterStartsAt)
	}
	rows, err := s.r.QueryContext(ctx, listPerformances, from, to, after, f.AfterID, store.ClampLimit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list performances: %w", err)
	}
	defer rows.Close()
	var out []catalog.Performance
	for rows.Next() {
		p, err := scanPerformance(rows, false)
		if err != nil {
			return nil, fmt.Errorf("list performances: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list performances: %w", err)
	}
	return out, nil
}

func (s *Store) updatePerformance(ctx context.Context, what, id, query string, args ...any) error {
	res, err := s.w.ExecContext(ctx, query, append([]any{id}, args...)...)
	if err != nil {
		return fmt.Errorf("%s of %s: %w", what, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s of %s: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s of %s: %w", what, id, store.ErrNotFound)
	}
	return nil
}

// SetPerformanceStatus changes a performance's status.
func (s *Store) SetPerformanceStatus(ctx context.Context, id, status string) error {
	return s.updatePerformance(ctx, "set status", id, setPerformanceStatus, status)
}

// SetZones replaces a performance's zones and seat zone map.
func (s *Store) SetZones(ctx context.Context, id string, zones []hall.Zone, seatZones []uint16) error {
	zj, err := zonesJSON(zones)
	if err != nil {
		return fmt.Errorf("set zones of %s: %w", id, err)
	}
	return s.updatePerformance(ctx, "set zones", id, setZones, zj, store.EncodeSeatZones(seatZones))
}

// SetChannels replaces a performance's channel names and seat channel map.
func (s *Store) SetChannels(ctx context.Context, id string, channels []string, seatChannels []uint8) error {
	cj, err := json.Marshal(catalog.ChannelsOrWeb(channels))
	if err != nil {
		return fmt.Errorf("set channels of %s: %w", id, err)
	}
	return s.updatePerformance(ctx, "set channels", id, setChannels, string(cj), nonNil(seatChannels))
}

const (
	// Seat lists travel as one JSON array through json_each: one statement for
	// any number of seats, and no SQL text that depends on the input. "WHERE
	// true" is how SQLite tells an upsert's ON CONFLICT from a join's ON.
	upsertBlocks = `INSERT INTO blocks (performance_id, seat_index, reason)
SELECT $1, value, $3 FROM json_each($2) WHERE true
ON CONFLICT (performance_id, seat_index) DO UPDATE SET reason = excluded.reason`
	deleteBlocks = `DELETE FROM blocks WHERE performance_id = $1 AND seat_index IN (SELECT value FROM json_each($2))`
	selectBlocks = `SELECT seat_index, reason FROM blocks WHERE performance_id = $1 ORDER BY seat_index`
)

// seatArray encodes seat indices for json_each.
func seatArray(seats []uint32) string {
	if seats == nil {
		return "[]"
	}
	b, _ := json.Marshal(seats) // a []uint32 always marshals
	return string(b)
}

// SetBlocks blocks seats with a reason; a missing performance gives ErrNotFound.
func (s *Store) SetBlocks(ctx context.Context, perf string, seats []uint32, reason string) error {
	_, err := s.w.ExecContext(ctx, upsertBlocks, perf, seatArray(seats), reason)
	if isMissingParent(err) {
		return fmt.Errorf("set blocks of %s: %w", perf, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("set blocks of %s: %w", perf, err)
	}
	return nil
}

// ClearBlocks unblocks seats; seats that were not blocked are ignored.
func (s *Store) ClearBlocks(ctx context.Context, perf string, seats []uint32) error {
	if _, err := s.w.ExecContext(ctx, deleteBlocks, perf, seatArray(seats)); err != nil {
		return fmt.Errorf("clear blocks of %s: %w", perf, err)
	}
	return nil
}

// Blocks lists a performance's blocked seats by seat index.
func (s *Store) Blocks(ctx context.Context, perf string) ([]catalog.Block, error) {
	rows, err := s.r.QueryContext(ctx, selectBlocks, perf)
	if err != nil {
		return nil, fmt.Errorf("blocks of %s: %w", perf, err)
	}
	defer rows.Close()
	var out []catalog.Block
	for rows.Next() {
		var b catalog.Block
		if err := rows.Scan(&b.Seat, &b.Reason); err != nil {
			return nil, fmt.Errorf("blocks of %s: %w", perf, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("blocks of %s: %w", perf, err)
	}
	return out, nil
}

const (
	insertTemplate = `INSERT INTO templates (id, hall_id, name, zones, seat_zones, channels, seat_channels, blocks, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	selectTemplate = `SELECT hall_id, name, zones, seat_zones, channels, seat_channels, blocks, created_at FROM templates WHERE id = $1`
	listTemplates  = `SELECT id, hall_id, name, created_at FROM templates WHERE hall_id = $1 ORDER BY created_at DESC, id LIMIT 1000`
)

// CreateTemplate stores a template; a missing hall gives ErrNotFound.
func (s *Store) CreateTemplate(ctx context.Context, t catalog.Template) error {
	zones, channels, blocks, err := store.EncodeTemplate(t)
	if err != nil {
		return fmt.Errorf("create template %s: %w", t.ID, err)
	}
	_, err = s.w.ExecContext(ctx, insertTemplate, t.ID, t.HallID, t.Name, zones, store.EncodeSeatZones(t.SeatZones),
		channels, nonNil(t.SeatChannels), blocks, micros(s.now()))
	switch {
	case isUnique(err):
		return fmt.Errorf("create template %s: %w", t.ID, store.ErrDuplicate)
	case isMissingParent(err):
		return fmt.Errorf("create template %s: hall %s: %w", t.ID, t.HallID, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("create template %s: %w", t.ID, err)
	}
	return nil
}

// GetTemplate returns a template with its seat maps.
func (s *Store) GetTemplate(ctx context.Context, id string) (catalog.Template, error) {
	t := catalog.Template{ID: id}
	var zones, channels, blocks string
	var seatZones []byte
	var created int64
	err := s.r.QueryRowContext(ctx, selectTemplate, id).
		Scan(&t.HallID, &t.Name, &zones, &seatZones, &channels, &t.SeatChannels, &blocks, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Template{}, fmt.Errorf("get template %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return catalog.Template{}, fmt.Errorf("get template %s: %w", id, err)
	}
	t.CreatedAt = fromMicros(created)
	if err := store.DecodeTemplate(&t, zones, seatZones, channels, blocks); err != nil {
		return catalog.Template{}, fmt.Errorf("get template %s: %w", id, err)
	}
	return t, nil
}

// ListTemplates lists a hall's templates, newest first, without seat maps.
func (s *Store) ListTemplates(ctx context.Context, hallID string) ([]catalog.Template, error) {
	rows, err := s.r.QueryContext(ctx, listTemplates, hallID)
	if err != nil {
		return nil, fmt.Errorf("list templates of %s: %w", hallID, err)
	}
	defer rows.Close()
	var out []catalog.Template
	for rows.Next() {
		var t catalog.Template
		var created int64
		if err := rows.Scan(&t.ID, &t.HallID, &t.Name, &created); err != nil {
			return nil, fmt.Errorf("list templates of %s: %w", hallID, err)
		}
		t.CreatedAt = fromMicros(created)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list templates of %s: %w", hallID, err)
	}
	return out, nil
}
