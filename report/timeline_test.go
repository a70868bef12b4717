package report

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/input"
)

// TestTimelineVenueZone: quarter-hour rows in UTC land in the venue's days
// and hours, not UTC's; the hour repeated when clocks go back is its own
// bucket; empty buckets are kept; net is gross less discounts and refunds.
func TestTimelineVenueZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	rows := []TimeRow{
		{At: utc("2026-10-24T21:45:00Z"), Orders: 1, Tickets: 2, Gross: 5000}, // 23:45 on the 24th in Berlin (CEST)
		{At: utc("2026-10-24T22:00:00Z"), Orders: 1, Tickets: 1, Gross: 2500}, // 00:00 on the 25th
		{At: utc("2026-10-25T00:30:00Z"), Orders: 1, Tickets: 1, Gross: 2500, Discounts: 500},
		{At: utc("2026-10-25T01:15:00Z"), Refunds: 1, Refunded: 1000},        // 02:15 CET, the second 02:00 hour
		{At: utc("2026-10-25T00:15:00Z"), Orders: 1, Tickets: 1, Gross: 100}, // 02:15 CEST, the first
	}
	days, err := Timeline(rows, berlin, Day, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, days, 2)
	require.Equal(t, "2026-10-24T00:00:00+02:00", days[0].Start.Format(time.RFC3339))
	require.Equal(t, "2026-10-25T00:00:00+02:00", days[1].Start.Format(time.RFC3339))
	require.Equal(t, "2026-10-26T00:00:00+01:00", days[1].End.Format(time.RFC3339), "the day of the change has 25 hours")
	require.Equal(t, Point{Start: days[0].Start, End: days[0].End, Orders: 1, Tickets: 2, Gross: 5000, Net: 5000}, days[0])
	require.Equal(t, 3, days[1].Orders)
	require.Equal(t, int64(5100-500-1000), days[1].Net)

	hours, err := Timeline(rows, berlin, Hour, time.Time{}, time.Time{})
	require.NoError(t, err)
	// 23:00 (CEST) on the 24th to 02:00 CET on the 25th: 23, 0, 1, 2 (CEST), 2 (CET).
	require.Len(t, hours, 5)
	require.Equal(t, 0, hours[2].Orders, "an hour without sales is kept")
	require.Equal(t, "2026-10-25T02:00:00+02:00", hours[3].Start.Format(time.RFC3339))
	require.Equal(t, "2026-10-25T02:00:00+01:00", hours[4].Start.Format(time.RFC3339))
	require.Equal(t, 2, hours[3].Orders, "02:15 and 02:30 CEST")
	require.Equal(t, int64(-1000), hours[4].Net)

	// Half-hour zones: a quarter at 18:15 UTC is 23:45 in Kolkata.
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	require.NoError(t, err)
	k, err := Timeline([]TimeRow{{At: utc("2026-03-01T18:15:00Z"), Orders: 1}, {At: utc("2026-03-01T18:30:00Z"), Orders: 1}}, kolkata, Day, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, k, 2)
	require.Equal(t, 1, k[0].Orders)
	require.Equal(t, 1, k[1].Orders)

	// Bounds: a year by the hour is too many buckets; by the day it is not.
	_, err = Timeline(nil, berlin, Hour, utc("2026-01-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"))
	var bad *input.Error
	require.True(t, errors.As(err, &bad))
	require.Equal(t, "bucket", bad.Field)
	year, err := Timeline(nil, berlin, Day, utc("2025-12-31T23:00:00Z"), utc("2026-12-31T23:00:00Z"))
	require.NoError(t, err)
	require.Len(t, year, 365)
	_, err = Timeline(nil, berlin, "week", time.Time{}, time.Time{})
	require.True(t, errors.As(err, &bad))
	empty, err := Timeline(nil, berlin, Day, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Empty(t, empty)

	require.Equal(t, []TimeRow{{At: utc("2026-03-01T18:15:00Z"), Orders: 2, Gross: 3}},
		MergeRows([]TimeRow{{At: utc("2026-03-01T18:15:00Z"), Orders: 2}, {At: utc("2026-03-01T18:15:00Z"), Gross: 3}}))
}
