// Package testclock is the old name of testkit.Clock, kept while sales' tests
// still import it; everything else uses internal/testkit. For tests only.
package testclock

import (
	"time"

	"github.com/seatmap/seatmap/internal/testkit"
)

// Clock is testkit.Clock.
type Clock = testkit.Clock

// New returns a clock standing at t.
func New(t time.Time) *Clock { return testkit.NewClock(t) }
