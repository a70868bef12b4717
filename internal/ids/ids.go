// Package ids draws the random identifiers seatmap hands out: resource ids,
// hold tokens, order numbers and voucher codes, all from crypto/rand.
package ids

import (
	"crypto/rand"
	"encoding/base32"
)

var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// New returns prefix plus n random bytes, base32 encoded: unguessable ids.
func New(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + encoding.EncodeToString(b)
}

// Alphabet is the symbols of order numbers and voucher codes, which are read
// out over the phone and typed from paper: no 0/O, 1/I/L, U/V look-alikes.
const Alphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"

// AppendSymbols appends n symbols of Alphabet drawn uniformly from
// crypto/rand: bytes at or above the largest multiple of the alphabet's size
// are drawn again, so there is no modulo bias.
func AppendSymbols(b []byte, n int) []byte {
	const limit = 256 - 256%len(Alphabet)
	var buf [32]byte
	for want := len(b) + n; len(b) < want; {
		rand.Read(buf[:])
		for _, x := range buf {
			if int(x) < limit && len(b) < want {
				b = append(b, Alphabet[int(x)%len(Alphabet)])
			}
		}
	}
	return b
}
