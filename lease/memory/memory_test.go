package memory

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/lease/leasetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestConformance(t *testing.T) {
	leasetest.Run(t, leasetest.Harness{
		New: func(*testing.T) leasetest.Subject {
			c := &fakeClock{t: time.Now()}
			return leasetest.Subject{Store: New(Options{Now: c.Now}), Now: c.Now, Wait: c.Add}
		},
		Short: time.Second,
	})
}

func TestSaveLoad(t *testing.T) {
	ctx := context.Background()
	c := &fakeClock{t: time.Now()}
	s := New(Options{Now: c.Now})
	require.NoError(t, s.Acquire(ctx, lease.Lease{Performance: "p", Token: "keep", Owner: "o", Seats: []uint32{1, 2}, Expires: c.Now().Add(time.Hour)}))
	require.NoError(t, s.Acquire(ctx, lease.Lease{Performance: "p", Token: "lapse", Owner: "o", Seats: []uint32{3}, Expires: c.Now().Add(time.Minute)}))
	path := filepath.Join(t.TempDir(), "leases.json")
	require.NoError(t, s.Save(path))
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "tokens are secrets")

	c.Add(2 * time.Minute)
	s2 := New(Options{Now: c.Now})
	require.NoError(t, s2.Load(path))
	got, err := s2.List(ctx, "p")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "keep", got[0].Token)
	require.Equal(t, []uint32{1, 2}, got[0].Seats)

	require.ErrorIs(t, New(Options{}).Load(filepath.Join(t.TempDir(), "none.json")), os.ErrNotExist)
	require.NoError(t, os.WriteFile(path, []byte("{broken"), 0o600))
	require.Error(t, New(Options{}).Load(path))
}

func BenchmarkAcquireRelease4(b *testing.B) {
	ctx := context.Background()
	s := New(Options{})
	l := lease.Lease{Performance: "p", Token: "t", Owner: "o", Seats: []uint32{1, 2, 3, 4}, Expires: time.Now().Add(time.Hour)}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Acquire(ctx, l); err != nil {
			b.Fatal(err)
		}
		if err := s.Release(ctx, "p", "t"); err != nil {
			b.Fatal(err)
		}
	}
}
