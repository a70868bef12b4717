package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The tests in this file kill the embedded default (SQLite and in-process
// leases, no environment at all) with kill -9 and start it again on the same
// data directory (issue 10, item 2): a hold acknowledged with 201 survives;
// a hold released, expired or confirmed never comes back.

// try is apiClient.call for goroutines and for requests that may meet a dead
// server: it returns the transport's error instead of failing the test.
func (c *apiClient) try(method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			return 0, fmt.Errorf("%w: %s", err, data)
		}
	}
	return resp.StatusCode, nil
}

// A hold's fate as the buyer knows it.
const (
	fateHeld     = "held"     // 201, and nothing after it
	fateReleased = "released" // DELETE answered 204
	fateSold     = "sold"     // the order answered 201
	fateUnknown  = "unknown"  // a request about it got no answer
)

type buyerHold struct {
	buyer *apiClient
	hold  holdJSON
	fate  string
}

func seatCount(holds []*buyerHold, fate string) int {
	n := 0
	for _, h := range holds {
		if h.fate == fate {
			n += len(h.hold.Seats)
		}
	}
	return n
}

// requireFates checks, with each hold's own buyer, that every hold the buyer
// was told is live is live with its seats and deadline, and that no released
// or sold hold is.
func requireFates(t *testing.T, base string, holds []*buyerHold) {
	t.Helper()
	type seen struct {
		h      *buyerHold
		status int
		got    holdJSON
	}
	var all []seen
	back := map[string]int{}
	for _, h := range holds {
		h.buyer.base = base // a cookie is the host's, whatever the port
		s := seen{h: h}
		s.status = h.buyer.call("GET", "/api/v1/holds/"+h.hold.Token, nil, &s.got)
		if s.status == http.StatusOK {
			back[h.fate]++
		}
		all = append(all, s)
	}
	t.Logf("holds back after the restart: %d of %d live, %d of %d released, %d of %d sold",
		back[fateHeld], count(holds, fateHeld), back[fateReleased], count(holds, fateReleased), back[fateSold], count(holds, fateSold))
	for _, s := range all {
		switch s.h.fate {
		case fateHeld:
			require.Equal(t, http.StatusOK, s.status, "a hold acknowledged with 201 survives")
			require.Equal(t, s.h.hold.Seats, s.got.Seats)
			require.Equal(t, s.h.hold.ExpiresAt, s.got.ExpiresAt)
		case fateReleased, fateSold:
			require.Equal(t, http.StatusNotFound, s.status, "a %s hold never comes back", s.h.fate)
		}
	}
}

// TestKillKeepsAcknowledgedHolds kills seatd with kill -9 while buyers are
// holding, releasing and buying seats, and starts it again: every hold
// acknowledged before the kill is held, by the same buyer, with the same
// seats and deadline; released and sold ones are not. Then holds are released
// and bought on the restarted server and it is killed again: none of those
// comes back after the second restart. (Before, leases were saved only on a
// graceful stop: 0 of 351 live holds came back.)
func TestKillKeepsAcknowledgedHolds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startBinary(t, dir, nil, "-payment", "none")
	perf := demoPerformance(t, p.Base)

	const buyers, target = 24, 80
	var (
		mu    sync.Mutex // guards holds
		holds []*buyerHold
		acked atomic.Int32
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for b := range buyers {
		wg.Go(func() {
			c := newAPIClient(t, p.Base)
			rng := rand.New(rand.NewPCG(uint64(b), 2))
			for {
				select {
				case <-stop:
					return
				default:
				}
				h := &buyerHold{buyer: c, fate: fateUnknown}
				st, err := c.try("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"best": map[string]any{"count": 1 + rng.IntN(2)}}, &h.hold)
				switch {
				case err != nil:
					return // killed
				case st == http.StatusTooManyRequests:
					time.Sleep(100 * time.Millisecond) // a buyer's pace under the limits seatd sets
					continue
				case st != http.StatusCreated:
					continue
				}
				h.fate = fateHeld
				mu.Lock()
				holds = append(holds, h)
				mu.Unlock()
				acked.Add(1)
				var fate string
				switch r := rng.IntN(10); {
				case r < 2:
					st, err = c.try("DELETE", "/api/v1/holds/"+h.hold.Token, nil, nil)
					if st == http.StatusNoContent {
						fate = fateReleased
					}
				case r < 4:
					st, err = c.try("POST", "/api/v1/orders", map[string]any{"hold_token": h.hold.Token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}}, nil)
					if st == http.StatusCreated {
						fate = fateSold
					}
				default:
					continue
				}
				if err != nil {
					fate = fateUnknown // the kill came first: either may be true
				}
				if fate != "" {
					mu.Lock()
					h.fate = fate
					mu.Unlock()
				}
				if err != nil {
					return
				}
			}
		})
	}
	require.Eventually(t, func() bool { return acked.Load() >= target }, 60*time.Second, 5*time.Millisecond)
	p.Kill() // mid-surge: the buyers are still sending
	close(stop)
	wg.Wait()
	t.Logf("before the kill: %d holds acknowledged: %d live, %d released, %d sold, %d unknown",
		len(holds), count(holds, fateHeld), count(holds, fateReleased), count(holds, fateSold), count(holds, fateUnknown))
	require.Positive(t, count(holds, fateHeld))

	p = startBinary(t, dir, nil, "-payment", "none")
	requireFates(t, p.Base, holds)
	c := perfCounts(t, p.Base, perf)
	t.Logf("after the restart: seats held %d, sold %d", c.Held, c.Sold)
	require.GreaterOrEqual(t, c.Held, seatCount(holds, fateHeld), "every acknowledged seat is held")
	require.GreaterOrEqual(t, c.Sold, seatCount(holds, fateSold))
	// Holds and orders whose answer the kill cut off may have landed or not;
	// nothing else is held.
	var unknown int
	for _, h := range holds {
		if h.fate == fateUnknown {
			unknown += len(h.hold.Seats)
		}
	}
	unanswered := 2 * buyers // at most one hold request of one or two seats per buyer
	require.LessOrEqual(t, c.Held, seatCount(holds, fateHeld)+unknown+unanswered)

	// Release and buy some on the restarted server, kill it again: the second
	// restart brings none of them back, and keeps the rest.
	var live []*buyerHold
	for _, h := range holds {
		if h.fate == fateHeld {
			live = append(live, h)
		}
	}
	released, sold := 0, 0
	for i, h := range live {
		switch i % 3 {
		case 0:
			require.Equal(t, http.StatusNoContent, h.buyer.call("DELETE", "/api/v1/holds/"+h.hold.Token, nil, nil))
			h.fate = fateReleased
			released += len(h.hold.Seats)
		case 1:
			require.Equal(t, http.StatusCreated, h.buyer.call("POST", "/api/v1/orders", map[string]any{"hold_token": h.hold.Token, "buyer": map[string]string{"name": "Bo", "email": "bo@example.com"}}, nil))
			h.fate = fateSold
			sold += len(h.hold.Seats)
		}
	}
	p.Kill()
	p = startBinary(t, dir, nil, "-payment", "none")
	requireFates(t, p.Base, holds)
	after := perfCounts(t, p.Base, perf)
	require.Equal(t, c.Held-released-sold, after.Held, "exactly the holds that were live at the second kill are held")
	require.Equal(t, c.Sold+sold, after.Sold)
	p.Stop()
}

