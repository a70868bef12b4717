package sales

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/voucher"
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
	// voucherRandom is the random part of a voucher: 12 symbols of 29 are
	// 58 bits, so guessing one of 10,000 vouchers at the check's rate limit
	// would take longer than the universe has existed.
	voucherRandom = 12
)

// CodeInvalidError says why a code cannot be used for a booking. Nothing was
// changed.
type CodeInvalidError struct {
	Code   string
	Reason string
}

func (e *CodeInvalidError) Error() string {
	return fmt.Sprintf("code %s cannot be used: %s", e.Code, strings.ReplaceAll(e.Reason, "_", " "))
}

// NormalizeCode returns a code as stored: upper case, spaces and dashes gone.
func NormalizeCode(code string) string {
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

// validCodeChars reports whether s is upper-case ASCII letters and digits only.
func validCodeChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// newVoucherCode draws a voucher code: the prefix, then voucherRandom symbols
// of numberAlphabet (no look-alikes) from crypto/rand, without modulo bias.
func newVoucherCode(prefix string) string {
	b := append(make([]byte, 0, len(prefix)+voucherRandom), prefix...)
	return string(appendSymbols(b, voucherRandom))
}

// FormatCode groups a voucher's random part in fours for print: "GIFT-ABCD-EFGH-JKMN".
func FormatCode(c voucher.Code) string {
	if c.Kind != voucher.KindVoucher {
		return c.Code
	}
	prefix := c.Code[:max(len(c.Code)-voucherRandom, 0)]
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

// CodeValue is what a code's value definition says.
type CodeValue struct {
	Percent  int    // 1..100, or 0
	Amount   int64  // minor units, when Percent is 0
	Currency string // required with Amount
}

func (v *CodeValue) validate() error {
	v.Currency = strings.ToUpper(strings.TrimSpace(v.Currency))
	switch {
	case v.Percent != 0 && v.Amount != 0:
		return &InputError{Field: "percent", Reason: "give a percentage or an amount, not both"}
	case v.Percent < 0 || v.Percent > 100:
		return &InputError{Field: "percent", Reason: "must be from 1 to 100"}
	case v.Amount < 0 || v.Amount > MaxCodeAmount:
		return &InputError{Field: "amount", Reason: fmt.Sprintf("must be from 1 to %d minor units", MaxCodeAmount)}
	case v.Percent == 0 && v.Amount == 0:
		return &InputError{Field: "amount", Reason: "give a percentage (percent) or an amount in minor units (amount)"}
	case v.Amount != 0 && !hall.ValidCurrency(v.Currency):
		return &InputError{Field: "currency", Reason: "must be a three-letter currency code (ISO 4217) with an amount"}
	case v.Percent != 0 && v.Currency != "" && !hall.ValidCurrency(v.Currency):
		return &InputError{Field: "currency", Reason: "must be a three-letter currency code (ISO 4217)"}
	}
	return nil
}

// validateRestrictions checks and tidies restrictions: dates and times parse
// and run forwards, weekdays are 1..7, lists are bounded.
func validateRestrictions(r *voucher.Restrictions) error {
	switch {
	case len(r.Dates) > MaxRestrictions, len(r.Times) > MaxRestrictions, len(r.Offerings) > MaxRestrictions:
		return &InputError{Field: "restrictions", Reason: fmt.Sprintf("at most %d entries per list", MaxRestrictions)}
	}
	for i, d := range r.Dates {
		field := fmt.Sprintf("restrictions.dates[%d]", i)
		from, err1 := time.Parse(time.DateOnly, d.From)
		to, err2 := time.Parse(time.DateOnly, d.To)
		switch {
		case err1 != nil || err2 != nil:
			return &InputError{Field: field, Reason: "from and to must be dates as YYYY-MM-DD"}
		case to.Before(from):
			return &InputError{Field: field, Reason: "ends before it starts"}
		}
	}
	for i, t := range r.Times {
		field := fmt.Sprintf("restrictions.times[%d]", i)
		from, ok1 := clockMinutes(t.From)
		to, ok2 := clockMinutes(t.To)
		switch {
		case !ok1 || !ok2:
			return &InputError{Field: field, Reason: "from and to must be times of day as HH:MM (24:00 ends the day)"}
		case to <= from:
			return &InputError{Field: field, Reason: "must end after it starts"}
		}
	}
	seen := map[int]bool{}
	for _, d := range r.Weekdays {
		if d < 1 || d > 7 {
			return &InputError{Field: "restrictions.weekdays", Reason: "are 1 (Monday) to 7 (Sunday)"}
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
			return &InputError{Field: fmt.Sprintf("restrictions.offerings[%d]", i), Reason: "must be an id of 1 to 64 characters"}
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
func Evaluate(c voucher.Code, b Booking) (value int64, reason string) {
	switch c.Status() {
	case voucher.Blocked:
		return 0, ReasonBlocked
	case voucher.Prepared:
		return 0, ReasonPrepared
	case voucher.Redeemed:
		return 0, ReasonUsedUp
	}
	r := c.Restrictions
	if len(r.Offerings) > 0 && !slices.Contains(r.Offerings, b.Offering) {
		return 0, ReasonWrongOffering
	}
	if len(r.Dates) > 0 {
		day := b.StartsAt.Format(time.DateOnly)
		if !slices.ContainsFunc(r.Dates, func(d voucher.DateRange) bool { return d.From <= day && day <= d.To }) {
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
		if !slices.ContainsFunc(r.Times, func(t voucher.TimeRange) bool {
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

// NewPromotion describes a promotion to create.
type NewPromotion struct {
	Code         string
	Name         string
	Value        CodeValue
	MaxUses      *int // nil: unlimited
	Prepared     bool // made prepared, released later; default available
	Restrictions voucher.Restrictions
}

func validateName(name *string) error {
	*name = strings.TrimSpace(*name)
	switch {
	case *name == "":
		return &InputError{Field: "name", Reason: "is empty"}
	case len(*name) > hall.MaxNameLen:
		return &InputError{Field: "name", Reason: fmt.Sprintf("is longer than %d characters", hall.MaxNameLen)}
	}
	return nil
}

// CreatePromotion stores a promotion under its memorable code.
func (s *Service) CreatePromotion(ctx context.Context, np NewPromotion, a Actor) (voucher.Code, error) {
	code := NormalizeCode(np.Code)
	switch {
	case len(code) < MinCodeLen || len(code) > MaxCodeLen:
		return voucher.Code{}, &InputError{Field: "code", Reason: fmt.Sprintf("must have %d to %d letters or digits", MinCodeLen, MaxCodeLen)}
	case !validCodeChars(code):
		return voucher.Code{}, &InputError{Field: "code", Reason: "may hold only letters A–Z and digits (spaces and dashes are ignored)"}
	}
	if err := validateName(&np.Name); err != nil {
		return voucher.Code{}, err
	}
	if err := np.Value.validate(); err != nil {
		return voucher.Code{}, err
	}
	if np.MaxUses != nil && (*np.MaxUses < 1 || *np.MaxUses > MaxCodeUses) {
		return voucher.Code{}, &InputError{Field: "max_uses", Reason: fmt.Sprintf("must be from 1 to %d, or null for unlimited", MaxCodeUses)}
	}
	if err := validateRestrictions(&np.Restrictions); err != nil {
		return voucher.Code{}, err
	}
	c := voucher.Code{
		Code: code, Kind: voucher.KindPromotion, Name: np.Name, Percent: np.Value.Percent, Amount: np.Value.Amount,
		Currency: np.Value.Currency, State: voucher.Available, Restrictions: np.Restrictions, CreatedBy: a.Login,
	}
	if np.MaxUses != nil {
		c.MaxUses = *np.MaxUses
	}
	if np.Prepared {
		c.State = voucher.Prepared
	}
	err := s.db.do(ctx, func(ctx context.Context) error { return s.store.CreatePromotion(ctx, c) })
	if errors.Is(err, store.ErrDuplicate) {
		return voucher.Code{}, &InputError{Field: "code", Reason: fmt.Sprintf("%s is taken by another voucher or promotion", code)}
	}
	if err != nil {
		return voucher.Code{}, err
	}
	return s.Code(ctx, code)
}

// NewVoucherBatch describes a batch of vouchers to create.
type NewVoucherBatch struct {
	Name         string
	Prefix       string
	Count        int
	Value        CodeValue
	Prepared     bool
	Restrictions voucher.Restrictions
}

// CreateVoucherBatch makes Count vouchers with random codes, all or none.
func (s *Service) CreateVoucherBatch(ctx context.Context, nb NewVoucherBatch, a Actor) (voucher.Batch, []voucher.Code, error) {
	prefix := NormalizeCode(nb.Prefix)
	switch {
	case len(prefix) > MaxPrefix || !validCodeChars(prefix):
		return voucher.Batch{}, nil, &InputError{Field: "prefix", Reason: fmt.Sprintf("may hold up to %d letters A–Z and digits", MaxPrefix)}
	case nb.Count < 1 || nb.Count > MaxBatch:
		return voucher.Batch{}, nil, &InputError{Field: "count", Reason: fmt.Sprintf("must be from 1 to %d", MaxBatch)}
	}
	if err := validateName(&nb.Name); err != nil {
		return voucher.Batch{}, nil, err
	}
	if err := nb.Value.validate(); err != nil {
		return voucher.Batch{}, nil, err
	}
	if err := validateRestrictions(&nb.Restrictions); err != nil {
		return voucher.Batch{}, nil, err
	}
	state := voucher.Available
	if nb.Prepared {
		state = voucher.Prepared
	}
	b := voucher.Batch{
		Name: nb.Name, Prefix: prefix, Count: nb.Count, Percent: nb.Value.Percent, Amount: nb.Value.Amount,
		Currency: nb.Value.Currency, Restrictions: nb.Restrictions, CreatedBy: a.Login,
	}
	// A clash with an existing code is astronomically unlikely; it would make
	// the store refuse the whole batch, and a fresh draw is the cure.
	for attempt := 1; ; attempt++ {
		b.ID = newID("vb", 10)
		codes := make([]voucher.Code, nb.Count)
		seen := make(map[string]bool, nb.Count)
		for i := range codes {
			c := newVoucherCode(prefix)
			for seen[c] {
				c = newVoucherCode(prefix)
			}
			seen[c] = true
			codes[i] = voucher.Code{Code: c, Kind: voucher.KindVoucher, BatchID: b.ID, Name: b.Name, Percent: b.Percent,
				Amount: b.Amount, Currency: b.Currency, MaxUses: 1, State: state, Restrictions: b.Restrictions, CreatedBy: a.Login}
		}
		err := s.db.doBulk(ctx, func(ctx context.Context) error { return s.store.CreateVoucherBatch(ctx, b, codes) })
		if errors.Is(err, store.ErrDuplicate) && attempt < 3 {
			continue
		}
		if err != nil {
			return voucher.Batch{}, nil, err
		}
		stored, err := s.VoucherBatch(ctx, b.ID)
		return stored, codes, err
	}
}

// VoucherBatch returns a batch.
func (s *Service) VoucherBatch(ctx context.Context, id string) (voucher.Batch, error) {
	var b voucher.Batch
	err := s.db.do(ctx, func(ctx context.Context) (err error) {
		b, err = s.store.GetVoucherBatch(ctx, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return voucher.Batch{}, fmt.Errorf("voucher batch %s: %w", id, ErrCodeNotFound)
	}
	return b, err
}

// VoucherBatches lists the batches, newest first.
func (s *Service) VoucherBatches(ctx context.Context) ([]voucher.Batch, error) {
	var out []voucher.Batch
	err := s.db.do(ctx, func(ctx context.Context) (err error) {
		out, err = s.store.ListVoucherBatches(ctx)
		return err
	})
	return out, err
}

// Codes lists codes (see store.CodeFilter).
func (s *Service) Codes(ctx context.Context, f voucher.Filter) ([]voucher.Code, error) {
	var out []voucher.Code
	err := s.db.doBulk(ctx, func(ctx context.Context) (err error) {
		out, err = s.store.ListCodes(ctx, f)
		return err
	})
	return out, err
}

// Code returns a voucher or promotion.
func (s *Service) Code(ctx context.Context, code string) (voucher.Code, error) {
	code = NormalizeCode(code)
	var c voucher.Code
	if len(code) == 0 || len(code) > MaxCodeLen+MaxPrefix {
		return voucher.Code{}, fmt.Errorf("code %q: %w", code, ErrCodeNotFound)
	}
	err := s.db.do(ctx, func(ctx context.Context) (err error) {
		c, err = s.store.GetCode(ctx, code)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return voucher.Code{}, fmt.Errorf("code %s: %w", code, ErrCodeNotFound)
	}
	return c, err
}

// SetCodeState releases (available), blocks or unblocks (available) a code.
// A block takes effect at once: every order is checked against the stored
// state in the transaction that writes it, also one whose buyer checked the
// code a moment before.
func (s *Service) SetCodeState(ctx context.Context, code, state string) (voucher.Code, error) {
	code = NormalizeCode(code)
	if state != voucher.Available && state != voucher.Blocked {
		return voucher.Code{}, &InputError{Field: "state", Reason: "must be available or blocked"}
	}
	var c voucher.Code
	err := s.db.do(ctx, func(ctx context.Context) (err error) {
		c, err = s.store.SetCodeState(ctx, code, state)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return voucher.Code{}, fmt.Errorf("code %s: %w", code, ErrCodeNotFound)
	case errors.Is(err, store.ErrConflict):
		return voucher.Code{}, fmt.Errorf("%w: %v", ErrCodeState, err)
	}
	return c, err
}

// CodeCheck is the answer to a buyer's check of a code.
type CodeCheck struct {
	Code   string
	Name   string
	Valid  bool
	Value  int64 // minor units, at most the amount checked
	Reason string
}

// CheckCode says whether a code is valid for a booking of amount (minor
// units, before discounts) of a performance, and what it is worth.
func (s *Service) CheckCode(ctx context.Context, code, performanceID string, amount int64) (CodeCheck, error) {
	if amount < 0 || amount > maxBookingAmount {
		return CodeCheck{}, &InputError{Field: "amount", Reason: fmt.Sprintf("must be from 0 to %d minor units", int64(maxBookingAmount))}
	}
	p, err := s.load(ctx, performanceID)
	if err != nil {
		return CodeCheck{}, err
	}
	out := CodeCheck{Code: NormalizeCode(code)}
	c, err := s.Code(ctx, code)
	if errors.Is(err, ErrCodeNotFound) {
		out.Reason = ReasonUnknown
		return out, nil
	}
	if err != nil {
		return CodeCheck{}, err
	}
	out.Name = c.Name
	out.Value, out.Reason = Evaluate(c, s.booking(p, amount, p.currency()))
	out.Valid = out.Reason == ""
	return out, nil
}

// maxBookingAmount bounds amounts checked: more than any booking of MaxHoldSeats
// seats costs.
const maxBookingAmount = 1 << 40

// booking describes a booking of p for Evaluate.
func (s *Service) booking(p *perf, amount int64, currency string) Booking {
	return Booking{Offering: p.id, StartsAt: p.meta.Load().StartsAt.In(s.loc), Amount: amount, Currency: currency}
}

// currency is the currency of p's zones ("" without zones).
func (p *perf) currency() string {
	for _, z := range p.zones() {
		if z.Currency != "" {
			return z.Currency
		}
	}
	return ""
}

// codeReason turns the store's refusal of a code into the buyer's reason.
func codeReason(status string) string {
	switch status {
	case "":
		return ReasonUnknown
	case voucher.Blocked:
		return ReasonBlocked
	case voucher.Prepared:
		return ReasonPrepared
	}
	return ReasonUsedUp
}
