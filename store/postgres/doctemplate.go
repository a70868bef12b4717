package postgres

import (
	"context"
	"errors"
	"fmt"

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
