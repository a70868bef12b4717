package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/seatmap/seatmap/report"
)

const (
	selectDocumentTemplate = `SELECT venue_name, legal_details, footer, logo, logo_type, version, updated_at, updated_by FROM document_template`
	putDocumentTemplate    = `INSERT INTO document_template (singleton, venue_name, legal_details, footer, logo, logo_type, version, updated_at, updated_by)
VALUES (true, $1, $2, $3, $4, $5, 1, $6, $7)
ON CONFLICT (singleton) DO UPDATE SET venue_name = $1, legal_details = $2, footer = $3, logo = $4, logo_type = $5,
  version = document_template.version + 1, updated_at = $6, updated_by = $7
RETURNING version`
)

// DocumentTemplate returns the documents' template, or the zero template
// (version 0) before one is stored.
func (s *Store) DocumentTemplate(ctx context.Context) (report.Template, error) {
	var t report.Template
	err := s.pool.QueryRow(ctx, selectDocumentTemplate).Scan(&t.VenueName, &t.LegalDetails, &t.Footer, &t.Logo, &t.LogoType, &t.Version, &t.UpdatedAt, &t.UpdatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return report.Template{}, nil
	}
	if err != nil {
		return report.Template{}, fmt.Errorf("document template: %w", err)
	}
	t.UpdatedAt = t.UpdatedAt.UTC()
	return t, nil
}

// PutDocumentTemplate stores t whole as the next version (the last write
// wins) and returns it with its version and time.
func (s *Store) PutDocumentTemplate(ctx context.Context, t report.Template) (report.Template, error) {
	t.UpdatedAt = s.now()
	if len(t.Logo) == 0 {
		t.Logo, t.LogoType = nil, ""
	}
	if err := s.pool.QueryRow(ctx, putDocumentTemplate, t.VenueName, t.LegalDetails, t.Footer, t.Logo, t.LogoType, t.UpdatedAt, t.UpdatedBy).Scan(&t.Version); err != nil {
		return report.Template{}, fmt.Errorf("store document template: %w", err)
	}
	return t, nil
}

// documentsDue finds performances started in [$4, $1), or cancelled (their
// cancel job done), with no job running, whose last change — the latest of their
// issued orders' changes, their numbers drawn or voided and their refunds,
// as documents.Input.LastChange counts them; the performance's creation
// without any — is newer than the as_of of some kind's newest document.
const documentsDue = `WITH p AS (
  SELECT p.id, coalesce(greatest(
    (SELECT max(o.updated_at) FROM orders o WHERE o.performance_id = p.id AND o.status IN ('paid', 'partially_refunded', 'refunded')),
    (SELECT max(coalesce(n.voided_at, n.issued_at)) FROM ticket_numbers n WHERE n.performance_id = p.id),
    (SELECT max(r.created_at) FROM refunds r JOIN orders o ON o.id = r.order_id WHERE o.performance_id = p.id)
  ), p.created_at) AS last_change
  FROM performances p
  WHERE (p.starts_at < $1 AND p.starts_at >= $4
      OR p.status = 'cancelled' AND EXISTS (SELECT 1 FROM jobs j WHERE j.performance_id = p.id AND j.kind = 'cancel' AND j.state = 'done'))
    AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.performance_id = p.id AND j.state = 'running')
)
SELECT p.id, p.last_change FROM p
WHERE (SELECT count(DISTINCT d.kind) FROM documents d WHERE d.performance_id = p.id AND d.as_of >= p.last_change) < $2
ORDER BY p.last_change, p.id
LIMIT $3`

// DocumentsDue lists up to limit performances whose documents are to be
// made automatically (see documentsDue), the longest waiting first.
func (s *Store) DocumentsDue(ctx context.Context, startedAfter, startedBefore time.Time, kinds, limit int) ([]report.DocumentsDue, error) {
	rows, err := s.pool.Query(ctx, documentsDue, startedBefore, kinds, limit, startedAfter)
	if err != nil {
		return nil, fmt.Errorf("documents due: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (report.DocumentsDue, error) {
		var d report.DocumentsDue
		err := r.Scan(&d.PerformanceID, &d.LastChange)
		d.LastChange = d.LastChange.UTC()
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("documents due: %w", err)
	}
	return out, nil
}
