package stripe

import (
	"fmt"
	"math"
	"strings"

	"github.com/seatmap/seatmap/money"
)

// Stripe's amounts are integers in "the currency's smallest unit" as Stripe
// defines it, which is not always ISO 4217's (money.Digits, from CLDR). From
// Stripe's "Supported currencies" page (docs.stripe.com/currencies):
//
//   - zero-decimal currencies: the amount is in whole units (stripeZero);
//   - three-decimal currencies: thousandths, and the last digit must be 0
//     (stripeThree);
//   - every other currency is two-decimal in the API, including those CLDR
//     gives no decimals: ISK ("effectively zero-decimal", but still sent with
//     two decimals that must be 00: 5 ISK is 500), IDR, COP, LAK and others.
//   - HUF and TWD are two-decimal for charges (Stripe treats them as
//     zero-decimal only for payouts, which seatd does not make), as in CLDR.
//   - UGX is on Stripe's zero-decimal list, as in CLDR.
//
// These lists are Stripe's rules, not ISO's, so they are written here by
// hand. Where Stripe has more decimals than seatd (ISK, IDR, COP…), an amount
// is multiplied; where it has fewer, or wants a trailing zero (three-decimal
// currencies), an amount that does not fit exactly is refused with an error
// rather than rounded: rounding would charge the buyer a price seatd did not
// show.
var (
	stripeZero = set("BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG",
		"RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF")
	stripeThree = set("BHD", "JOD", "KWD", "OMR", "TND")
)

func set(codes ...string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// stripeDigits is how many decimals Stripe's API counts in a currency.
func stripeDigits(code string) int {
	switch code = strings.ToUpper(code); {
	case stripeZero[code]:
		return 0
	case stripeThree[code]:
		return 3
	}
	return 2
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// toStripe converts seatd's minor units (money.Digits) into Stripe's.
func toStripe(minor int64, currency string) (int64, error) {
	code := strings.ToUpper(currency)
	sd, md := stripeDigits(code), money.Digits(code)
	var out int64
	switch {
	case sd >= md:
		f := pow10(sd - md)
		if minor > math.MaxInt64/f || minor < math.MinInt64/f {
			return 0, fmt.Errorf("amount %s is too large for Stripe", money.Format(minor, code))
		}
		out = minor * f
	default:
		f := pow10(md - sd)
		if minor%f != 0 {
			return 0, fmt.Errorf("amount %s cannot be charged through Stripe: Stripe counts %s in %d decimals",
				money.Format(minor, code), code, sd)
		}
		out = minor / f
	}
	if sd == 3 && out%10 != 0 {
		return 0, fmt.Errorf("amount %s cannot be charged through Stripe: Stripe takes %s amounts only in whole hundredths (last of 3 decimals 0)",
			money.Format(minor, code), code)
	}
	return out, nil
}

// fromStripe converts Stripe's minor units back into seatd's.
func fromStripe(amount int64, currency string) (int64, error) {
	code := strings.ToUpper(currency)
	sd, md := stripeDigits(code), money.Digits(code)
	if sd >= md {
		f := pow10(sd - md)
		if amount%f != 0 {
			return 0, fmt.Errorf("amount %d %s from Stripe has a fraction seatd does not count (%d decimals)", amount, code, md)
		}
		return amount / f, nil
	}
	f := pow10(md - sd)
	if amount > math.MaxInt64/f || amount < math.MinInt64/f {
		return 0, fmt.Errorf("amount %d %s from Stripe is too large", amount, code)
	}
	return amount * f, nil
}
