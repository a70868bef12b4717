package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
)

// BenchmarkGateScans is the gate under load on Postgres (issue 15): 20
// gates with a scanner each (and, to see the queue, 64 scanners), each scan the whole path the API takes (the
// code looked up, decided and recorded in one transaction under the code's
// lock) on 2,000 codes, half single-entry day tickets, half unlimited
// passes scanned in and out. Each iteration is 1,000 scans; it reports
// scans/s and the p50/p99 latency of the last iteration, paced at 1,000 a
// second and flat out, and audits the log: no single-entry code was let in
// twice.
//
//	go test -run '^$' -bench BenchmarkGateScans -benchtime 20x ./store/postgres/
func BenchmarkGateScans(b *testing.B) {
	ctx := context.Background()
	s := open(b, "")
	mk := func(kind string, entries int) pass.Product {
		p := pass.Product{ID: "pr-" + kind + fmt.Sprint(entries), Kind: kind, Name: kind, Price: 1500, Currency: "EUR", Channels: []string{"web"}, OnSale: true}
		if kind == pass.KindMultiDay {
			p.Rules.Days = 10
		}
		p.Rules.Entries = &entries
		require.NoError(b, p.Normalize())
		p, err := s.CreateProduct(ctx, p)
		require.NoError(b, err)
		return p
	}
	single, free := mk(pass.KindDay, 1), mk(pass.KindMultiDay, 0)
	var singles, frees []string
	for i := range 20 {
		for _, p := range []pass.Product{single, free} {
			o := order.Order{ID: fmt.Sprintf("o-%s-%d", p.ID, i), Number: fmt.Sprintf("N-%s-%d", p.ID, i), Status: order.Paid, BuyerName: "Ada",
				Currency: "EUR", Passes: pass.Sell(p, 0, 50, s.now(), time.UTC, pass.Facility{})}
			order.Issue(&o)
			o, err := s.CreateOrder(ctx, o)
			require.NoError(b, err)
			for _, ps := range o.Passes {
				if p.ID == single.ID {
					singles = append(singles, ps.Code)
				} else {
					frees = append(frees, ps.Code)
				}
			}
		}
	}
	svc := gate.NewService(gate.Config{Store: s})
	var gates []string
	for i := range 20 {
		g, err := svc.CreateGate(ctx, gate.NewGate{Name: fmt.Sprintf("Gate %d", i)})
		require.NoError(b, err)
		gates = append(gates, g.ID)
	}

	const perIteration = 1000
	var nonce atomic.Int64
	inside := make([]atomic.Bool, len(frees))
	// rate 0: each scanner scans as fast as it can (a closed loop: the
	// latency is the queue at saturation); else the scanners together
	// scan rate a second on a fixed schedule, and each latency counts from
	// when its scan was due (no coordinated omission).
	for _, run := range []struct{ scanners, rate int }{{20, 1000}, {20, 0}, {64, 0}} {
		b.Run(fmt.Sprintf("scanners=%d/rate=%d", run.scanners, run.rate), func(b *testing.B) {
			var mu sync.Mutex
			var lat []time.Duration
			start := time.Now()
			for b.Loop() {
				lat = lat[:0]
				start = time.Now()
				var wg sync.WaitGroup
				var next atomic.Int64
				for k := range run.scanners {
					wg.Go(func() {
						var mine []time.Duration
						r := rand.New(rand.NewPCG(uint64(nonce.Add(1)), 7))
						var every time.Duration
						if run.rate > 0 {
							every = time.Second * time.Duration(run.scanners) / time.Duration(run.rate)
						}
						due := start.Add(every * time.Duration(k) / time.Duration(run.scanners))
						for next.Add(1) <= perIteration {
							req := gate.Request{GateID: gates[r.IntN(len(gates))], Direction: gate.In, Nonce: fmt.Sprint("n", nonce.Add(1))}
							if r.IntN(2) == 0 {
								req.Code = singles[r.IntN(len(singles))]
							} else {
								i := r.IntN(len(frees))
								req.Code = frees[i]
								if inside[i].Load() {
									req.Direction = gate.Out
								}
								inside[i].Store(!inside[i].Load())
							}
							t0 := time.Now()
							if every > 0 {
								time.Sleep(time.Until(due))
								t0 = due
								due = due.Add(every)
							}
							if _, _, err := svc.Scan(ctx, req); err != nil {
								b.Error(err)
								return
							}
							mine = append(mine, time.Since(t0))
						}
						mu.Lock()
						lat = append(lat, mine...)
						mu.Unlock()
					})
				}
				wg.Wait()
			}
			elapsed := time.Since(start)
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "scans/s")
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}

	// The audit: every single-entry code granted at most one entry.
	grants := map[string]int{}
	var before time.Time
	var beforeID string
	for {
		page, err := s.ListScans(ctx, gate.ScanFilter{Verdict: gate.Granted, Before: before, BeforeID: beforeID, Limit: 1000})
		require.NoError(b, err)
		for _, r := range page {
			if r.Scan.Direction == gate.In {
				grants[r.Scan.Code]++
			}
		}
		if len(page) < 1000 {
			break
		}
		before, beforeID = page[len(page)-1].RecordedAt, page[len(page)-1].ID
	}
	for _, c := range singles {
		if grants[c] > 1 {
			b.Fatalf("a single-entry code was let in %d times", grants[c])
		}
	}
}
