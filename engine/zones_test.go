package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

func TestPaintZonesAndStats(t *testing.T) {
	t.Parallel()
	s, c := newShard(t, theatre)
	row := seats(t, theatre, "S-R10-S1", "S-R10-S2", "S-R10-S3", "S-R10-S4")
	_, err := s.Hold(HoldRequest{Token: "h", Owner: "o", Seats: row[:1], Expires: c.Now().Add(time.Minute)}, nil)
	require.NoError(t, err)
	v := s.Version()
	changed, skipped, err := s.PaintZone(row, 0)
	require.NoError(t, err)
	require.Equal(t, 3, changed)
	require.Equal(t, []Skip{{Seat: row[0], State: Held}}, skipped)
	ch, _, err := s.Since(v, nil)
	require.NoError(t, err)
	require.Equal(t, []Change{{Seat: row[1], Kind: ZoneChange}, {Seat: row[2], Kind: ZoneChange}, {Seat: row[3], Kind: ZoneChange}}, ch)
	_, _, err = s.PaintZone(row, 9)
	require.ErrorIs(t, err, ErrUnknownZone)

	// A seat without a zone has no price: nobody can hold it.
	_, _, err = s.PaintZone(row[3:], hall.NoZone)
	require.NoError(t, err)
	_, err = s.Hold(HoldRequest{Token: "x", Owner: "o", Seats: row[3:], Expires: c.Now().Add(time.Minute)}, nil)
	var taken *TakenError
	require.ErrorAs(t, err, &taken)

	st := s.Stats()
	require.Equal(t, Counts{Free: 799, Held: 1}, st.Total)
	require.Equal(t, 1, st.Unpriced.Free)
	total := 0
	for _, z := range st.Zones {
		total += z.Free + z.Held + z.Sold + z.Blocked
	}
	require.Equal(t, 799, total)
	require.Equal(t, 1, st.Channels[Web].Held)

	// Replacing the zone map records a change per moved seat and a meta change.
	v = s.Version()
	zones := s.ZoneOf()
	zones[row[1]] = 2
	require.NoError(t, s.SetZones(zones, 3))
	ch, _, err = s.Since(v, nil)
	require.NoError(t, err)
	require.Equal(t, []Change{{Seat: row[1], Kind: ZoneChange, Value: 2}, {Kind: MetaChange}}, ch)
	mustVerify(t, s)
}

func TestZonesOf(t *testing.T) {
	t.Parallel()
	s, _ := newShard(t, theatre)
	row := seats(t, theatre, "S-R10-S1", "S-R10-S2")
	_, _, err := s.PaintZone(row[1:], hall.NoZone)
	require.NoError(t, err)
	all := s.ZoneOf()
	// ZonesOf appends, in the order asked, and a seat out of range has no zone.
	got := s.ZonesOf([]uint32{row[1], 0, row[0], 800, row[0]}, []uint16{42})
	require.Equal(t, []uint16{42, hall.NoZone, all[0], all[row[0]], hall.NoZone, all[row[0]]}, got)
	require.NotEqual(t, uint16(hall.NoZone), all[row[0]])
	require.Empty(t, s.ZonesOf(nil, nil))
}
