package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/testkit"
)

// TestLimiterOnAClock: a limiter goes by the time it is given, so a test
// moves a clock instead of timing itself: a burst, then one token per
// interval, and buckets idle long enough to be full again are forgotten.
func TestLimiterOnAClock(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(time.Date(2030, 3, 1, 19, 30, 0, 0, time.UTC))
	l := newHoldLimiter(RateLimit{SessionPerSecond: 1, SessionBurst: 20, AddressPerSecond: -1})
	for i := range 20 {
		ok, _ := l.allow("s", "a", clock.Now())
		require.True(t, ok, "token %d of the burst", i+1)
	}
	for range 40 { // however fast they come, without time passing
		ok, wait := l.allow("s", "a", clock.Now())
		require.False(t, ok)
		require.Equal(t, time.Second, wait)
	}
	ok, _ := l.allow("other", "a", clock.Now())
	require.True(t, ok, "another session has its own bucket")

	clock.Add(999 * time.Millisecond)
	ok, wait := l.allow("s", "a", clock.Now())
	require.False(t, ok)
	require.Equal(t, time.Millisecond, wait)
	clock.Add(time.Millisecond)
	ok, _ = l.allow("s", "a", clock.Now())
	require.True(t, ok, "one token a second")

	// Idle for longer than a full refill: the next sweep forgets the bucket,
	// and it starts full.
	require.Len(t, l.sessions.buckets, 2)
	clock.Add(time.Minute)
	ok, _ = l.allow("third", "a", clock.Now())
	require.True(t, ok)
	require.Len(t, l.sessions.buckets, 1, "idle buckets forgotten")
}

// TestLimiterPerAddress: the address bucket refuses before the session's is
// touched, and says how long to wait.
func TestLimiterPerAddress(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(time.Date(2030, 3, 1, 19, 30, 0, 0, time.UTC))
	l := newHoldLimiter(RateLimit{SessionPerSecond: -1, AddressPerSecond: 2, AddressBurst: 3})
	for i := range 3 {
		ok, _ := l.allow(fmt.Sprint("s", i), "a", clock.Now())
		require.True(t, ok)
	}
	ok, wait := l.allow("s9", "a", clock.Now())
	require.False(t, ok)
	require.Equal(t, 500*time.Millisecond, wait)
	clock.Add(500 * time.Millisecond)
	ok, _ = l.allow("s9", "a", clock.Now())
	require.True(t, ok)
}

// TestServerClock: the server's clock is Config.Now, or the wall clock.
func TestServerClock(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 3, 1, 19, 30, 0, 0, time.UTC)
	require.Equal(t, at, (&Server{cfg: Config{Now: func() time.Time { return at }}}).now())
	require.WithinDuration(t, time.Now(), (&Server{}).now(), time.Minute)
}
