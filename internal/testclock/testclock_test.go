package testclock

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	t0 := time.Date(2030, 3, 1, 19, 30, 0, 0, time.UTC)
	c := New(t0)
	require.Equal(t, t0, c.Now())
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { c.Add(time.Second) })
	}
	wg.Wait()
	require.Equal(t, t0.Add(10*time.Second), c.Now())
}
