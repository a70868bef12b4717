package stripe

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/money"
)

func TestAmountsConvertToStripesUnits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		currency string
		seatd    int64 // minor units in money.Digits
		stripe   int64 // what Stripe's API takes
	}{
		{"EUR", 12050, 12050},   // two decimals both ways
		{"eur", 12050, 12050},   // any case
		{"JPY", 5000, 5000},     // zero-decimal both ways
		{"KRW", 15000, 15000},   //
		{"UGX", 5000, 5000},     // on Stripe's zero-decimal list, as in CLDR
		{"HUF", 100050, 100050}, // two decimals for charges, as in CLDR
		{"TWD", 39900, 39900},   //
		{"ISK", 5, 500},         // CLDR 0 decimals; Stripe 2, always 00
		{"IDR", 15000, 1500000}, // CLDR 0; Stripe 2
		{"BHD", 1250, 1250},     // three decimals, last one 0
	}
	for _, c := range cases {
		got, err := toStripe(c.seatd, c.currency)
		require.NoError(t, err, c.currency)
		assert.Equal(t, c.stripe, got, c.currency)
		back, err := fromStripe(got, c.currency)
		require.NoError(t, err, c.currency)
		assert.Equal(t, c.seatd, back, c.currency)
	}
}

func TestAmountsStripeCannotTakeAreRefused(t *testing.T) {
	t.Parallel()
	_, err := toStripe(1255, "BHD") // 1.255 BHD: Stripe wants the last digit 0
	assert.ErrorContains(t, err, "BHD")
	_, err = toStripe(1<<62, "ISK") // overflows once multiplied by 100
	assert.Error(t, err)
	_, err = fromStripe(501, "ISK") // 5.01 ISK: seatd counts whole krónur
	assert.Error(t, err)
}

// Stripe's zero-decimal currencies are zero-decimal in CLDR too, so only
// currencies with fewer decimals in CLDR than in Stripe are converted (by
// multiplying, never by rounding). Should CLDR change, this says where.
func TestStripesZeroDecimalCurrenciesHaveNoDecimalsInSeatd(t *testing.T) {
	t.Parallel()
	for code := range stripeZero {
		assert.Equal(t, 0, money.Digits(code), code)
	}
	for code := range stripeThree {
		assert.Equal(t, 3, money.Digits(code), code)
	}
}
