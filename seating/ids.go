package seating

import (
	"strings"

	"github.com/seatmap/seatmap/internal/ids"
)

// NewPerformanceID and NewHallID make resource ids.
func NewPerformanceID() string { return ids.New("p", 10) }
func NewHallID() string        { return ids.New("h", 10) }

// newHoldToken makes a hold token that names its performance, so that a hold can
// be routed to its shard without a lookup table: "<performance>.<128 random bits>".
func newHoldToken(performanceID string) string {
	return performanceID + "." + ids.New("", 16)
}

// performanceOfToken returns the performance part of a hold token.
func performanceOfToken(token string) (string, bool) {
	i := strings.IndexByte(token, '.')
	if i <= 0 || i == len(token)-1 || len(token) > 128 {
		return "", false
	}
	return token[:i], true
}
