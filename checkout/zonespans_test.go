package checkout

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestZoneSpans: every second of the window is in exactly one span, and the
// span's offset and abbreviation are the zone's at that second, so a page
// that adds the offset writes what FormatWhen writes.
func TestZoneSpans(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Asia/Dubai", "Australia/Lord_Howe", "Asia/Kolkata", "UTC", "America/Sao_Paulo"} {
		loc, err := time.LoadLocation(name)
		require.NoError(t, err)
		spans := VenueZoneSpans(loc, now)
		require.NotEmpty(t, spans, name)
		from, to := now.AddDate(-2, 0, 0).Truncate(time.Hour), now.AddDate(5, 0, 0).Truncate(time.Hour)
		require.Equal(t, from.Unix(), spans[0].From, name)
		require.Equal(t, to.Unix(), spans[len(spans)-1].To, name)
		for i, s := range spans {
			require.Less(t, s.From, s.To, name)
			if i > 0 {
				require.Equal(t, spans[i-1].To, s.From, "%s: spans meet", name)
				require.False(t, spans[i-1].Offset == s.Offset && spans[i-1].Abbr == s.Abbr, "%s: neighbours differ", name)
			}
			// Each span's first and last second, and one in the middle.
			for _, sec := range []int64{s.From, (s.From + s.To) / 2, s.To - 1} {
				at := time.Unix(sec, 0)
				wall := at.UTC().Add(time.Duration(s.Offset) * time.Second)
				want := FormatWhen(at, loc)
				got := wall.Format("Mon 2 Jan 2006, 15:04") + " " + s.Abbr + " (" + loc.String() + ")"
				require.Equal(t, want, got, "%s at %d", name, sec)
			}
		}
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	require.Len(t, VenueZoneSpans(berlin, now), 15, "seven years of summer and winter time")
	require.Len(t, VenueZoneSpans(time.UTC, now), 1)
}
