package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
