// Package outbox is the e-mail waiting to go out: a Message is written in the
// same transaction as the change it tells of (an order made, refunded,
// reminded), and notify's dispatcher sends it later, at least once. It
// imports nothing of seatmap.
package outbox

import (
	"errors"
	"time"
)

// ErrSent is what an Outbox answers MarkFailed for a message that was sent
// meanwhile (by another dispatcher, or before a crash): nothing to retry.
var ErrSent = errors.New("message was sent")

// Message kinds.
const (
	KindConfirmation = "confirmation"
	KindReservation  = "reservation" // a reservation and its deadline
	KindRefund       = "refund"
	KindLapsed       = "reservation_ended"     // annulled or expired
	KindReminder     = "reminder"              // a reservation's deadline is near; at most one per order
	KindCancelled    = "performance_cancelled" // the performance will not take place (issue 16)
	KindReplaced     = "performance_replaced"  // its name or date changed; the buyer may choose (issue 16)
	KindResend       = "resend"
	// KindRescheduled: the order moved to a replacement date (issue 16), its
	// new order and tickets.
	KindRescheduled = "performance_rescheduled"
)

// Message is an e-mail waiting in (or sent from) the outbox.
type Message struct {
	ID        string // unique; also the e-mail's Message-ID, so receivers can drop a repeat
	OrderID   string
	Kind      string
	To        string
	Subject   string
	Body      string // plain text
	CreatedAt time.Time

	// Set by the dispatcher's calls.
	Attempts    int
	NextAttempt time.Time
	SentAt      time.Time // zero while unsent
	LastError   string
}
