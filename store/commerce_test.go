package store

import "testing"

func TestMoney(t *testing.T) {
	for minor, want := range map[int64]string{
		0: "0.00 EUR", 5: "0.05 EUR", 50: "0.50 EUR", 12050: "120.50 EUR", -311: "-3.11 EUR", 100_000_00: "100000.00 EUR",
	} {
		if got := Money(minor, "EUR"); got != want {
			t.Errorf("Money(%d) = %q, want %q", minor, got, want)
		}
	}
}
