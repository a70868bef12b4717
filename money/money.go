// Package money knows amounts: integer minor units of a currency, each
// currency with its own number of decimals (ISO 4217 as golang.org/x/text
// knows it, never a table by hand), and how to write them for people. It
// imports nothing of seatmap.
package money

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/currency"
)

// Digits is how many decimals an amount in a currency has, the digits
// of its minor unit as golang.org/x/text/currency knows them (ISO 4217 as
// CLDR gives it): 2 for EUR, 0 for JPY, 3 for BHD. Minor units are what every
// amount in the API and the stores counts. A code the library does not know
// gets 2, as Intl.NumberFormat gives it.
func Digits(code string) int {
	u, err := currency.ParseISO(code)
	if err != nil {
		return 2
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale
}

// Currency is a currency code and the decimals of its amounts.
type Currency struct {
	Code     string
	Decimals int
}

// Currencies lists every currency Digits knows, current and historical,
// by code: the browser app formats and parses amounts by it, so that both
// ends count minor units alike (browsers' own data differs for a few, such as
// HUF and MNT).
func Currencies() []Currency { return slices.Clone(currencies()) }

var currencies = sync.OnceValue(func() []Currency {
	var out []Currency
	for it := currency.Query(currency.Historical, currency.NonTender); it.Next(); {
		scale, _ := currency.Standard.Rounding(it.Unit())
		out = append(out, Currency{Code: it.Unit().String(), Decimals: scale})
	}
	slices.SortFunc(out, func(a, b Currency) int { return strings.Compare(a.Code, b.Code) })
	return slices.CompactFunc(out, func(a, b Currency) bool { return a.Code == b.Code })
})

// Decimal formats minor units as a number in the currency's major unit with
// its own decimals: "120.50" for EUR, "1000" for JPY, "1.250" for BHD.
func Decimal(minor int64, currency string) string {
	return string(appendDecimal(make([]byte, 0, 24), minor, Digits(currency)))
}

// Format formats minor units for people: "120.50 EUR", "1000 JPY".
func Format(minor int64, currency string) string {
	// By hand, not fmt: every order's history entry and e-mail call it.
	b := appendDecimal(make([]byte, 0, 24), minor, Digits(currency))
	return string(append(append(b, ' '), currency...))
}

func appendDecimal(b []byte, minor int64, digits int) []byte {
	if minor < 0 {
		b, minor = append(b, '-'), -minor
	}
	unit := int64(1)
	for range digits {
		unit *= 10
	}
	b = strconv.AppendInt(b, minor/unit, 10)
	if digits == 0 {
		return b
	}
	// unit+fraction has a leading 1 and then the fraction's digits, zeros kept.
	var frac [20]byte
	return append(append(b, '.'), strconv.AppendInt(frac[:0], unit+minor%unit, 10)[1:]...)
}

// Known says code is a currency Digits knows (ISO 4217, current or
// historical), in upper case.
func Known(code string) bool {
	_, ok := slices.BinarySearchFunc(currencies(), code, func(c Currency, code string) int { return strings.Compare(c.Code, code) })
	return ok
}
