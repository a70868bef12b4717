package testkit

import (
	"sync"
	"time"
)

// Clock is a settable clock, safe for concurrent use: it moves only when the
// test says, so that expiry, backoff, rate and deadline tests never sleep.
// Pass c.Now wherever a func() time.Time is taken.
type Clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
