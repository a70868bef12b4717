package order

import "time"

// PaymentFilter selects payment rows (payments and refunds at providers) made
// in [From, To), newest first. Before and BeforeID are the keyset cursor: the
// CreatedAt and ID of the last row of the previous page.
type PaymentFilter struct {
	From, To time.Time
	Before   time.Time
	BeforeID string
	Limit    int // 1..1000
}

// PaymentLine is a payment row as a list shows it: the row (without its
// client secret) and what it is for, its order.
type PaymentLine struct {
	Payment
	OrderNumber   string
	OrderStatus   string
	OrderTotal    int64 // minor units
	OrderRefunded int64 // minor units given back so far, by any method
	OrderCurrency string
}
