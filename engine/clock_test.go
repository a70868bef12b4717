package engine

import (
	"testing"
	"time"
)

// TestWallClock: the shard's own reading of the wall clock agrees with
// time.Now to well under a millisecond.
func TestWallClock(t *testing.T) {
	for range 100 {
		before := time.Now().UnixNano()
		got := wallClock()
		after := time.Now().UnixNano()
		// gettimeofday has microseconds: allow one below before.
		if got < before-int64(time.Microsecond) || got > after+int64(time.Microsecond) {
			t.Fatalf("wallClock %d outside [%d, %d]", got, before, after)
		}
	}
}
