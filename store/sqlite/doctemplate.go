package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/report"
)

const (
	selectDocumentTemplate = `SELECT venue_name, legal_details, footer, logo, logo_type, version, updated_at, updated_by FROM document_template`
	putDocumentTemplate    = `INSERT INTO document_template (singleton, venue_name, legal_details, footer, logo, logo_type, version, updated_at, updated_by)
VALUES (1, $1, $2, $3, $4, $5, 1, $6, $7)
ON CONFLICT (singleton) DO UPDATE SET venue_name = $1, legal_details = $2, footer = $3, logo = $4, logo_type = $5,
  version = document_template.version + 1, updated_at = $6, updated_by = $7
RETURNING version`
)

// DocumentTemplate returns the documents' template, or the zero template
// (version 0) before one is stored.
func (s *Store) DocumentTemplate(ctx context.Context) (report.Template, error) {
	var t report.Template
	var at int64
	err := s.r.QueryRowContext(ctx, selectDocumentTemplate).Scan(&t.VenueName, &t.LegalDetails, &t.Footer, &t.Logo, &t.LogoType, &t.Version, &at, &t.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return report.Template{}, nil
	}
	if err != nil {
		return report.Template{}, fmt.Errorf("document template: %w", err)
	}
	if len(t.Logo) == 0 {
		t.Logo = nil
	}
	t.UpdatedAt = fromMicros(at)
	return t, nil
}

// PutDocumentTemplate stores t whole as the next version (the last write
// wins) and returns it with its version and time.
func (s *Store) PutDocumentTemplate(ctx context.Context, t report.Template) (report.Template, error) {
	t.UpdatedAt = s.now()
	var logo any
	if len(t.Logo) == 0 {
		t.Logo, t.LogoType = nil, ""
	} else {
		logo = t.Logo
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, putDocumentTemplate, t.VenueName, t.LegalDetails, t.Footer, logo, t.LogoType, micros(t.UpdatedAt), t.UpdatedBy).Scan(&t.Version)
	})
	if err != nil {
		return report.Template{}, fmt.Errorf("store document template: %w", err)
	}
	return t, nil
}

// documentsDue: see the Postgres adapter. SQLite's max() of several values
// is NULL when one is, hence the coalesce to 0 (no change) in each.
const documentsDue = `WITH p AS (
  SELECT p.id, max(
    coalesce((SELECT max(o.updated_at) FROM orders o WHERE o.performance_id = p.id AND o.status IN ('paid', 'partially_refunded', 'refunded')), 0),
    coalesce((SELECT max(coalesce(n.voided_at, n.issued_at)) FROM ticket_numbers n WHERE n.performance_id = p.id), 0),
    coalesce((SELECT max(r.created_at) FROM refunds r JOIN orders o ON o.id = r.order_id WHERE o.performance_id = p.id), 0)
  ) AS changed, p.created_at
  FROM performances p
  WHERE (p.starts_at < $1 AND p.starts_at >= $4
      OR p.status = 'cancelled' AND EXISTS (SELECT 1 FROM jobs j WHERE j.performance_id = p.id AND j.kind = 'cancel' AND j.state = 'done'))
    AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.performance_id = p.id AND j.state = 'running')
), q AS (
  SELECT id, CASE WHEN changed > 0 THEN changed ELSE created_at END AS last_change FROM p
)
SELECT q.id, q.last_change FROM q
WHERE (SELECT count(DISTINCT d.kind) FROM documents d WHERE d.performance_id = q.id AND d.as_of >= q.last_change) < $2
ORDER BY q.last_change, q.id
LIMIT $3`

// DocumentsDue lists up to limit performances whose documents are to be
// made automatically, the longest waiting first.
func (s *Store) DocumentsDue(ctx context.Context, startedAfter, startedBefore time.Time, kinds, limit int) ([]report.DocumentsDue, error) {
	rows, err := s.r.QueryContext(ctx, documentsDue, micros(startedBefore), kinds, limit, micros(startedAfter))
	if err != nil {
		return nil, fmt.Errorf("documents due: %w", err)
	}
	defer rows.Close()
	var out []report.DocumentsDue
	for rows.Next() {
		var d report.DocumentsDue
		var at int64
		if err := rows.Scan(&d.PerformanceID, &at); err != nil {
			return nil, fmt.Errorf("documents due: %w", err)
		}
		d.LastChange = fromMicros(at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("documents due: %w", err)
	}
	return out, nil
}
