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

// Skewed is the wall clock moved forward by what the test adds to it, safe
// for concurrent use: for a stack that shares time with another process
// (Redis expires leases on its own clock), which a clock standing still would
// keep from ever lapsing. The zero value is the wall clock.
type Skewed struct {
	mu  sync.Mutex // guards off
	off time.Duration
}

// Now is the wall clock plus what was added.
func (c *Skewed) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// Add moves the clock forward (or back) by d from the wall clock's pace.
func (c *Skewed) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}
