package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/store"
)

const (
	insertHall = `INSERT INTO halls (id, name, layout, seats, created_at) VALUES ($1, $2, $3, $4, $5)`
	selectHall = `SELECT name, layout::text, seats, created_at FROM halls WHERE id = $1`
	listHalls  = `SELECT id, name, seats, created_at FROM halls ORDER BY created_at DESC, id LIMIT 1000`
)

// CreateHall stores a hall.
func (s *Store) CreateHall(ctx context.Context, h catalog.Hall) error {
	_, err := s.pool.Exec(ctx, insertHall, h.ID, h.Name, string(h.Layout), h.Seats, s.now())
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
	var layout string
	err := s.pool.QueryRow(ctx, selectHall, id).Scan(&h.Name, &layout, &h.Seats, &h.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return catalog.Hall{}, fmt.Errorf("get hall %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return catalog.Hall{}, fmt.Errorf("get hall %s: %w", id, err)
	}
	h.Layout = []byte(layout)
	utc(&h.CreatedAt)
	return h, nil
}

// ListHalls lists halls, newest first, without their layouts.
func (s *Store) ListHalls(ctx context.Context) ([]catalog.Hall, error) {
	rows, err := s.pool.Query(ctx, listHalls)
	if err != nil {
		return nil, fmt.Errorf("list halls: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalog.Hall, error) {
		var h catalog.Hall
		err := r.Scan(&h.ID, &h.Name, &h.Seats, &h.CreatedAt)
		utc(&h.CreatedAt)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("list halls: %w", err)
	}
	return out, nil
}

const (
	insertPerformance = `INSERT INTO performances (id, hall_id, name, starts_at, status, zones, seat_zones, channels, seat_channels, created_at, reentry)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	performanceColumns = `id, hall_id, name, starts_at, status, zones::text, channels::text, created_at, reentry`
	selectPerformance  = `SELECT ` + performanceColumns + `, seat_zones, seat_channels FROM performances WHERE id = $1`
	// Lists leave out the seat maps: 160 KB per stadium performance that a
	// repertoire page never shows. Unbounded filters arrive as infinities
	// rather than NULL: with "$1 IS NULL OR ..." a cached generic plan can only
	// filter, and the row comparison, the keyset cursor, must stay an index
	// condition on (starts_at, id) for a deep page to cost what the first does.
	listPerformances = `SELECT ` + performanceColumns + ` FROM performances
WHERE starts_at >= $1 AND starts_at < $2 AND (starts_at, id) > ($3, $4::text)
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

// nonNil stores a missing seat map as an empty one: the columns are NOT NULL
// so that "every seat in the default" has one spelling.
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
	_, err = s.pool.Exec(ctx, insertPerformance, p.ID, p.HallID, p.Name, p.StartsAt, p.Status, zones,
		store.EncodeSeatZones(p.SeatZones), string(channels), nonNil(p.SeatChannels), s.now(), p.Reentry)
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

func scanPerformance(row pgx.Row, withSeats bool) (catalog.Performance, error) {
	var p catalog.Performance
	var zones, channels string
	var seatZones []byte
	dest := []any{&p.ID, &p.HallID, &p.Name, &p.StartsAt, &p.Status, &zones, &channels, &p.CreatedAt, &p.Reentry}
	if withSeats {
		dest = append(dest, &seatZones, &p.SeatChannels)
	}
	if err := row.Scan(dest...); err != nil {
		return catalog.Performance{}, err
	}
	utc(&p.StartsAt)
	utc(&p.CreatedAt)
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
	p, err := scanPerformance(s.pool.QueryRow(ctx, selectPerformance, id), true)
	if errors.Is(err, pgx.ErrNoRows) {
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
	after := bound(f.AfterStartsAt, pgtype.NegativeInfinity)
	if f.AfterStartsAt.IsZero() && f.AfterID != "" {
		// A cursor at the zero time still skips the ids up to AfterID there.
		after = pgtype.Timestamptz{Time: f.AfterStartsAt, Valid: true}
	}
	rows, err := s.pool.Query(ctx, listPerformances, bound(f.From, pgtype.NegativeInfinity), bound(f.To, pgtype.Infinity),
		after, f.AfterID, store.ClampLimit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list performances: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalog.Performance, error) { return scanPerformance(r, false) })
	if err != nil {
		return nil, fmt.Errorf("list performances: %w", err)
	}
	return out, nil
}

func (s *Store) updatePerformance(ctx context.Context, what, id, query string, args ...any) error {
	tag, err := s.fencedExec(ctx, id, query, append([]any{id}, args...)...)
	if err != nil {
		return fmt.Errorf("%s of %s: %w", what, id, err)
	}
	if tag.RowsAffected() == 0 {
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
	// One statement for any number of seats; a later reason replaces an
	// earlier one, as SetBlocks promises.
	upsertBlocks = `INSERT INTO blocks (performance_id, seat_index, reason)
SELECT $1, seat, $3 FROM unnest($2::int[]) AS seat
ON CONFLICT (performance_id, seat_index) DO UPDATE SET reason = EXCLUDED.reason`
	deleteBlocks = `DELETE FROM blocks WHERE performance_id = $1 AND seat_index = ANY($2::int[])`
	selectBlocks = `SELECT seat_index, reason FROM blocks WHERE performance_id = $1 ORDER BY seat_index`
)

// seatArray converts seat indices for int[] parameters. Seat indices are
// below hall's seat limit, far inside int32.
func seatArray(seats []uint32) []int32 {
	out := make([]int32, len(seats))
	for i, s := range seats {
		out[i] = int32(s)
	}
	return out
}

// SetBlocks blocks seats with a reason; a missing performance gives ErrNotFound.
func (s *Store) SetBlocks(ctx context.Context, perf string, seats []uint32, reason string) error {
	_, err := s.fencedExec(ctx, perf, upsertBlocks, perf, seatArray(seats), reason)
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
	if _, err := s.fencedExec(ctx, perf, deleteBlocks, perf, seatArray(seats)); err != nil {
		return fmt.Errorf("clear blocks of %s: %w", perf, err)
	}
	return nil
}

// Blocks lists a performance's blocked seats by seat index.
func (s *Store) Blocks(ctx context.Context, perf string) ([]catalog.Block, error) {
	rows, err := s.pool.Query(ctx, selectBlocks, perf)
	if err != nil {
		return nil, fmt.Errorf("blocks of %s: %w", perf, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalog.Block, error) {
		var b catalog.Block
		var seat int32
		err := r.Scan(&seat, &b.Reason)
		b.Seat = uint32(seat)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("blocks of %s: %w", perf, err)
	}
	return out, nil
}

const (
	insertTemplate = `INSERT INTO templates (id, hall_id, name, zones, seat_zones, channels, seat_channels, blocks, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	selectTemplate = `SELECT hall_id, name, zones::text, seat_zones, channels::text, seat_channels, blocks::text, created_at
FROM templates WHERE id = $1`
	listTemplates = `SELECT id, hall_id, name, created_at FROM templates WHERE hall_id = $1 ORDER BY created_at DESC, id LIMIT 1000`
)

// CreateTemplate stores a template; a missing hall gives ErrNotFound.
func (s *Store) CreateTemplate(ctx context.Context, t catalog.Template) error {
	zones, channels, blocks, err := store.EncodeTemplate(t)
	if err != nil {
		return fmt.Errorf("create template %s: %w", t.ID, err)
	}
	_, err = s.pool.Exec(ctx, insertTemplate, t.ID, t.HallID, t.Name, zones, store.EncodeSeatZones(t.SeatZones),
		channels, nonNil(t.SeatChannels), blocks, s.now())
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
	err := s.pool.QueryRow(ctx, selectTemplate, id).
		Scan(&t.HallID, &t.Name, &zones, &seatZones, &channels, &t.SeatChannels, &blocks, &t.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return catalog.Template{}, fmt.Errorf("get template %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return catalog.Template{}, fmt.Errorf("get template %s: %w", id, err)
	}
	utc(&t.CreatedAt)
	if err := store.DecodeTemplate(&t, zones, seatZones, channels, blocks); err != nil {
		return catalog.Template{}, fmt.Errorf("get template %s: %w", id, err)
	}
	return t, nil
}

// ListTemplates lists a hall's templates, newest first, without seat maps.
func (s *Store) ListTemplates(ctx context.Context, hallID string) ([]catalog.Template, error) {
	rows, err := s.pool.Query(ctx, listTemplates, hallID)
	if err != nil {
		return nil, fmt.Errorf("list templates of %s: %w", hallID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (catalog.Template, error) {
		var t catalog.Template
		err := r.Scan(&t.ID, &t.HallID, &t.Name, &t.CreatedAt)
		utc(&t.CreatedAt)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("list templates of %s: %w", hallID, err)
	}
	return out, nil
}
