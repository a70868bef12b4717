package store

import (
	"encoding/binary"
	"fmt"
)

// EncodeSeatZones packs a zone map as little-endian uint16s, the form both
// adapters store: 160 KB for a stadium, one value instead of 80,000 rows.
func EncodeSeatZones(z []uint16) []byte {
	out := make([]byte, 2*len(z))
	for i, v := range z {
		binary.LittleEndian.PutUint16(out[2*i:], v)
	}
	return out
}

// DecodeSeatZones unpacks EncodeSeatZones.
func DecodeSeatZones(b []byte) ([]uint16, error) {
	if len(b)%2 != 0 {
		return nil, fmt.Errorf("seat zone map has odd length %d", len(b))
	}
	out := make([]uint16, len(b)/2)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return out, nil
}

// ClampLimit keeps a page size within 1..1000, 50 by default.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 1000:
		return 1000
	}
	return n
}
