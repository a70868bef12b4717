package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBlockAndBulk(t *testing.T) {
	t.Parallel()
	s, c := newShard(t, theatre)
	row := seats(t, theatre, "S-R3-S1", "S-R3-S2", "S-R3-S3")
	_, err := s.Hold(HoldRequest{Token: "h", Owner: "o", Seats: row[1:2], Expires: c.Now().Add(time.Minute)}, nil)
	require.NoError(t, err)
	changed, skipped, err := s.Block(row)
	require.NoError(t, err)
	require.Equal(t, 2, changed)
	require.Equal(t, []Skip{{Seat: row[1], State: Held}}, skipped)
	require.Equal(t, Blocked, s.State(row[0]))
	// Blocking again changes nothing and does not bump the version.
	v := s.Version()
	changed, _, err = s.Block(row[:1])
	require.NoError(t, err)
	require.Zero(t, changed)
	require.Equal(t, v, s.Version())

	_, err = s.Hold(HoldRequest{Token: "x", Owner: "o", Seats: row[:1], Expires: c.Now().Add(time.Minute)}, nil)
	var taken *TakenError
	require.ErrorAs(t, err, &taken)

	changed, _, err = s.Unblock(row)
	require.NoError(t, err)
	require.Equal(t, 2, changed)
	changed, skipped, err = s.MarkSold(row)
	require.NoError(t, err)
	require.Equal(t, 2, changed)
	require.Len(t, skipped, 1)
	changed, _, err = s.Refund(row)
	require.NoError(t, err)
	require.Equal(t, 2, changed)
	_, _, err = s.Block([]uint32{9999})
	var se *SeatError
	require.ErrorAs(t, err, &se)
	mustVerify(t, s)
}

// SellBlocked turns blocked seats sold in one step; free and held seats are
// skipped as they are (a moved order's seats, issue 16).
func TestSellBlocked(t *testing.T) {
	t.Parallel()
	s, c := newShard(t, theatre)
	row := seats(t, theatre, "S-R4-S1", "S-R4-S2", "S-R4-S3")
	_, _, err := s.Block(row[:2])
	require.NoError(t, err)
	_, err = s.Hold(HoldRequest{Token: "h", Owner: "o", Seats: row[2:], Expires: c.Now().Add(time.Minute)}, nil)
	require.NoError(t, err)
	changed, skipped, err := s.SellBlocked(row)
	require.NoError(t, err)
	require.Equal(t, 2, changed)
	require.Equal(t, []Skip{{Seat: row[2], State: Held}}, skipped)
	require.Equal(t, Sold, s.State(row[0]))
	require.Equal(t, Sold, s.State(row[1]))
	changed, _, err = s.SellBlocked(row[:2])
	require.NoError(t, err)
	require.Zero(t, changed, "sold already")
	_, _, err = s.SellBlocked([]uint32{1 << 30})
	require.Error(t, err)
}