func count(holds []*buyerHold, fate string) int {
	n := 0
	for _, h := range holds {
		if h.fate == fate {
			n++
		}
	}
	return n
}

// TestKillAfterRestartRevivesNoEndedHold restarts seatd gracefully, releases
// one hold and buys another, then kills it: after the next start those stay
// ended and the others are held. (Before, the file saved at the graceful stop
// was never removed, so holds released after it came back after a crash:
// free seats 62 → 0.)
func TestKillAfterRestartRevivesNoEndedHold(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startBinary(t, dir, nil, "-payment", "none")
	perf := demoPerformance(t, p.Base)
	buyer := newAPIClient(t, p.Base)
	hold := func(seats ...string) *buyerHold {
		h := &buyerHold{buyer: buyer, fate: fateHeld}
		require.Equal(t, http.StatusCreated, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": seats}, &h.hold))
		return h
	}
	released, sold, kept := hold("S-R10-S1", "S-R10-S2"), hold("S-R10-S5"), hold("S-R10-S12", "S-R10-S13")
	p.Stop()

	p = startBinary(t, dir, nil, "-payment", "none")
	buyer.base = p.Base
	require.Equal(t, 5, perfCounts(t, p.Base, perf).Held, "a graceful restart keeps every hold")
	require.Equal(t, http.StatusNoContent, buyer.call("DELETE", "/api/v1/holds/"+released.hold.Token, nil, nil))
	released.fate = fateReleased
	require.Equal(t, http.StatusCreated, buyer.call("POST", "/api/v1/orders", map[string]any{"hold_token": sold.hold.Token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}}, nil))
	sold.fate = fateSold
	before := perfCounts(t, p.Base, perf)
	require.Equal(t, counts{Free: 800 - 2 - 1, Held: 2, Sold: 1}, before)
	p.Kill()

	p = startBinary(t, dir, nil, "-payment", "none")
	requireFates(t, p.Base, []*buyerHold{released, sold, kept})
	require.Equal(t, before, perfCounts(t, p.Base, perf), "after the crash the map is as before it")
	p.Stop()
}

// TestKillRevivesNoExpiredHold lets one hold expire while another is kept
// alive by extending it, then kills seatd: after the next start the expired
// hold stays ended and the extended one is held to its new deadline. The hold
// TTL is the shortest seatd allows, 10 s, so that a hold expires while the
// test waits.
func TestKillRevivesNoExpiredHold(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ttl := []string{"-hold-ttl", "10s"}
	p := startBinary(t, dir, nil, ttl...)
	perf := demoPerformance(t, p.Base)
	buyer := newAPIClient(t, p.Base)
	hold := func(seats ...string) *buyerHold {
		h := &buyerHold{buyer: buyer, fate: fateHeld}
		require.Equal(t, http.StatusCreated, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": seats}, &h.hold))
		return h
	}
	expired, kept := hold("S-R11-S9"), hold("S-R11-S12", "S-R11-S13")
	deadline, err := time.Parse(time.RFC3339Nano, expired.hold.ExpiresAt)
	require.NoError(t, err)
	extend := func() {
		var ext holdJSON
		require.Equal(t, http.StatusOK, buyer.call("POST", "/api/v1/holds/"+kept.hold.Token+"/extend", nil, &ext))
		kept.hold.ExpiresAt = ext.ExpiresAt
	}
	for buyer.call("GET", "/api/v1/holds/"+expired.hold.Token, nil, nil) != http.StatusNotFound {
		require.Less(t, time.Now(), deadline.Add(10*time.Second), "the hold expires at its deadline")
		extend()
		time.Sleep(time.Second) // a buyer's pace: the session may hold 2 a second
	}
	expired.fate = fateReleased
	extend()
	before := perfCounts(t, p.Base, perf)
	require.Equal(t, counts{Free: 800 - 2, Held: 2}, before)
	p.Kill()

	p = startBinary(t, dir, nil, ttl...)
	requireFates(t, p.Base, []*buyerHold{expired, kept})
	require.Equal(t, before, perfCounts(t, p.Base, perf), "after the crash the map is as before it")
	p.Stop()
}
