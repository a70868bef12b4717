package order

import "time"

// Kinds of an order's move to a replacement date (issue 16, seed 003).
const (
	MovePaid     = "paid"     // a paid order: a new order on the replacement, printed seats blocked
	MoveReserved = "reserved" // a reservation kept: a new reservation on the replacement
	MovePending  = "pending"  // a reservation waiting for staff's decision: its seats blocked
	MoveReleased = "released" // a reservation released: its seats free on the replacement
)

// ActionRescheduled is the history entry of an order moved to a replacement
// date (on the original and on the new order).
const ActionRescheduled = "rescheduled"

// Move is what a reschedule does with one order of the original, written in
// one transaction: the key is the original order's id, so the move happens
// once; only a MovePending move changes again, to MoveReserved or
// MoveReleased.
type Move struct {
	OriginOrderID string
	OriginID      string // the original performance
	ReplacementID string
	Kind          string
	// NewOrder is written with the move (its tickets on the replacement);
	// nil: none (every seat printed, a reservation pending or released).
	// Its Discount, VoucherCode (not redeemed again), Refunded and Notes
	// are stored as given.
	NewOrder   *Order
	NewOrderID string // as stored
	// OriginNote is added to the original order's notes.
	OriginNote string
	// Clear are seats of the replacement whose blocks end (the seats moved);
	// Block are blocked with BlockReason (printed or pending seats).
	Clear       []uint32
	Block       []uint32
	BlockReason string
	Seats       int // seats the original order had live
	Printed     int // of which printed
	Actor       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
