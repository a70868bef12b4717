package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

// runGates checks the gate's store: gates, codes found, one decision per
// scan under the code's lock, nonces recorded once, occupancy and
// surcharges.
func runGates(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()
	newGate := func(t *testing.T, s backend.Store, zones ...string) gate.Gate {
		t.Helper()
		if zones == nil {
			zones = []string{}
		}
		g, err := s.CreateGate(ctx, gate.Gate{ID: f.id("gt"), Name: "Main", Zones: zones, Direction: gate.Both, CreatedAt: time.Now()})
		require.NoError(t, err)
		return g
	}
	// once grants a code's first entry only, as a single-entry ticket.
	once := func(u gate.Usage) (gate.Verdict, gate.Usage, string) {
		if u.Total > 0 {
			return gate.Verdict{Verdict: gate.Denied, Reason: gate.ReasonUsedUp}, u, ""
		}
		u.Total, u.Inside, u.InZones = 1, true, []string{gate.AllZones}
		return gate.Verdict{Verdict: gate.Granted, Kind: "ticket"}, u, ""
	}
	scan := func(g gate.Gate, code, nonce string) gate.Record {
		return gate.Record{ID: f.id("sc"), Scan: gate.Scan{Code: code, GateID: g.ID, Direction: gate.In, Nonce: nonce, At: time.Now()}}
	}

	t.Run("Gates", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		g := newGate(t, s, "pool", "spa")
		got, err := s.GetGate(ctx, g.ID)
		require.NoError(t, err)
		require.Equal(t, g.Zones, got.Zones)
		require.Equal(t, g.CreatedAt.UTC().Truncate(time.Microsecond), got.CreatedAt)
		all, err := s.ListGates(ctx)
		require.NoError(t, err)
		require.Len(t, all, 1)
		_, err = s.GetGate(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("LookupCode", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		day, err := s.CreateProduct(ctx, f.product(t, pass.KindDay))
		require.NoError(t, err)
		o, err := s.CreateOrder(ctx, f.passOrder("s", passLine{day, 1}))
		require.NoError(t, err)
		found, err := s.LookupCode(ctx, o.Passes[0].Code)
		require.NoError(t, err)
		require.Equal(t, o.Passes[0].ID, found.Pass.ID)
		require.Equal(t, day.ID, found.Product.ID)
		require.True(t, found.Paid)

		p := f.perf(t, s, f.hall(t, s), time.Date(2027, 3, 1, 19, 0, 0, 0, time.UTC))
		to, err := s.CreateOrder(ctx, f.order(p, "s", "", 1))
		require.NoError(t, err)
		found, err = s.LookupCode(ctx, to.Tickets[0].Code)
		require.NoError(t, err)
		require.Equal(t, to.Tickets[0].ID, found.Ticket.ID)
		require.Equal(t, p.ID, found.Ticket.PerformanceID)
		require.Equal(t, order.TicketLive, found.Ticket.Status)
		require.True(t, p.StartsAt.Equal(found.StartsAt))

		_, err = s.LookupCode(ctx, "NO-SUCH-CODE")
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	// 50 parallel scans of one single-entry code at 2 gates: one grant.
	t.Run("OneDecisionAtATime", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		gates := []gate.Gate{newGate(t, s), newGate(t, s)}
		for round := range 5 {
			code := fmt.Sprintf("CODE-%d-%s", round, f.id(""))
			var wg sync.WaitGroup
			var mu sync.Mutex
			grants := 0
			for i := range 50 {
				wg.Go(func() {
					rec, replayed, err := s.RecordScan(ctx, scan(gates[i%2], code, fmt.Sprintf("n%d-%d", round, i)), once)
					require.NoError(t, err)
					require.False(t, replayed)
					if rec.Verdict.OK() {
						mu.Lock()
						grants++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			require.Equal(t, 1, grants, "round %d", round)
			recs, err := s.ListScans(ctx, gate.ScanFilter{Code: code, Limit: 100})
			require.NoError(t, err)
			require.Len(t, recs, 50, "every scan recorded")
		}
		occ, err := s.Occupancy(ctx)
		require.NoError(t, err)
		require.Equal(t, []gate.ZoneCount{{Zone: "", Inside: 5}, {Zone: gate.AllZones, Inside: 5}}, occ)
	})

	t.Run("NonceRecordedOnce", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		g := newGate(t, s)
		first, replayed, err := s.RecordScan(ctx, scan(g, "CODE-A", "nonce-1"), once)
		require.NoError(t, err)
		require.False(t, replayed)
		require.True(t, first.Verdict.OK())
		again, replayed, err := s.RecordScan(ctx, scan(g, "CODE-A", "nonce-1"), once)
		require.NoError(t, err)
		require.True(t, replayed, "the same nonce is the same scan")
		require.True(t, again.Verdict.OK(), "answered as it was the first time")
		require.Equal(t, first.ID, again.ID)
		_, _, err = s.RecordScan(ctx, scan(g, "CODE-B", "nonce-1"), once)
		require.ErrorIs(t, err, gate.ErrNonceReused)
		recs, err := s.ListScans(ctx, gate.ScanFilter{Limit: 10})
		require.NoError(t, err)
		require.Len(t, recs, 1)

		// A retry, rolled back, leaves nothing; the conflicts filter finds
		// logged conflicts only.
		conflicting := func(u gate.Usage) (gate.Verdict, gate.Usage, string) {
			return gate.Verdict{Verdict: gate.Denied, Reason: gate.ReasonLocked}, u, "the scanner granted offline"
		}
		_, _, err = s.RecordScan(ctx, scan(g, "CODE-C", "nonce-2"), conflicting)
		require.NoError(t, err)
		conf, err := s.ListScans(ctx, gate.ScanFilter{Conflict: true, Limit: 10})
		require.NoError(t, err)
		require.Len(t, conf, 1)
		require.Equal(t, "CODE-C", conf[0].Scan.Code)
		require.Equal(t, gate.ReasonLocked, conf[0].Verdict.Reason)
	})

	t.Run("Surcharge", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		g := newGate(t, s, "pool")
		_, err := s.PaySurcharge(ctx, "never-scanned", "u1", time.Now(), func(gate.Usage) (int64, error) { return 100, nil })
		require.ErrorIs(t, err, store.ErrNotFound)
		start := time.Now().UTC().Truncate(time.Microsecond)
		_, _, err = s.RecordScan(ctx, scan(g, "TIME-1", "n1"), func(u gate.Usage) (gate.Verdict, gate.Usage, string) {
			u.Inside, u.StayStart, u.InZones = true, start, []string{"pool"}
			return gate.Verdict{Verdict: gate.Granted}, u, ""
		})
		require.NoError(t, err)
		u, err := s.PaySurcharge(ctx, "TIME-1", "u1", time.Now(), func(u gate.Usage) (int64, error) {
			require.True(t, u.StayStart.Equal(start))
			return 200, nil
		})
		require.NoError(t, err)
		require.Equal(t, int64(200), u.SurchargePaid)
		_, err = s.PaySurcharge(ctx, "TIME-1", "u1", time.Now(), func(gate.Usage) (int64, error) { return 0, gate.ErrNothingDue })
		require.ErrorIs(t, err, gate.ErrNothingDue)
		occ, err := s.Occupancy(ctx)
		require.NoError(t, err)
		require.Equal(t, []gate.ZoneCount{{Zone: "", Inside: 1}, {Zone: "pool", Inside: 1}}, occ)
	})
}
