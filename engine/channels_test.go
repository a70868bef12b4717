package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestChannels(t *testing.T) {
	t.Parallel()
	s, c := newShard(t, theatre)
	const boxOffice Channel = 1
	row := seats(t, theatre, "S-R1-S1", "S-R1-S2", "S-R1-S3", "S-R1-S4")
	changed, _, err := s.PaintChannel(row[:2], boxOffice)
	require.NoError(t, err)
	require.Equal(t, 2, changed)
	// A web buyer cannot take box-office seats.
	_, err = s.Hold(HoldRequest{Token: "w", Owner: "o", Seats: row[1:3], Expires: c.Now().Add(time.Minute)}, nil)
	var taken *TakenError
	require.ErrorAs(t, err, &taken)
	require.Equal(t, row[1:2], taken.Seats)
	// The box office may sell both.
	_, err = s.Hold(HoldRequest{Token: "b", Owner: "o", Seats: row[1:3], Channels: Web.Mask() | boxOffice.Mask(), Expires: c.Now().Add(time.Minute)}, nil)
	require.NoError(t, err)
	// Best-available for the box office channel alone stays in its seats.
	got, err := s.Hold(HoldRequest{Token: "c", Owner: "o", Best: Best{Count: 1, Zone: AnyZone}, Channels: boxOffice.Mask(), Expires: c.Now().Add(time.Minute)}, nil)
	require.NoError(t, err)
	require.Equal(t, row[:1], got)
	_, err = s.Hold(HoldRequest{Token: "d", Owner: "o", Best: Best{Count: 1, Zone: AnyZone}, Channels: boxOffice.Mask(), Expires: c.Now().Add(time.Minute)}, nil)
	require.ErrorIs(t, err, ErrNoSeats)
	mustVerify(t, s)
}
