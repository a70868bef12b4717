package voucher

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/ids"
)

// Vouchers and promotions (seed 004). A code names exactly one of either; it
// is worth a fixed amount or a percentage of a booking, never more than the
// booking, and may be restricted to dates, times of day, weekdays and
// offerings (performances). Codes are compared normalised: upper case, without
// spaces or dashes, so "summer-25" and "SUMMER 25" are the same code.

// Why a code is not valid for a booking, as the check and the order say.
const (
	ReasonUnknown       = "unknown"
	ReasonBlocked       = "blocked"
	ReasonPrepared      = "not_yet_available"
	ReasonUsedUp        = "used_up"
	ReasonWrongDate     = "wrong_date"
	ReasonWrongWeekday  = "wrong_weekday"
	ReasonWrongTime     = "wrong_time"
	ReasonWrongOffering = "wrong_offering"
	ReasonWrongCurrency = "wrong_currency"
)

// Bounds of what codes accept.
const (
	MaxBatch        = 10000
	MaxPrefix       = 10
	MinCodeLen      = 3
	MaxCodeLen      = 32
	MaxCodeAmount   = 100_000_00 // minor units: 100,000.00 EUR, 10,000,000 JPY
	MaxCodeUses     = 1_000_000
	MaxRestrictions = 100 // entries per restriction list
	// RandomLen is the random part of a voucher: 12 symbols of 29 are 58
	// bits, so guessing one of 10,000 vouchers at the check's rate limit
	// would take longer than the universe has existed.
	RandomLen = 12
)

// InvalidError says why a code cannot be used for a booking. Nothing was
// changed.
type InvalidError struct {
	Code   string
	Reason string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("code %s cannot be used: %s", e.Code, strings.ReplaceAll(e.Reason, "_", " "))
}

// Normalize returns a code as stored: upper case, spaces and dashes gone.
func Normalize(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, code)
}

// ValidChars reports whether s is upper-case ASCII letters and digits only.
func ValidChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// NewCode draws a voucher code: the prefix, then RandomLen symbols of
// ids.Alphabet (no look-alikes) from crypto/rand, without modulo bias.
func NewCode(prefix string) string {
	b := append(make([]byte, 0, len(prefix)+RandomLen), prefix...)
	return string(ids.AppendSymbols(b, RandomLen))
}

// Format groups a voucher's random part in fours for print: "GIFT-ABCD-EFGH-JKMN".
func Format(c Code) string {
	if c.Kind != KindVoucher {
		return c.Code
	}
	prefix := c.Code[:max(len(c.Code)-RandomLen, 0)]
	rest := c.Code[len(prefix):]
	var parts []string
	if prefix != "" {
		parts = append(parts, prefix)
	}
	for len(rest) > 4 {
		parts = append(parts, rest[:4])
		rest = rest[4:]
	}
	return strings.Join(append(parts, rest), "-")
}

// Value is what a code's value definition says.
type Value struct {
	Percent  int    // 1..100, or 0
	Amount   int64  // minor units, when Percent is 0
	Currency string // required with Amount
}

// Validate checks a value and tidies its currency code.
func (v *Value) Validate() error {
	v.Currency = strings.ToUpper(strings.TrimSpace(v.Currency))
	switch {
	case v.Percent != 0 && v.Amount != 0:
		return &input.Error{Field: "percent", Reason: "give a percentage or an amount, not both"}
	case v.Percent < 0 || v.Percent > 100:
		return &input.Error{Field: "percent", Reason: "must be from 1 to 100"}
	case v.Amount < 0 || v.Amount > MaxCodeAmount:
		return &input.Error{Field: "amount", Reason: fmt.Sprintf("must be from 1 to %d minor units", MaxCodeAmount)}
	case v.Percent == 0 && v.Amount == 0:
		return &input.Error{Field: "amount", Reason: "give a percentage (percent) or an amount in minor units (amount)"}
	case v.Amount != 0 && !hall.ValidCurrency(v.Currency):
		return &input.Error{Field: "currency", Reason: "must be a three-letter currency code (ISO 4217) with an amount"}
	case v.Percent != 0 && v.Currency != "" && !hall.ValidCurrency(v.Currency):
		return &input.Error{Field: "currency", Reason: "must be a three-letter currency code (ISO 4217)"}
	}
	return nil
}

