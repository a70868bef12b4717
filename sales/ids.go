package sales

import (
	"strings"

	"github.com/seatmap/seatmap/internal/ids"
)

// NewPerformanceID, NewHallID and newOrderID make resource ids.
func NewPerformanceID() string { return ids.New("p", 10) }
func NewHallID() string        { return ids.New("h", 10) }
func newOrderID() string       { return ids.New("o", 15) }

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

// Order numbers are read out over the phone: two groups of five symbols of
// ids.Alphabet. 29^10 ≈ 4.2e14 values, uniform from crypto/rand.
func newOrderNumber() string {
	b := ids.AppendSymbols(make([]byte, 0, 11), 10)
	return string(b[:5]) + "-" + string(b[5:])
}
