package loadtest

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tinyVenue is one section of two rows of five seats: A1..A5 in front, B1..B5
// behind.
func tinyVenue(states string) *Venue {
	m := Seatmap{States: states}
	m.Rows = append(m.Rows, struct {
		Section int    `json:"section"`
		Label   string `json:"label"`
	}{0, "A"}, struct {
		Section int    `json:"section"`
		Label   string `json:"label"`
	}{0, "B"})
	for r, label := range []string{"A", "B"} {
		for k := 1; k <= 5; k++ {
			m.IDs = append(m.IDs, label+string(rune('0'+k)))
			m.Row = append(m.Row, r)
			m.Zone = append(m.Zone, 0)
			m.Channel = append(m.Channel, 0)
		}
	}
	m.Count = len(m.IDs)
	return NewVenue("p", m)
}

func TestViewShowsChangesAfterTheLag(t *testing.T) {
	v := tinyVenue(strings.Repeat("0", 10))
	start := time.Now()
	w := newView(v, start, 100*time.Millisecond)
	at := start.Add(time.Second)
	w.set(2, true, at)
	require.True(t, w.shownFree(2, w.ms(at.Add(50*time.Millisecond))), "a hold shows only after the map's lag")
	require.False(t, w.shownFree(2, w.ms(at.Add(100*time.Millisecond))))
	// A release shows after the lag too: until then the page still shows it taken.
	w.set(2, false, at.Add(time.Second))
	require.False(t, w.shownFree(2, w.ms(at.Add(time.Second+50*time.Millisecond))))
	require.True(t, w.shownFree(2, w.ms(at.Add(time.Second+100*time.Millisecond))))
}

func TestViewStartsFromTheFetchedStatesAndSeesTheSellOut(t *testing.T) {
	// A1 is sold and B5 has no zone: neither is ever offered; 8 seats are sellable.
	v := tinyVenue("2000000000")
	v.Map.Zone[9] = -1
	start := time.Now()
	w := newView(v, start, 0)
	require.False(t, w.shownFree(0, 0))
	require.False(t, w.shownFree(9, 0))
	for seat := 1; seat < 9; seat++ {
		_, done := w.soldOut()
		require.False(t, done)
		w.set(seat, true, start.Add(time.Duration(seat)*time.Second))
		w.set(seat, true, start.Add(time.Hour)) // told again (a conflict): no double count
	}
	at, done := w.soldOut()
	require.True(t, done)
	require.Equal(t, 8*time.Second, at)
	require.True(t, w.nothingShown(start.Add(8*time.Second)))
	require.False(t, w.nothingShown(start.Add(7*time.Second)))
	w.set(4, false, start.Add(9*time.Second)) // a release: not sold out now, but it was at 8 s
	require.False(t, w.nothingShown(start.Add(10*time.Second)))
	_, done = w.soldOut()
	require.True(t, done)
}

func TestPickShownTakesAdjacentFreeSeatsNearTheSpot(t *testing.T) {
	v := tinyVenue("0000000000")
	start := time.Now()
	w := newView(v, start, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	// Taken in the front row: A2 and A4. Three together can only be in row B.
	w.set(1, true, start)
	w.set(3, true, start)
	for range 50 {
		got := v.pickShown(rng, 3, w, start, nil)
		require.Len(t, got, 3)
		require.Equal(t, byte('B'), got[0][0], got)
		idx := []int{v.index[got[0]], v.index[got[1]], v.index[got[2]]}
		require.Equal(t, []int{idx[0], idx[0] + 1, idx[0] + 2}, idx, "adjacent seats")
	}
	// One seat: the front row still has A1, A3, A5 — and a refused seat is not
	// offered again to the buyer who was refused it.
	avoid := map[int]bool{0: true, 4: true}
	for range 50 {
		got := v.pickShown(rng, 1, w, start, avoid)
		require.Len(t, got, 1)
		require.NotContains(t, []string{"A1", "A2", "A4", "A5"}, got[0])
	}
	// Everything taken: the buyer sees nothing to click.
	for seat := range 10 {
		w.set(seat, true, start)
	}
	require.Nil(t, v.pickShown(rng, 1, w, start, nil))
}

func TestNearestRun(t *testing.T) {
	row := []int{0, 1, 2, 3, 4, 5, 6, 7}
	taken := map[int]bool{3: true}
	free := func(s int) bool { return !taken[s] }
	for _, tc := range []struct {
		name    string
		k, want int
		start   int
		ok      bool
	}{
		{"left of the gap", 2, 1, 1, true},
		{"right of the gap", 2, 4, 4, true},
		{"gap blocks the middle", 4, 2, 4, true},
		{"too long", 5, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, ok := nearestRun(row, tc.k, tc.want, free)
			require.Equal(t, tc.ok, ok)
			if ok {
				require.Equal(t, tc.start, start)
			}
		})
	}
}

func TestViewKnowsFullRows(t *testing.T) {
	v := tinyVenue("0000000000")
	start := time.Now()
	w := newView(v, start, 100*time.Millisecond)
	at := start.Add(time.Second)
	for seat := range 5 { // row A
		require.False(t, w.rowShownFull(0, w.ms(at.Add(time.Hour))))
		w.set(seat, true, at)
	}
	require.False(t, w.rowShownFull(0, w.ms(at)), "full, but the page shows it only after the lag")
	require.True(t, w.rowShownFull(0, w.ms(at.Add(100*time.Millisecond))))
	require.False(t, w.rowShownFull(1, w.ms(at.Add(time.Hour))))
	w.set(2, false, at.Add(time.Second))
	require.False(t, w.rowShownFull(0, w.ms(at.Add(time.Hour))))
	// Skipping rows shown full changes nothing of what is picked (it only
	// spares looking at their seats): three together come from row B.
	for seat := range 5 {
		w.set(seat, true, at)
	}
	got := v.pickShown(rand.New(rand.NewPCG(3, 4)), 3, w, at.Add(time.Second), nil)
	require.Len(t, got, 3)
	require.Equal(t, byte('B'), got[0][0])
}
