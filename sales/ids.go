package sales

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns prefix plus n random bytes, base32 encoded: unguessable ids.
func newID(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + idEncoding.EncodeToString(b)
}

// NewPerformanceID, NewHallID and newOrderID make resource ids.
func NewPerformanceID() string { return newID("p", 10) }
func NewHallID() string        { return newID("h", 10) }
func newOrderID() string       { return newID("o", 15) }

// newHoldToken makes a hold token that names its performance, so that a hold can
// be routed to its shard without a lookup table: "<performance>.<128 random bits>".
func newHoldToken(performanceID string) string {
	return performanceID + "." + newID("", 16)
}

// performanceOfToken returns the performance part of a hold token.
func performanceOfToken(token string) (string, bool) {
	i := strings.IndexByte(token, '.')
	if i <= 0 || i == len(token)-1 || len(token) > 128 {
		return "", false
	}
	return token[:i], true
}

// Order numbers are read out over the phone: no 0/O, 1/I/L, U/V look-alikes, in
// two groups of five. 29^10 ≈ 4.2e14 values, uniform from crypto/rand.
const numberAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"

func newOrderNumber() string {
	b := appendSymbols(make([]byte, 0, 11), 10)
	return string(b[:5]) + "-" + string(b[5:])
}

// appendSymbols appends n symbols of numberAlphabet drawn uniformly from
// crypto/rand: bytes at or above the largest multiple of the alphabet's size
// are drawn again, so there is no modulo bias.
func appendSymbols(b []byte, n int) []byte {
	const limit = 256 - 256%len(numberAlphabet)
	var buf [32]byte
	for want := len(b) + n; len(b) < want; {
		rand.Read(buf[:])
		for _, x := range buf {
			if int(x) < limit && len(b) < want {
				b = append(b, numberAlphabet[int(x)%len(numberAlphabet)])
			}
		}
	}
	return b
}
