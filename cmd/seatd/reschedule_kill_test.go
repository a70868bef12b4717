package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRescheduleSurvivesKill9 (issue 16's acceptance): the real binary
// moves 300 paid orders to a replacement date and is killed with SIGKILL
// half-way; started again on the same data directory it resumes the job and
// finishes it: every order moved exactly once (one new order naming it), the
// originals still paid.
func TestRescheduleSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	env := map[string]string{"SEATD_ADMIN_TOKEN": testAdminToken}
	proc := startBinary(t, dir, env, "-payment", "none", "-rate-limit=false")
	base := proc.Base
	perf := demoPerformance(t, base)
	admin := newAPIClient(t, base)
	auth := []string{"Authorization", "Bearer " + testAdminToken}

	const n = 300
	numbers := map[string]bool{}
	for i := range n {
		buyer := newAPIClient(t, base)
		var h struct{ Token string }
		require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"best": map[string]any{"count": 1}}, &h), "order %d", i)
		var o orderJSON
		require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token,
			"buyer": map[string]string{"name": "Kim", "email": "kim@example.com"}}, &o))
		numbers[o.Number] = true
	}
	var out struct {
		Job           struct{ ID string }
		ReplacementID string `json:"replacement_id"`
	}
	require.Equal(t, 202, admin.call("POST", "/api/v1/performances/"+perf+"/reschedule", map[string]any{
		"starts_at": time.Now().Add(30 * 24 * time.Hour).Format(time.RFC3339), "reservations": "keep"}, &out, auth...))
	type job struct {
		State       string
		Done, Total int
	}
	var j job
	require.Eventually(t, func() bool {
		admin.call("GET", "/api/v1/jobs/"+out.Job.ID, nil, &j, auth...)
		return j.Done >= 20
	}, 30*time.Second, 5*time.Millisecond)
	proc.Kill()
	t.Logf("killed after %d of %d moves", j.Done, j.Total)
	require.NotEqual(t, "done", j.State, "killed half-way (done %d of %d)", j.Done, j.Total)

	admin.base = startBinary(t, dir, env, "-payment", "none", "-rate-limit=false").Base
	require.Eventually(t, func() bool {
		require.Equal(t, 200, admin.call("GET", "/api/v1/jobs/"+out.Job.ID, nil, &j, auth...))
		require.NotEqual(t, "failed", j.State)
		return j.State == "done"
	}, 60*time.Second, 50*time.Millisecond)

	type listed struct{ Number, Status, Notes string }
	all := func(perf string) []listed {
		var out []listed
		cursor := ""
		for {
			var page struct {
				Items []listed
				Next  string
			}
			require.Equal(t, 200, admin.call("GET", "/api/v1/orders?limit=200&performance="+perf+"&cursor="+cursor, nil, &page, auth...))
			out = append(out, page.Items...)
			if page.Next == "" {
				return out
			}
			cursor = page.Next
		}
	}
	moved := all(out.ReplacementID)
	require.Len(t, moved, n, "no order moved twice")
	named := map[string]int{}
	for _, o := range moved {
		for num := range numbers {
			if strings.Contains(o.Notes, num) {
				named[num]++
			}
		}
	}
	for num := range numbers {
		require.Equal(t, 1, named[num], "order %s moved once", num)
	}
	originals := all(perf)
	require.Len(t, originals, n)
	for _, o := range originals {
		require.Equal(t, "paid", o.Status)
		require.Contains(t, o.Notes, "moved to order")
	}
	var rc struct{ Equal bool }
	require.Equal(t, 200, admin.call("GET", "/api/v1/performances/"+perf+"/reconciliation", nil, &rc, auth...))
	require.True(t, rc.Equal)
}
