package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
)

// TestAccessibleSeats: both seat-map formats name the hall's accessible seats,
// and best-available asked for accessible seats gives only those.
func TestAccessibleSeats(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		p := e.performance(hall.Theatre(), true)
		buyer := e.buyer()
		base := "/api/v1/performances/" + p.ID

		var full struct {
			Seats []struct {
				ID         string
				Index      int
				Accessible bool
			}
		}
		r := buyer.do("GET", base+"/seatmap", nil)
		require.Equal(t, http.StatusOK, r.status)
		r.decode(t, &full)
		var want []int
		accessible := map[string]bool{}
		for _, s := range full.Seats {
			if s.Accessible {
				want = append(want, s.Index)
				accessible[s.ID] = true
			}
		}
		// The theatre's last stalls row: wheelchair spaces with companions at both ends.
		require.Equal(t, []int{570, 571, 572, 597, 598, 599}, want)
		require.True(t, accessible["S-R20-S1"] && accessible["S-R20-S30"])

		var compact struct{ Accessible []int }
		r = buyer.do("GET", base+"/seatmap?format=compact", nil)
		require.Equal(t, http.StatusOK, r.status)
		r.decode(t, &compact)
		require.Equal(t, want, compact.Accessible)

		take := func(count int) (int, []string) {
			r := buyer.do("POST", base+"/holds", map[string]any{"best": map[string]any{"count": count, "accessible": true}})
			var h hold
			if r.status == http.StatusCreated {
				r.decode(t, &h)
			}
			return r.status, h.Seats
		}
		status, seats := take(4)
		require.Equal(t, http.StatusConflict, status, "no four accessible seats side by side")
		require.Empty(t, seats)
		for range 2 {
			status, seats = take(3)
			require.Equal(t, http.StatusCreated, status)
			require.Len(t, seats, 3)
			for _, s := range seats {
				require.True(t, accessible[s], "%s is not accessible", s)
			}
		}
		status, _ = take(1)
		require.Equal(t, http.StatusConflict, status, "every accessible seat is held")
		// Other seats are still there for anyone who did not ask.
		r = buyer.do("POST", base+"/holds", map[string]any{"best": map[string]any{"count": 1}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var h hold
		r.decode(t, &h)
		require.False(t, slices.ContainsFunc(h.Seats, func(s string) bool { return accessible[s] }))
	})
}
