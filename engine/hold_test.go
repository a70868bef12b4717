package engine

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHoldReleaseConfirm(t *testing.T) {
	t.Parallel()
	s, c := newShard(t, theatre)
	want := seats(t, theatre, "S-R1-S1", "S-R1-S2")
	got, err := s.Hold(HoldRequest{Token: "a", Owner: "alice", Seats: want, Expires: c.Now().Add(time.Minute)}, nil)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, Held, s.State(want[0]))
	require.Equal(t, Counts{Free: 798, Held: 2}, s.Counts())

	// Another session cannot take an overlapping seat, and nothing changes.
	v := s.Version()
	_, err = s.Hold(HoldRequest{Token: "b", Owner: "bob", Seats: seats(t, theatre, "S-R1-S3", "S-R1-S2"), Expires: c.Now().Add(time.Minute)}, nil)
	var taken *TakenError
	require.ErrorAs(t, err, &taken)
	require.Equal(t, seats(t, theatre, "S-R1-S2"), taken.Seats)
	require.Equal(t, v, s.Version())
	require.Equal(t, Free, s.State(seats(t, theatre, "S-R1-S3")[0]))

	// Only the owner may release or extend.
	require.ErrorIs(t, s.Release("a", "bob"), ErrNotOwner)
	require.ErrorIs(t, s.Extend("a", "bob", c.Now().Add(time.Hour)), ErrNotOwner)
	require.ErrorIs(t, s.Release("nope", "alice"), ErrNotFound)

	// Confirm: pin, then sell.
	hv, err := s.Pin("a", "alice")
	require.NoError(t, err)
	require.Equal(t, want, hv.Seats)
	require.ErrorIs(t, s.Release("a", "alice"), ErrPinned)
	_, err = s.Pin("a", "alice")
	require.ErrorIs(t, err, ErrPinned)
	require.NoError(t, s.Confirm("a"))
	require.Equal(t, Sold, s.State(want[0]))
	require.Equal(t, Counts{Free: 798, Sold: 2}, s.Counts())
	require.ErrorIs(t, s.Release("a", "alice"), ErrNotFound)

	// A sold seat cannot be held again.
	_, err = s.Hold(HoldRequest{Token: "c", Owner: "carol", Seats: want[:1], Expires: c.Now().Add(time.Minute)}, nil)
	require.ErrorAs(t, err, &taken)
	mustVerify(t, s)
}

func TestHoldRejectsBadRequests(t *testing.T) {
	t.Parallel()
	s, c := newShard(t, theatre)
	exp := c.Now().Add(time.Minute)
	cases := []struct {
		name string
		req  HoldRequest
		want error
	}{
		{"no token", HoldRequest{Owner: "x", Seats: []uint32{1}, Expires: exp}, ErrNotFound},
		{"past deadline", HoldRequest{Token: "t", Owner: "x", Seats: []uint32{1}, Expires: c.Now()}, ErrPast},
		{"no seats", HoldRequest{Token: "t", Owner: "x", Expires: exp}, ErrEmpty},
		{"too many best", HoldRequest{Token: "t", Owner: "x", Best: Best{Count: 101, Zone: AnyZone}, Expires: exp}, ErrTooMany},
		{"unknown zone", HoldRequest{Token: "t", Owner: "x", Best: Best{Count: 2, Zone: 9}, Expires: exp}, ErrUnknownZone},
	}
	for _, tc := range cases {
		_, err := s.Hold(tc.req, nil)
		require.ErrorIs(t, err, tc.want, tc.name)
	}
	var se *SeatError
	_, err := s.Hold(HoldRequest{Token: "t", Owner: "x", Seats: []uint32{1, 5, 1}, Expires: exp}, nil)
	require.ErrorAs(t, err, &se)
	require.Equal(t, uint32(1), se.Seat)
	_, err = s.Hold(HoldRequest{Token: "t", Owner: "x", Seats: []uint32{800}, Expires: exp}, nil)
	require.ErrorAs(t, err, &se)
	many := make([]uint32, 101)
	for i := range many {
		many[i] = uint32(i)
	}
	_, err = s.Hold(HoldRequest{Token: "t", Owner: "x", Seats: many, Expires: exp}, nil)
	require.ErrorIs(t, err, ErrTooMany)

	_, err = s.Hold(HoldRequest{Token: "t", Owner: "x", Seats: []uint32{1}, Expires: exp}, nil)
	require.NoError(t, err)
	_, err = s.Hold(HoldRequest{Token: "t", Owner: "y", Seats: []uint32{2}, Expires: exp}, nil)
	require.ErrorIs(t, err, ErrTokenInUse)
	require.Equal(t, Counts{Free: 799, Held: 1}, s.Counts())
	mustVerify(t, s)
}

func TestConcurrentHoldsOneWinner(t *testing.T) {
	t.Parallel()
	s, c := newShard(t, stadium)
	want := []uint32{100, 101, 102, 103}
	var wg sync.WaitGroup
	wins := make(chan string, 1000)
	for g := 0; g < 1000; g++ {
		wg.Go(func() {
			tok := fmt.Sprint("t", g)
			if _, err := s.Hold(HoldRequest{Token: tok, Owner: tok, Seats: want, Expires: c.Now().Add(time.Minute)}, nil); err == nil {
				wins <- tok
			}
		})
	}
	wg.Wait()
	close(wins)
	require.Len(t, wins, 1)
	mustVerify(t, s)
}
