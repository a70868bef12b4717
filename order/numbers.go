package order

import (
	"errors"
	"fmt"
	"time"
)

// Ticket numbers (issue 17): under the ticket-accounting rules each ticket is
// a numbered form, a series of two letters and a number of six digits, given
// once it is issued — its order paid, online or at the box office — and
// never used twice. The store draws them after the order's commit, in the
// order the orders became paid (a queue the order's own transaction fills),
// so the order path waits for nothing; a number, once drawn, stays in the
// register: a ticket returned keeps it (the act of return lists it), and a
// ticket printed again on a new form voids the old number, which is listed
// with why, and gets the next one.

// Series and numbers.
const (
	FirstSeries = "AA"
	MaxNumber   = 999_999 // the last number of a series; the next is 1 of the next series
)

// Reasons a number was voided.
const (
	VoidReprinted = "reprinted" // the ticket was printed again on a new form
)

// ErrSeriesExhausted: every series up to ZZ is used.
var ErrSeriesExhausted = errors.New("ticket numbers: series ZZ is used up")

// TicketNumber is one line of the register: a form number and the ticket it
// was given to.
type TicketNumber struct {
	Series        string
	Number        int
	TicketID      string
	OrderID       string
	PerformanceID string
	IssuedAt      time.Time
	// VoidedAt is when the number stopped being the ticket's (zero while it
	// is); VoidReason says why.
	VoidedAt   time.Time
	VoidReason string
}

// Form is how the number is written on the ticket: "AA 000123".
func (n TicketNumber) Form() string { return FormNumber(n.Series, n.Number) }

// Voided reports whether the number no longer belongs to its ticket.
func (n TicketNumber) Voided() bool { return !n.VoidedAt.IsZero() }

// FormNumber writes a series and number as printed: "AA 000123".
func FormNumber(series string, number int) string { return fmt.Sprintf("%s %06d", series, number) }

// NextNumber is the number drawn after series/number: the next number, or
// the first of the next series after MaxNumber (AA → AB … AZ → BA … ZZ).
func NextNumber(series string, number int) (string, int, error) {
	if number < MaxNumber {
		return series, number + 1, nil
	}
	if len(series) != 2 || series[0] < 'A' || series[0] > 'Z' || series[1] < 'A' || series[1] > 'Z' {
		return "", 0, fmt.Errorf("ticket numbers: bad series %q", series)
	}
	a, b := series[0], series[1]
	switch {
	case b < 'Z':
		b++
	case a < 'Z':
		a, b = a+1, 'A'
	default:
		return "", 0, ErrSeriesExhausted
	}
	return string([]byte{a, b}), 1, nil
}

// Issued reports whether an order's tickets are issued: it is or was paid.
func Issued(status string) bool {
	return status == Paid || status == PartRefunded || status == Refunded
}
