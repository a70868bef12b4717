package engine

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

// rowHall is one ranked row of n seats plus a worse row of n seats.
func rowHall(t testing.TB, n int) *hall.Hall {
	t.Helper()
	l := hall.Layout{Name: "rows", Zones: []hall.Zone{
		{ID: "z", Name: "Z", Currency: "EUR", Color: "#000000"},
		{ID: "y", Name: "Y", Currency: "EUR", Color: "#ffffff"},
	}}
	sec := hall.Section{ID: "A", Zone: "z"}
	for r := 1; r <= 2; r++ {
		row := hall.Row{Label: fmt.Sprint(r), Order: r}
		for i := 1; i <= n; i++ {
			row.Seats = append(row.Seats, hall.Seat{ID: fmt.Sprintf("R%d-%d", r, i), X: float64(i), Y: float64(r)})
		}
		sec.Rows = append(sec.Rows, row)
	}
	l.Sections = []hall.Section{sec}
	return hall.MustCompile(l)
}

func TestBestAvailable(t *testing.T) {
	t.Parallel()
	h := rowHall(t, 10)
	ids := func(got []uint32) []string {
		out := make([]string, len(got))
		for i, g := range got {
			out[i] = h.Seats[g].ID
		}
		return out
	}
	cases := []struct {
		name  string
		taken []string
		count int
		want  []string
	}{
		{"middle of the best row", nil, 4, []string{"R1-4", "R1-5", "R1-6", "R1-7"}},
		{"odd count centred", nil, 3, []string{"R1-4", "R1-5", "R1-6"}},
		// Row 1 has seats 1-5 free: taking 4 from the middle would strand one seat, so
		// take 1-4 or 2-5 only if clean: 2-5 leaves seat 1 alone, 1-4 leaves seat 5
		// alone next to a taken seat: both strand; row 2 is clean.
		{"avoid a single orphan by moving rows", []string{"R1-6", "R1-7", "R1-8", "R1-9", "R1-10"}, 4, []string{"R2-4", "R2-5", "R2-6", "R2-7"}},
		// Row 1 has 1-6 free: 4 seats fit cleanly at 1-4 (leaves 5-6) or 3-6 (leaves 1-2).
		{"clean placement in the best row", []string{"R1-7", "R1-8", "R1-9", "R1-10"}, 4, []string{"R1-3", "R1-4", "R1-5", "R1-6"}},
		{"exact fit", []string{"R1-1", "R1-6", "R1-7", "R1-8", "R1-9", "R1-10"}, 4, []string{"R1-2", "R1-3", "R1-4", "R1-5"}},
		// Only placements that strand a seat exist: take one anyway.
		{"orphan when nothing else fits", []string{"R1-6", "R1-7", "R1-8", "R1-9", "R1-10", "R2-6", "R2-7", "R2-8", "R2-9", "R2-10"}, 4, []string{"R1-2", "R1-3", "R1-4", "R1-5"}},
		{"split run", []string{"R1-3", "R1-8"}, 4, []string{"R1-4", "R1-5", "R1-6", "R1-7"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, c := newShard(t, h)
			if len(tc.taken) > 0 {
				_, _, err := s.MarkSold(seats(t, h, tc.taken...))
				require.NoError(t, err)
			}
			got, err := s.Hold(HoldRequest{Token: "t", Owner: "o", Best: Best{Count: tc.count, Zone: 0}, Expires: c.Now().Add(time.Minute)}, nil)
			require.NoError(t, err)
			if tc.name == "orphan when nothing else fits" {
				// Either end of the run strands exactly one seat; both are fine.
				require.Len(t, got, 4)
				require.Equal(t, uint32(0), h.Seats[got[0]].Row)
				return
			}
			require.Equal(t, tc.want, ids(got))
			mustVerify(t, s)
		})
	}

	s, c := newShard(t, h)
	_, err := s.Hold(HoldRequest{Token: "t", Owner: "o", Best: Best{Count: 11, Zone: AnyZone}, Expires: c.Now().Add(time.Minute)}, nil)
	require.ErrorIs(t, err, ErrNoSeats)
}

