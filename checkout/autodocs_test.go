package checkout_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease/memory"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/report"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/voucher"
)

// TestAutomaticDocuments (issue 17, seed 001 §5): on the checkout's clock,
// a performance's five documents are made by "system" once it is 6 hours
// past its start, not before; made again with nothing changed they stay
// (no new version however often the loop runs); a refund after gives new
// versions; a cancelled performance gets its documents when its cancel job
// finishes, days before its start. Both stores.
func TestAutomaticDocuments(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock := testkit.NewClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
			st := open(t, clock.Now)
			t.Cleanup(st.Close)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			svc := seating.New(seating.Config{Store: st, Leases: memory.New(memory.Options{Now: clock.Now}), Logger: log, Now: clock.Now,
				SweepInterval: 5 * time.Millisecond})
			co := checkout.New(checkout.Config{Store: st, Seats: svc, Vouchers: voucher.NewService(st), Products: pass.NewService(st), Logger: log,
				Now: clock.Now, LapseInterval: 5 * time.Millisecond, NumberInterval: 5 * time.Millisecond,
				DocumentsAfter: 6 * time.Hour, DocumentsInterval: 5 * time.Millisecond})
			data, err := json.Marshal(hall.Theatre())
			require.NoError(t, err)
			h, _, err := svc.CreateHall(ctx, data)
			require.NoError(t, err)
			start := time.Date(2026, 12, 12, 19, 30, 0, 0, time.UTC)
			carmen, err := svc.CreatePerformance(ctx, seating.NewPerformance{HallID: h.ID, Name: "Carmen", StartsAt: start, OnSale: true})
			require.NoError(t, err)
			tosca, err := svc.CreatePerformance(ctx, seating.NewPerformance{HallID: h.ID, Name: "Tosca", StartsAt: start.Add(30 * 24 * time.Hour), OnSale: true})
			require.NoError(t, err)
			require.NoError(t, svc.Start(ctx))
			t.Cleanup(svc.Stop)
			require.NoError(t, co.Start(ctx))
			t.Cleanup(co.Stop)

			buy := func(perf, session string, seats ...string) string {
				t.Helper()
				buyer := seating.Actor{Session: session}
				hd, err := svc.Hold(ctx, perf, buyer, seating.HoldInput{Seats: seats})
				require.NoError(t, err)
				o, _, err := co.Confirm(ctx, checkout.ConfirmInput{Token: hd.Token, Actor: buyer, BuyerName: "Ada", BuyerEmail: session + "@example.com"})
				require.NoError(t, err)
				return o.ID
			}
			var orders []string
			for i := range 3 {
				orders = append(orders, buy(carmen.ID, fmt.Sprint("c", i), fmt.Sprintf("S-R1-S%d", 2*i+1), fmt.Sprintf("S-R1-S%d", 2*i+2)))
			}
			buy(tosca.ID, "t0", "S-R2-S1")
			numbered := func(perf string, n int) {
				t.Helper()
				testkit.Eventually(t, 10*time.Second, "tickets numbered", func() bool {
					reg, err := st.TicketRegister(ctx, perf)
					require.NoError(t, err)
					return len(reg) == n
				})
			}
			numbered(carmen.ID, 6)
			docs := func(perf string) []report.Document {
				t.Helper()
				ds, err := co.Documents(ctx, perf)
				require.NoError(t, err)
				return ds
			}
			// quiet waits for the loop to run a few rounds.
			quiet := func() { time.Sleep(100 * time.Millisecond) }

			quiet()
			require.Empty(t, docs(carmen.ID), "not ended yet")
			clock.Add(start.Add(5*time.Hour + 59*time.Minute).Sub(clock.Now()))
			quiet()
			require.Empty(t, docs(carmen.ID), "5 h 59 min after its start: not yet")
			clock.Add(2 * time.Minute)
			testkit.Eventually(t, 10*time.Second, "five documents made", func() bool { return len(docs(carmen.ID)) == 5 })
			first := docs(carmen.ID)
			kinds := map[string]bool{}
			for _, d := range first {
				require.Equal(t, checkout.SystemActor, d.CreatedBy)
				require.Equal(t, 1, d.Version)
				kinds[d.Kind] = true
			}
			require.Len(t, kinds, 5)
			real := docFile(t, co, first, report.KindRealization)
			require.Contains(t, real, "total,,6,0,6,")
			quiet()
			require.Len(t, docs(carmen.ID), 5, "nothing changed: no new version")
			require.Empty(t, docs(tosca.ID), "Tosca has not ended")

			// A late refund at the box office: new versions.
			_, _, _, err = co.Refund(ctx, checkout.RefundInput{OrderID: orders[0], Seats: []string{"S-R1-S1"}, Reason: "ill", Method: "cash",
				IdempotencyKey: "late", Actor: seating.Actor{StaffID: "u1", Login: "desk"}})
			require.NoError(t, err)
			newestOf := func() map[string]report.Document {
				newest := map[string]report.Document{}
				for _, d := range docs(carmen.ID) {
					if d.Version > newest[d.Kind].Version {
						newest[d.Kind] = d
					}
				}
				return newest
			}
			testkit.Eventually(t, 10*time.Second, "new versions after the refund", func() bool {
				for _, d := range newestOf() {
					if d.Version < 2 {
						return false
					}
				}
				return true
			})
			quiet()
			after := docs(carmen.ID)
			newest := newestOf()
			require.Len(t, newest, 5)
			for _, d := range newest {
				require.Equal(t, 2, d.Version, "%s: one new version, no more", d.Kind)
				require.Equal(t, checkout.SystemActor, d.CreatedBy)
			}
			require.Contains(t, docFile(t, co, after, report.KindRealization), "total,,6,1,5,")
			quiet()
			require.Len(t, docs(carmen.ID), len(after), "stable")

			// Tosca is cancelled weeks before its start: its documents
			// come with the end of its cancel job.
			job, err := co.Cancel(ctx, tosca.ID, "the tenor is ill", seating.Actor{StaffID: "u2", Login: "org"})
			require.NoError(t, err)
			testkit.Eventually(t, 10*time.Second, "the cancel is done", func() bool {
				j, err := co.Job(ctx, job.ID)
				require.NoError(t, err)
				return j.State == catalog.JobDone
			})
			testkit.Eventually(t, 10*time.Second, "the cancelled performance's documents", func() bool { return len(docs(tosca.ID)) >= 5 })
			quiet()
			cancelled := docs(tosca.ID)
			require.Len(t, cancelled, 5, "made once")
			for _, d := range cancelled {
				require.Equal(t, checkout.SystemActor, d.CreatedBy)
			}
			require.Contains(t, docFile(t, co, cancelled, report.KindRealization), "total,,1,1,0,")
		})
	}
}

// docFile returns the CSV of the newest document of a kind in ds.
func docFile(t *testing.T, co *checkout.Service, ds []report.Document, kind string) string {
	t.Helper()
	var id string
	v := 0
	for _, d := range ds {
		if d.Kind == kind && d.Version > v {
			id, v = d.ID, d.Version
		}
	}
	require.NotEmpty(t, id, kind)
	d, err := co.Document(context.Background(), id)
	require.NoError(t, err)
	return string(d.CSV)
}
