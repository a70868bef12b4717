package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/store"
)

// TestClassify: a call out of time is unavailability; domain answers are
// not. (Another process holding the write lock ends the same way, only after
// the 10 s busy timeout.)
func TestClassify(t *testing.T) {
	t.Parallel()
	s := open(t, tempPath(t))
	ctx := context.Background()
	_, err := s.GetPerformance(ctx, "missing")
	err = s.Classify(err)
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NotErrorIs(t, err, store.ErrUnavailable)
	require.NotErrorIs(t, err, store.ErrInvalid)
	require.NoError(t, s.Classify(nil))

	late, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	err = s.CreateHall(late, catalog.Hall{ID: "h", Name: "H", Layout: []byte(`{}`), Seats: 1})
	require.Error(t, err)
	require.ErrorIs(t, s.Classify(err), store.ErrUnavailable, "%v", err)
}