func TestBestAvailableArenaFillsUp(t *testing.T) {
	t.Parallel()
	arena := hall.MustCompile(hall.Arena())
	s, c := newShard(t, arena)
	// Take pairs until none is left: then no row may still have two free seats side
	// by side, and nothing may be held twice.
	exp := c.Now().Add(time.Hour)
	k := 0
	for {
		_, err := s.Hold(HoldRequest{Token: fmt.Sprint(k), Owner: "o", Best: Best{Count: 2, Zone: AnyZone}, Expires: exp}, nil)
		if errors.Is(err, ErrNoSeats) {
			break
		}
		require.NoError(t, err)
		k++
	}
	states, _ := s.States(nil)
	for _, r := range arena.Rows {
		for i := r.First; i+1 < r.First+r.Count; i++ {
			require.False(t, states[i] == Free && states[i+1] == Free, "seats %d and %d left free together", i, i+1)
		}
	}
	counts := s.Counts()
	require.Equal(t, 2*k, counts.Held)
	// Centring the first pair of an even row leaves two odd runs: at most one
	// stranded seat on each side of every row.
	require.LessOrEqual(t, counts.Free, 2*len(arena.Rows))
	mustVerify(t, s)
}

// TestBestAvailableAccessible: asked for accessible seats, best-available
// takes only seats the hall marks accessible, side by side, and answers
// ErrNoSeats when not enough of them are free together — never other seats.
func TestBestAvailableAccessible(t *testing.T) {
	t.Parallel()
	l := hall.Layout{Name: "access", Zones: []hall.Zone{{ID: "z", Name: "Z", Currency: "EUR", Color: "#000000"}}}
	sec := hall.Section{ID: "A", Zone: "z"}
	for r := 1; r <= 2; r++ {
		row := hall.Row{Label: fmt.Sprint(r), Order: r}
		for i := 1; i <= 10; i++ {
			// Row 2, seats 1–3 and 9–10: wheelchair spaces and companions.
			row.Seats = append(row.Seats, hall.Seat{ID: fmt.Sprintf("R%d-%d", r, i), X: float64(i), Y: float64(r), Accessible: r == 2 && (i <= 3 || i >= 9)})
		}
		sec.Rows = append(sec.Rows, row)
	}
	l.Sections = []hall.Section{sec}
	h := hall.MustCompile(l)
	s, c := newShard(t, h)
	hold := func(token string, n int) ([]string, error) {
		got, err := s.Hold(HoldRequest{Token: token, Owner: "o", Best: Best{Count: n, Zone: AnyZone, Accessible: true}, Expires: c.Now().Add(time.Minute)}, nil)
		out := make([]string, len(got))
		for i, g := range got {
			out[i] = h.Seats[g].ID
		}
		return out, err
	}
	// Two fit the 9–10 pair exactly; the 1–3 run would strand a seat.
	got, err := hold("a", 2)
	require.NoError(t, err)
	require.Equal(t, []string{"R2-9", "R2-10"}, got)
	got, err = hold("b", 4)
	require.ErrorIs(t, err, ErrNoSeats, "no four accessible seats side by side: %v", got)
	got, err = hold("c", 3)
	require.NoError(t, err)
	require.Equal(t, []string{"R2-1", "R2-2", "R2-3"}, got)
	// Ten free seats in row 1, none accessible.
	_, err = hold("d", 1)
	require.ErrorIs(t, err, ErrNoSeats, "no accessible seat is left")
	mustVerify(t, s)

	// A hall without accessible seats has none to give.
	plain, pc := newShard(t, rowHall(t, 10))
	_, err = plain.Hold(HoldRequest{Token: "t", Owner: "o", Best: Best{Count: 1, Zone: AnyZone, Accessible: true}, Expires: pc.Now().Add(time.Minute)}, nil)
	require.ErrorIs(t, err, ErrNoSeats)
}
