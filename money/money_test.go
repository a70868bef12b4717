package money

import (
	"slices"
	"testing"
)

func TestMoney(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		minor    int64
		currency string
		want     string
	}{
		{"zero", 0, "EUR", "0.00 EUR"},
		{"cents", 5, "EUR", "0.05 EUR"},
		{"ten cents", 50, "EUR", "0.50 EUR"},
		{"euros and cents", 1050, "EUR", "10.50 EUR"},
		{"more euros", 12050, "EUR", "120.50 EUR"},
		{"negative", -311, "EUR", "-3.11 EUR"},
		{"large", 100_000_00, "EUR", "100000.00 EUR"},
		{"yen have no minor unit", 1000, "JPY", "1000 JPY"},
		{"one yen", 1, "JPY", "1 JPY"},
		{"won", 50000, "KRW", "50000 KRW"},
		{"dinar has three decimals", 1250, "BHD", "1.250 BHD"},
		{"fils", 7, "KWD", "0.007 KWD"},
		{"negative dinar", -1005, "KWD", "-1.005 KWD"},
		{"four decimals", 12345, "CLF", "1.2345 CLF"},
		{"forint has two", 150000, "HUF", "1500.00 HUF"},
		{"unknown code: two decimals", 1050, "XYZ", "10.50 XYZ"},
		{"no code", 1050, "", "10.50 "},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := Format(c.minor, c.currency); got != c.want {
				t.Errorf("Format(%d, %q) = %q, want %q", c.minor, c.currency, got, c.want)
			}
		})
	}
}

func TestDecimal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{5000, "EUR", "50.00"}, {1000, "JPY", "1000"}, {1250, "BHD", "1.250"}, {1, "XYZ", "0.01"},
	} {
		if got := Decimal(c.minor, c.currency); got != c.want {
			t.Errorf("Decimal(%d, %q) = %q, want %q", c.minor, c.currency, got, c.want)
		}
	}
}

func TestCurrencies(t *testing.T) {
	t.Parallel()
	list := Currencies()
	if len(list) < 150 {
		t.Fatalf("%d currencies: ISO 4217 has some 180 current ones", len(list))
	}
	if !slices.IsSortedFunc(list, func(a, b Currency) int { return compareCode(a.Code, b.Code) }) {
		t.Error("not sorted by code, or a code twice")
	}
	want := map[string]int{"EUR": 2, "USD": 2, "JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "CLF": 4, "HUF": 2}
	for _, c := range list {
		if d, ok := want[c.Code]; ok {
			if c.Decimals != d {
				t.Errorf("%s has %d decimals, want %d", c.Code, c.Decimals, d)
			}
			delete(want, c.Code)
		}
		if c.Decimals != Digits(c.Code) {
			t.Errorf("%s: %d decimals listed, Digits says %d", c.Code, c.Decimals, Digits(c.Code))
		}
	}
	if len(want) > 0 {
		t.Errorf("missing: %v", want)
	}
}

// compareCode orders codes strictly: a code twice is out of order.
func compareCode(a, b string) int {
	if a < b {
		return -1
	}
	return 1
}

func BenchmarkFormat(b *testing.B) {
	for b.Loop() {
		_ = Format(12050, "EUR")
	}
}
