package checkout

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/lease/memory"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store/sqlite"
)

// runOrders, the loop the cancel, reschedule and replace jobs share: a
// failed order is tried again in the next round, at most cancelRounds; a
// stop ends it between two orders; with everyRound the counts start again
// each round and a clean round ends it.
func TestRunOrders(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "seatmap.db"))
	require.NoError(t, err)
	t.Cleanup(st.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := New(Config{Store: st, Seats: seating.New(seating.Config{Store: st, Leases: memory.New(memory.Options{}), Logger: log}), Logger: log})
	orders := []order.Order{{ID: "a", Number: "N-A"}, {ID: "b", Number: "N-B"}, {ID: "c", Number: "N-C"}}

	// left: the orders not done yet, as cancel and reschedule list them.
	type run struct {
		done   map[string]bool
		tries  map[string]int
		lists  int
		failOn map[string]int // an order's step fails its first n tries
	}
	job := func(r *run, everyRound bool) orderJob {
		return orderJob{what: "test", everyRound: everyRound,
			targets: func(context.Context) ([]order.Order, error) {
				r.lists++
				var out []order.Order
				for _, o := range orders {
					if everyRound || !r.done[o.ID] {
						out = append(out, o)
					}
				}
				return out, nil
			},
			step: func(_ context.Context, o order.Order) error {
				r.tries[o.ID]++
				if r.tries[o.ID] <= r.failOn[o.ID] {
					return errors.New("busy")
				}
				r.done[o.ID] = true
				return nil
			}}
	}
	newRun := func(failOn map[string]int) *run {
		return &run{done: map[string]bool{}, tries: map[string]int{}, failOn: failOn}
	}

	for name, c := range map[string]struct {
		everyRound bool
		failOn     map[string]int
		err        string
		tries      map[string]int
		lists      int
		done       int
		failed     int
	}{
		"all at once":                {failOn: nil, tries: map[string]int{"a": 1, "b": 1, "c": 1}, lists: 2, done: 3},
		"b again in the next round":  {failOn: map[string]int{"b": 1}, tries: map[string]int{"a": 1, "b": 2, "c": 1}, lists: 3, done: 3},
		"b fails every round":        {failOn: map[string]int{"b": 9}, err: "order N-B: busy", tries: map[string]int{"a": 1, "b": 3, "c": 1}, lists: 3, done: 2, failed: 1},
		"every round: a clean round": {everyRound: true, tries: map[string]int{"a": 1, "b": 1, "c": 1}, lists: 1, done: 3},
		"every round: counted anew":  {everyRound: true, failOn: map[string]int{"c": 1}, tries: map[string]int{"a": 2, "b": 2, "c": 2}, lists: 2, done: 3},
	} {
		t.Run(name, func(t *testing.T) {
			r := newRun(c.failOn)
			j := catalog.Job{ID: "job-" + name}
			stopped, err := s.runOrders(context.Background(), &j, job(r, c.everyRound))
			require.False(t, stopped)
			if c.err == "" {
				require.NoError(t, err)
			} else {
				require.EqualError(t, err, c.err)
			}
			require.Equal(t, c.tries, r.tries)
			require.Equal(t, c.lists, r.lists)
			require.Equal(t, c.done, j.Done)
			require.Equal(t, c.failed, j.Failed)
			require.Equal(t, c.done+c.failed, j.Total)
		})
	}

	// A stop between two orders: the one under way finished, the rest left
	// for the resumed job.
	stop, cancel := context.WithCancel(context.Background())
	r := newRun(nil)
	w := job(r, false)
	step := w.step
	w.step = func(ctx context.Context, o order.Order) error {
		cancel()
		return step(ctx, o)
	}
	j := catalog.Job{ID: "job-stop"}
	stopped, err := s.runOrders(stop, &j, w)
	require.True(t, stopped)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"a": 1}, r.tries)
	require.Equal(t, 1, j.Done)
	require.Equal(t, 3, j.Total)
}
