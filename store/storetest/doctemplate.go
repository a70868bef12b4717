package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/store/backend"
)

// runDocumentTemplate checks the documents' template (issue 17): the zero
// template before any, stored whole, each write the next version, the logo
// kept byte for byte and removed when empty.
func runDocumentTemplate(t *testing.T, open func(t *testing.T) backend.Store) {
	ctx := context.Background()
	t.Run("DocumentTemplate", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		zero, err := s.DocumentTemplate(ctx)
		require.NoError(t, err)
		require.Equal(t, 0, zero.Version)
		require.True(t, zero.Empty())

		logo := []byte("\x89PNG\r\n\x1a\n\x00\x01\x02\xff")
		v1, err := s.PutDocumentTemplate(ctx, report.Template{VenueName: "Opera", LegalDetails: "Opera GmbH\nMain St 1\nTax DE1", Footer: "Thanks",
			Logo: logo, LogoType: "image/png", UpdatedBy: "staff:org"})
		require.NoError(t, err)
		require.Equal(t, 1, v1.Version)
		got, err := s.DocumentTemplate(ctx)
		require.NoError(t, err)
		require.Equal(t, "Opera", got.VenueName)
		require.Equal(t, "Opera GmbH\nMain St 1\nTax DE1", got.LegalDetails)
		require.Equal(t, "Thanks", got.Footer)
		require.Equal(t, logo, got.Logo)
		require.Equal(t, "image/png", got.LogoType)
		require.Equal(t, "staff:org", got.UpdatedBy)
		require.True(t, v1.UpdatedAt.Equal(got.UpdatedAt))
		requireUTC(t, got.UpdatedAt)

		v2, err := s.PutDocumentTemplate(ctx, report.Template{VenueName: "Opera House", UpdatedBy: "staff:admin"})
		require.NoError(t, err)
		require.Equal(t, 2, v2.Version)
		got, err = s.DocumentTemplate(ctx)
		require.NoError(t, err)
		require.Equal(t, 2, got.Version)
		require.Equal(t, "Opera House", got.VenueName)
		require.Empty(t, got.LegalDetails, "stored whole")
		require.Nil(t, got.Logo, "the logo removed")
		require.Empty(t, got.LogoType)
	})
}
