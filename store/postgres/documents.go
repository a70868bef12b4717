package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/store"
)

const (
	// The tickets of a performance's issued orders, numbered first by
	// number, then the rest by order and seat. One statement: one snapshot.
	performanceTicketRows = `SELECT t.id, t.seat_index, t.seat_id, t.zone, t.price, t.status, o.id, o.number, o.status, o.channel, o.buyer_name,
  o.currency, o.discount, o.created_at, o.updated_at, coalesce(n.series, ''), coalesce(n.number, 0), n.issued_at
FROM tickets t
JOIN orders o ON o.id = t.order_id
LEFT JOIN ticket_numbers n ON n.ticket_id = t.id AND n.voided_at IS NULL
WHERE t.performance_id = $1 AND o.status IN ('paid', 'partially_refunded', 'refunded') AND t.status <> 'void'
ORDER BY n.series NULLS LAST, n.number NULLS LAST, o.number, t.seat_index`
	performanceRefunds = `SELECT r.id, r.order_id, r.amount, r.seats, r.passes, r.reason, r.method, r.actor, r.idempotency_key, r.created_at
FROM refunds r JOIN orders o ON o.id = r.order_id
WHERE o.performance_id = $1 ORDER BY r.created_at, r.id`

	documentMeta     = `id, coalesce(performance_id, ''), period, kind, version, sha256, as_of, coalesce(supersedes, ''), created_at, created_by`
	lastDocument     = `SELECT ` + documentMeta + ` FROM documents WHERE performance_id IS NOT DISTINCT FROM nullif($1, '') AND period = $3 AND kind = $2 ORDER BY version DESC LIMIT 1`
	lockDocumentKind = `SELECT pg_advisory_xact_lock(hashtext('seatmap.documents.' || $1 || '.' || $3 || '.' || $2))`
	insertDocument   = `INSERT INTO documents (id, performance_id, kind, version, sha256, as_of, supersedes, pdf, csv, created_at, created_by, period)
VALUES ($1, nullif($2, ''), $3, $4, $5, $6, nullif($7, ''), $8, $9, $10, $11, $12)`
	periodDocuments = `SELECT ` + documentMeta + ` FROM documents WHERE performance_id IS NULL AND period = $1 ORDER BY kind, version DESC`
	documentsOf     = `SELECT ` + documentMeta + ` FROM documents WHERE performance_id = $1 ORDER BY kind, version DESC`
	documentByID    = `SELECT ` + documentMeta + `, pdf, csv FROM documents WHERE id = $1`
)

