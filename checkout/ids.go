package checkout

import "github.com/seatmap/seatmap/internal/ids"

// NewOrderID makes an order id.
func NewOrderID() string { return ids.New("o", 15) }

// NewOrderNumber makes an order number, read out over the phone: two groups of
// five symbols of ids.Alphabet. 29^10 ≈ 4.2e14 values, uniform from
// crypto/rand.
func NewOrderNumber() string {
	b := ids.AppendSymbols(make([]byte, 0, 11), 10)
	return string(b[:5]) + "-" + string(b[5:])
}
