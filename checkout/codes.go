package checkout

import (
	"context"
	"errors"
	"fmt"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/voucher"
)

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
		return CodeCheck{}, &input.Error{Field: "amount", Reason: fmt.Sprintf("must be from 0 to %d minor units", int64(maxBookingAmount))}
	}
	p, err := s.seats.Performance(ctx, performanceID)
	if err != nil {
		return CodeCheck{}, err
	}
	out := CodeCheck{Code: voucher.Normalize(code)}
	c, err := s.codes.Code(ctx, code)
	if errors.Is(err, voucher.ErrNotFound) {
		out.Reason = voucher.ReasonUnknown
		return out, nil
	}
	if err != nil {
		return CodeCheck{}, err
	}
	out.Name = c.Name
	out.Value, out.Reason = voucher.Evaluate(c, s.booking(p, amount, p.Currency()))
	out.Valid = out.Reason == ""
	return out, nil
}

// maxBookingAmount bounds amounts checked: more than any booking of MaxHoldSeats
// seats costs.
const maxBookingAmount = 1 << 40

// booking describes a booking of p for Evaluate.
func (s *Service) booking(p *seating.Perf, amount int64, currency string) voucher.Booking {
	return voucher.Booking{Offering: p.ID(), StartsAt: p.Meta().StartsAt.In(s.loc), Amount: amount, Currency: currency}
}

// applyCode prices a voucher or promotion into o (p is nil for an order of
// products alone; see codeValue for which lines a code takes off). The code is checked here
// against the booking for its reasons; the store checks its state and counts
// its use in the transaction that writes the order, so a code blocked or used
// up since is refused there.
func (s *Service) applyCode(ctx context.Context, p *seating.Perf, o *order.Order, code string) error {
	c, err := s.codes.Code(ctx, code)
	if errors.Is(err, voucher.ErrNotFound) {
		return &voucher.InvalidError{Code: voucher.Normalize(code), Reason: voucher.ReasonUnknown}
	}
	if err != nil {
		return err
	}
	value, reason := s.codeValue(c, p, *o)
	if reason != "" {
		return &voucher.InvalidError{Code: c.Code, Reason: reason}
	}
	o.VoucherCode, o.Discount, o.Total = c.Code, value, o.Total-value
	return nil
}