// TicketRows returns the tickets of a performance's issued orders with
// their current numbers, read in one statement.
func (s *Store) TicketRows(ctx context.Context, performanceID string) ([]report.TicketRow, error) {
	rows, err := s.pool.Query(ctx, performanceTicketRows, performanceID)
	if err != nil {
		return nil, fmt.Errorf("ticket rows: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (report.TicketRow, error) {
		var t report.TicketRow
		var issued pgtype.Timestamptz
		err := r.Scan(&t.TicketID, &t.Seat, &t.SeatID, &t.Zone, &t.Price, &t.Status, &t.OrderID, &t.OrderNumber, &t.OrderStatus, &t.Channel, &t.Buyer,
			&t.Currency, &t.Discount, &t.OrderAt, &t.UpdatedAt, &t.Series, &t.Number, &issued)
		t.OrderAt, t.UpdatedAt = t.OrderAt.UTC(), t.UpdatedAt.UTC()
		if issued.Valid {
			t.IssuedAt = issued.Time.UTC()
		}
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("ticket rows: %w", err)
	}
	return out, nil
}

// PerformanceRefunds returns every refund of a performance's orders, oldest
// first.
func (s *Store) PerformanceRefunds(ctx context.Context, performanceID string) ([]order.Refund, error) {
	rows, err := s.pool.Query(ctx, performanceRefunds, performanceID)
	if err != nil {
		return nil, fmt.Errorf("refunds of performance %s: %w", performanceID, err)
	}
	defer rows.Close()
	var out []order.Refund
	for rows.Next() {
		rf, err := scanRefund(rows)
		if err != nil {
			return nil, fmt.Errorf("refunds of performance %s: %w", performanceID, err)
		}
		out = append(out, rf)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("refunds of performance %s: %w", performanceID, err)
	}
	return out, nil
}

func scanDocument(r pgx.Row, withFiles bool) (report.Document, error) {
	var d report.Document
	dest := []any{&d.ID, &d.PerformanceID, &d.Period, &d.Kind, &d.Version, &d.SHA256, &d.AsOf, &d.Supersedes, &d.CreatedAt, &d.CreatedBy}
	if withFiles {
		dest = append(dest, &d.PDF, &d.CSV)
	}
	if err := r.Scan(dest...); err != nil {
		return d, err
	}
	d.AsOf, d.CreatedAt = d.AsOf.UTC(), d.CreatedAt.UTC()
	return d, nil
}

// SaveDocument stores d as the next version of its kind for its
// performance, unless the last version has the same SHA-256: then that one
// is returned, and created is false. One at a time per performance and kind
// (an advisory lock), so two requests make one version.
func (s *Store) SaveDocument(ctx context.Context, d report.Document) (_ report.Document, created bool, _ error) {
	d.CreatedAt = s.now()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		created = false
		if _, err := tx.Exec(ctx, lockDocumentKind, d.PerformanceID, d.Kind, d.Period); err != nil {
			return err
		}
		last, err := scanDocument(tx.QueryRow(ctx, lastDocument, d.PerformanceID, d.Kind, d.Period), false)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			d.Version, d.Supersedes = 1, ""
		case err != nil:
			return err
		case last.SHA256 == d.SHA256:
			d = last
			return nil
		default:
			d.Version, d.Supersedes = last.Version+1, last.ID
		}
		if _, err := tx.Exec(ctx, insertDocument, d.ID, d.PerformanceID, d.Kind, d.Version, d.SHA256, d.AsOf, d.Supersedes,
			d.PDF, d.CSV, d.CreatedAt, d.CreatedBy, d.Period); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return report.Document{}, false, fmt.Errorf("save document: %w", s.noPerformance(err))
	}
	if !created {
		d.PDF, d.CSV = nil, nil
	}
	return d, created, nil
}

// noPerformance turns a missing performance (the foreign key) into
// ErrNotFound.
func (s *Store) noPerformance(err error) error {
	if isMissingParent(err) {
		return store.ErrNotFound
	}
	return err
}

// PeriodDocuments lists a period's documents (the day, YYYY-MM-DD), every
// version, by kind and newest first, without their files.
func (s *Store) PeriodDocuments(ctx context.Context, period string) ([]report.Document, error) {
	rows, err := s.pool.Query(ctx, periodDocuments, period)
	if err != nil {
		return nil, fmt.Errorf("documents of %s: %w", period, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (report.Document, error) { return scanDocument(r, false) })
	if err != nil {
		return nil, fmt.Errorf("documents of %s: %w", period, err)
	}
	report.LinkVersions(out)
	return out, nil
}

// Documents lists a performance's documents, every version, by kind and
// newest first, without their files; SupersededBy is set.
func (s *Store) Documents(ctx context.Context, performanceID string) ([]report.Document, error) {
	rows, err := s.pool.Query(ctx, documentsOf, performanceID)
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (report.Document, error) { return scanDocument(r, false) })
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	report.LinkVersions(out)
	return out, nil
}

// GetDocument returns a document with its files, or ErrNotFound.
func (s *Store) GetDocument(ctx context.Context, id string) (report.Document, error) {
	d, err := scanDocument(s.pool.QueryRow(ctx, documentByID, id), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, store.ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("document %s: %w", id, err)
	}
	return d, nil
}