// ValidateRestrictions checks and tidies restrictions: dates and times parse
// and run forwards, weekdays are 1..7, lists are bounded.
func ValidateRestrictions(r *Restrictions) error {
	switch {
	case len(r.Dates) > MaxRestrictions, len(r.Times) > MaxRestrictions, len(r.Offerings) > MaxRestrictions:
		return &input.Error{Field: "restrictions", Reason: fmt.Sprintf("at most %d entries per list", MaxRestrictions)}
	}
	for i, d := range r.Dates {
		field := fmt.Sprintf("restrictions.dates[%d]", i)
		from, err1 := time.Parse(time.DateOnly, d.From)
		to, err2 := time.Parse(time.DateOnly, d.To)
		switch {
		case err1 != nil || err2 != nil:
			return &input.Error{Field: field, Reason: "from and to must be dates as YYYY-MM-DD"}
		case to.Before(from):
			return &input.Error{Field: field, Reason: "ends before it starts"}
		}
	}
	for i, t := range r.Times {
		field := fmt.Sprintf("restrictions.times[%d]", i)
		from, ok1 := clockMinutes(t.From)
		to, ok2 := clockMinutes(t.To)
		switch {
		case !ok1 || !ok2:
			return &input.Error{Field: field, Reason: "from and to must be times of day as HH:MM (24:00 ends the day)"}
		case to <= from:
			return &input.Error{Field: field, Reason: "must end after it starts"}
		}
	}
	seen := map[int]bool{}
	for _, d := range r.Weekdays {
		if d < 1 || d > 7 {
			return &input.Error{Field: "restrictions.weekdays", Reason: "are 1 (Monday) to 7 (Sunday)"}
		}
		seen[d] = true
	}
	r.Weekdays = r.Weekdays[:0]
	for d := 1; d <= 7; d++ {
		if seen[d] {
			r.Weekdays = append(r.Weekdays, d)
		}
	}
	if len(r.Weekdays) == 0 {
		r.Weekdays = nil
	}
	for i, o := range r.Offerings {
		if o == "" || len(o) > 64 {
			return &input.Error{Field: fmt.Sprintf("restrictions.offerings[%d]", i), Reason: "must be an id of 1 to 64 characters"}
		}
	}
	return nil
}

// clockMinutes parses HH:MM into minutes after midnight; "24:00" is the end
// of the day.
func clockMinutes(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// Booking is what a code is checked against: the offering, when it takes
// place (in the venue's time zone) and what it costs before the discount.
type Booking struct {
	Offering string
	StartsAt time.Time
	Amount   int64
	Currency string
}

// Evaluate says what code c is worth for booking b, or why it cannot be used.
// The reasons come in the order a buyer can act on them: a code that does not
// work at all before one that is for another show.
func Evaluate(c Code, b Booking) (value int64, reason string) {
	switch c.Status() {
	case Blocked:
		return 0, ReasonBlocked
	case Prepared:
		return 0, ReasonPrepared
	case Redeemed:
		return 0, ReasonUsedUp
	}
	r := c.Restrictions
	if len(r.Offerings) > 0 && !slices.Contains(r.Offerings, b.Offering) {
		return 0, ReasonWrongOffering
	}
	if len(r.Dates) > 0 {
		day := b.StartsAt.Format(time.DateOnly)
		if !slices.ContainsFunc(r.Dates, func(d DateRange) bool { return d.From <= day && day <= d.To }) {
			return 0, ReasonWrongDate
		}
	}
	if len(r.Weekdays) > 0 {
		wd := int(b.StartsAt.Weekday())
		if wd == 0 {
			wd = 7
		}
		if !slices.Contains(r.Weekdays, wd) {
			return 0, ReasonWrongWeekday
		}
	}
	if len(r.Times) > 0 {
		at := b.StartsAt.Hour()*60 + b.StartsAt.Minute()
		if !slices.ContainsFunc(r.Times, func(t TimeRange) bool {
			from, _ := clockMinutes(t.From)
			to, _ := clockMinutes(t.To)
			return from <= at && at < to
		}) {
			return 0, ReasonWrongTime
		}
	}
	if c.Percent > 0 {
		// Rounded down: the discount never exceeds the percentage.
		return b.Amount * int64(c.Percent) / 100, ""
	}
	if b.Currency != "" && c.Currency != b.Currency {
		return 0, ReasonWrongCurrency
	}
	return min(c.Amount, b.Amount), ""
}

// ReasonFor turns a store's refusal of a code (its status then, "" for none)
// into the buyer's reason.
func ReasonFor(status string) string {
	switch status {
	case "":
		return ReasonUnknown
	case Blocked:
		return ReasonBlocked
	case Prepared:
		return ReasonPrepared
	}
	return ReasonUsedUp
}
