// Package voucher owns codes that take money off a booking: vouchers
// (single-use, random, made in batches) and promotions (a memorable code with
// a use limit). It says what a code is worth for a booking and why it is not
// valid; stores keep codes and count their uses.
package voucher

import (
	"fmt"
	"time"
)

// Code kinds: a voucher is single-use with a random code, a promotion has a
// memorable code and a use limit. One code names exactly one of either.
const (
	KindVoucher   = "voucher"
	KindPromotion = "promotion"
)

// Code states. Stored are prepared, available and blocked; redeemed is an
// available code whose uses reached its limit (see Code.Status).
const (
	Prepared  = "prepared"
	Available = "available"
	Redeemed  = "redeemed"
	Blocked   = "blocked"
)

// DateRange is a span of days, both ends included, as YYYY-MM-DD.
type DateRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// TimeRange is a span of the day as HH:MM, From included, To excluded.
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Restrictions limit where a code is valid. Each non-empty list must match;
// no restrictions at all means valid for every booking.
type Restrictions struct {
	Dates     []DateRange `json:"dates,omitempty"`
	Times     []TimeRange `json:"times,omitempty"`
	Weekdays  []int       `json:"weekdays,omitempty"` // ISO: 1 Monday … 7 Sunday
	Offerings []string    `json:"offerings,omitempty"`
}

// Code is a voucher or a promotion.
type Code struct {
	Code         string // normalised: upper case, no spaces or dashes
	Kind         string
	BatchID      string // vouchers: their batch
	Name         string
	Percent      int   // 1..100, or 0 for a fixed amount
	Amount       int64 // minor units when Percent is 0
	Currency     string
	MaxUses      int // 0: unlimited (promotions only); vouchers have 1
	Uses         int
	State        string // prepared, available or blocked
	Restrictions Restrictions
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Status is the code's state as people see it: an available code used up is
// redeemed.
func (c Code) Status() string {
	if c.State == Available && c.MaxUses > 0 && c.Uses >= c.MaxUses {
		return Redeemed
	}
	return c.State
}

// Batch is a block of vouchers made together.
type Batch struct {
	ID           string
	Name         string
	Prefix       string
	Count        int
	Percent      int
	Amount       int64
	Currency     string
	Restrictions Restrictions
	CreatedBy    string
	CreatedAt    time.Time
}

// Filter selects codes ordered by code. After is the keyset cursor.
type Filter struct {
	Kind    string // empty: both
	BatchID string
	After   string
	Limit   int // 1..10000
}

// CodeError says why a code could not be redeemed with an order; nothing was
// written. Status is the code's status then ("" when it does not exist).
type CodeError struct {
	Code   string
	Status string
}

func (e *CodeError) Error() string {
	if e.Status == "" {
		return fmt.Sprintf("code %s does not exist", e.Code)
	}
	return fmt.Sprintf("code %s is %s", e.Code, e.Status)
}

// MoveAllowed says whether a code may move from one stored state to
// another: prepared → available (released), prepared or available → blocked,
// blocked → available (unblocked).
func MoveAllowed(from, to string) bool {
	switch to {
	case Available:
		return from == Prepared || from == Blocked
	case Blocked:
		return from == Prepared || from == Available
	}
	return false
}
