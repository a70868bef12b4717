package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

// runReplacements checks a performance's replacements (issue 16): the
// change guarded by the values read (stale and cancelled are ErrConflict,
// nothing written), the replace job restarted but not while it runs, each
// buyer told once with the e-mail in the same transaction, the first
// choice standing except attend → refund, and the counts.
func runReplacements(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()
	t.Run("Replacements", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		starts := time.Date(2031, 5, 1, 18, 30, 0, 123456000, time.UTC)
		p := f.perf(t, s, f.hall(t, s), starts)
		o, err := s.CreateOrder(ctx, f.order(p, "s1", "k1", 1))
		require.NoError(t, err)
		o2, err := s.CreateOrder(ctx, f.order(p, "s2", "k2", 2))
		require.NoError(t, err)

		newStart := starts.Add(7 * 24 * time.Hour)
		deadline := time.Date(2031, 5, 2, 12, 0, 0, 0, time.UTC)
		r := catalog.Replacement{ID: f.id("rp"), PerformanceID: p.ID, OldName: "Show", NewName: "Show II",
			OldStartsAt: starts, NewStartsAt: newStart, RefundDeadline: deadline, CreatedBy: "org", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
		job := catalog.Job{ID: f.id("j"), CreatedBy: "org"}

		_, err = s.LatestReplacement(ctx, p.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		// Stale: other old values; missing performance.
		stale := r
		stale.OldName = "Other"
		_, err = s.ReplacePerformance(ctx, stale, job)
		require.ErrorIs(t, err, store.ErrConflict)
		missing := r
		missing.PerformanceID = "missing"
		_, err = s.ReplacePerformance(ctx, missing, job)
		require.ErrorIs(t, err, store.ErrNotFound)
		got, err := s.GetPerformance(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, "Show", got.Name)
		_, err = s.GetJob(ctx, job.ID)
		require.ErrorIs(t, err, store.ErrNotFound, "nothing written")

		// Two at once from the same values: one wins, the other is stale.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		jobs := make([]catalog.Job, 2)
		for i := range errs {
			wg.Go(func() {
				ri, ji := r, job
				ri.ID, ji.ID = f.id("rp"), f.id("j")
				jobs[i], errs[i] = s.ReplacePerformance(ctx, ri, ji)
			})
		}
		wg.Wait()
		won := 0
		var j catalog.Job
		for i, err := range errs {
			if err == nil {
				won++
				j = jobs[i]
			} else {
				require.ErrorIs(t, err, store.ErrConflict)
			}
		}
		require.Equal(t, 1, won)
		require.Equal(t, catalog.JobReplace, j.Kind)
		require.Equal(t, catalog.JobRunning, j.State)
		got, err = s.GetPerformance(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, "Show II", got.Name)
		require.True(t, newStart.Equal(got.StartsAt))
		latest, err := s.LatestReplacement(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, j.Reason, latest.ID, "the job names its replacement")
		require.Equal(t, "Show", latest.OldName)
		require.True(t, starts.Equal(latest.OldStartsAt))
		require.True(t, deadline.Equal(latest.RefundDeadline))
		requireUTC(t, latest.OldStartsAt, latest.NewStartsAt, latest.RefundDeadline, latest.CreatedAt)

		// While the job runs, another change is refused.
		next := catalog.Replacement{ID: f.id("rp"), PerformanceID: p.ID, OldName: "Show II", NewName: "Show III",
			OldStartsAt: newStart, NewStartsAt: newStart, CreatedAt: time.Now().UTC()}
		_, err = s.ReplacePerformance(ctx, next, catalog.Job{ID: f.id("j")})
		require.ErrorIs(t, err, store.ErrDuplicate)

		// Told once, with the e-mail.
		for range 2 {
			told, err := s.NotifyReplacement(ctx, latest.ID, o.ID, order.Change{Actor: "replace", Notify: f.message(outbox.KindReplaced)})
			require.NoError(t, err)
			_ = told
		}
		ms, err := s.OrderMessages(ctx, o.ID)
		require.NoError(t, err)
		n := 0
		for _, m := range ms {
			if m.Kind == outbox.KindReplaced {
				n++
			}
		}
		require.Equal(t, 1, n)
		told, err := s.NotifyReplacement(ctx, latest.ID, o2.ID, order.Change{Actor: "replace"})
		require.NoError(t, err)
		require.True(t, told)
		told, err = s.NotifyReplacement(ctx, latest.ID, o2.ID, order.Change{Actor: "replace"})
		require.NoError(t, err)
		require.False(t, told)
		_, err = s.NotifyReplacement(ctx, latest.ID, "missing", order.Change{})
		require.ErrorIs(t, err, store.ErrNotFound)

		// Choices: attend stands, may become refund; refund stands.
		c, err := s.ChooseReplacement(ctx, latest.ID, o.ID, catalog.ChoiceAttend, "buyer")
		require.NoError(t, err)
		require.Equal(t, catalog.ChoiceAttend, c.Choice)
		require.False(t, c.NotifiedAt.IsZero())
		requireUTC(t, c.NotifiedAt, c.ChosenAt)
		c, err = s.ChooseReplacement(ctx, latest.ID, o.ID, catalog.ChoiceRefund, "buyer")
		require.NoError(t, err)
		require.Equal(t, catalog.ChoiceRefund, c.Choice)
		c, err = s.ChooseReplacement(ctx, latest.ID, o.ID, catalog.ChoiceAttend, "buyer")
		require.NoError(t, err)
		require.Equal(t, catalog.ChoiceRefund, c.Choice, "refund stands")
		c, err = s.ReplacementChoice(ctx, latest.ID, o.ID)
		require.NoError(t, err)
		require.Equal(t, catalog.ChoiceRefund, c.Choice)
		_, err = s.ReplacementChoice(ctx, latest.ID, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)
		h, err := s.OrderHistory(ctx, o.ID)
		require.NoError(t, err)
		actions := map[string]int{}
		for _, e := range h {
			actions[e.Action]++
		}
		require.Equal(t, 1, actions[order.ActionReplacementOffered])
		require.Equal(t, 2, actions[order.ActionReplacementChosen], "attend, then refund; the refused attend wrote nothing")

		counts, err := s.ReplacementCounts(ctx, latest.ID)
		require.NoError(t, err)
		require.Equal(t, catalog.ReplacementCounts{Notified: 2, Refund: 1}, counts)

		// Done: the job restarts for the next change, with the same id.
		j.State = catalog.JobDone
		_, err = s.UpdateJob(ctx, j)
		require.NoError(t, err)
		j2, err := s.ReplacePerformance(ctx, next, catalog.Job{ID: f.id("j")})
		require.NoError(t, err)
		require.Equal(t, j.ID, j2.ID)
		require.Equal(t, catalog.JobRunning, j2.State)
		require.Equal(t, next.ID, j2.Reason)
		latest, err = s.LatestReplacement(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, next.ID, latest.ID)
		require.True(t, latest.RefundDeadline.IsZero(), "no choice offered")

		// Cancelled: refused.
		require.NoError(t, s.SetPerformanceStatus(ctx, p.ID, catalog.Cancelled))
		j2.State = catalog.JobDone
		_, err = s.UpdateJob(ctx, j2)
		require.NoError(t, err)
		last := catalog.Replacement{ID: f.id("rp"), PerformanceID: p.ID, OldName: "Show III", NewName: "Show IV",
			OldStartsAt: newStart, NewStartsAt: newStart, CreatedAt: time.Now().UTC()}
		_, err = s.ReplacePerformance(ctx, last, catalog.Job{ID: f.id("j")})
		require.ErrorIs(t, err, store.ErrConflict)
	})
}
