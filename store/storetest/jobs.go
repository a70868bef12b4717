package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

// runJobs checks jobs: one of a kind per performance (concurrent creators
// all get the same), counters written, running ones listed for resuming.
func runJobs(t *testing.T, f *fixture, open func(t *testing.T) backend.Store) {
	ctx := context.Background()
	t.Run("Jobs", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := f.perf(t, s, f.hall(t, s), time.Now().Add(48*time.Hour))
		newJob := func() catalog.Job {
			return catalog.Job{ID: f.id("j"), Kind: catalog.JobCancel, PerformanceID: p.ID, State: catalog.JobRunning,
				Reason: "storm", CreatedBy: "org"}
		}
		_, _, err := s.CreateJob(ctx, catalog.Job{ID: f.id("j"), Kind: catalog.JobCancel, PerformanceID: "missing", State: catalog.JobRunning})
		require.ErrorIs(t, err, store.ErrNotFound)

		// Ten creators at once: one job is made, and all get it.
		var wg sync.WaitGroup
		got := make([]catalog.Job, 10)
		made := make([]bool, 10)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				got[i], made[i], err = s.CreateJob(ctx, newJob())
				require.NoError(t, err)
			}()
		}
		wg.Wait()
		created := 0
		for i := range got {
			require.Equal(t, got[0].ID, got[i].ID)
			if made[i] {
				created++
			}
		}
		require.Equal(t, 1, created)
		j := got[0]
		require.Equal(t, catalog.JobRunning, j.State)
		require.Equal(t, "storm", j.Reason)
		require.Equal(t, "org", j.CreatedBy)
		requireUTC(t, j.CreatedAt, j.UpdatedAt)
		require.WithinDuration(t, time.Now(), j.CreatedAt, time.Minute)

		running, err := s.RunningJobs(ctx)
		require.NoError(t, err)
		require.Contains(t, jobIDs(running), j.ID)

		j.Done, j.Total, j.Failed = 7, 10, 1
		j, err = s.UpdateJob(ctx, j)
		require.NoError(t, err)
		back, err := s.GetJob(ctx, j.ID)
		require.NoError(t, err)
		require.Equal(t, [3]int{7, 10, 1}, [3]int{back.Done, back.Total, back.Failed})

		j.State, j.Done, j.Failed, j.Error = catalog.JobFailed, 9, 1, "order o1: boom"
		_, err = s.UpdateJob(ctx, j)
		require.NoError(t, err)
		back, err = s.GetJob(ctx, j.ID)
		require.NoError(t, err)
		require.Equal(t, catalog.JobFailed, back.State)
		require.Equal(t, "order o1: boom", back.Error)
		running, err = s.RunningJobs(ctx)
		require.NoError(t, err)
		require.NotContains(t, jobIDs(running), j.ID)

		_, err = s.GetJob(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.UpdateJob(ctx, catalog.Job{ID: "missing", State: catalog.JobDone})
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}

func jobIDs(js []catalog.Job) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = j.ID
	}
	return out
}
