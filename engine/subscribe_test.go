package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSubscribeSignals(t *testing.T) {
	t.Parallel()
	s, c := newShard(t, theatre)
	ch, cancel := s.Subscribe()
	_, err := s.Hold(HoldRequest{Token: "a", Owner: "o", Seats: []uint32{1}, Expires: c.Now().Add(time.Minute)}, nil)
	require.NoError(t, err)
	_, err = s.Hold(HoldRequest{Token: "b", Owner: "o", Seats: []uint32{2}, Expires: c.Now().Add(time.Minute)}, nil)
	require.NoError(t, err)
	select {
	case <-ch:
	default:
		t.Fatal("no signal after a hold")
	}
	// Signals coalesce: two holds, one pending signal.
	select {
	case <-ch:
		t.Fatal("signals did not coalesce")
	default:
	}
	cancel()
	require.NoError(t, s.Release("a", "o"))
	select {
	case <-ch:
		t.Fatal("signal after cancel")
	default:
	}
}
