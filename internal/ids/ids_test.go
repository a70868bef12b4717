package ids

import (
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	a, b := New("o", 15), New("o", 15)
	if !strings.HasPrefix(a, "o") || len(a) != 1+24 || a == b {
		t.Fatalf("New gave %q and %q", a, b)
	}
}

// TestAppendSymbolsUniform draws many symbols: only the alphabet's, and each
// about as often as the others (no modulo bias).
func TestAppendSymbolsUniform(t *testing.T) {
	const perSymbol = 10_000
	b := AppendSymbols([]byte("GIFT"), perSymbol*len(Alphabet))
	if string(b[:4]) != "GIFT" {
		t.Fatal("the prefix is kept")
	}
	counts := map[byte]int{}
	for _, c := range b[4:] {
		if strings.IndexByte(Alphabet, c) < 0 {
			t.Fatalf("%q is not in the alphabet", c)
		}
		counts[c]++
	}
	for c, n := range counts {
		// Binomial with p = 1/29: the standard deviation is about 98; six of
		// them is a bias, not chance.
		if n < perSymbol-600 || n > perSymbol+600 {
			t.Errorf("%q drawn %d times, want about %d", c, n, perSymbol)
		}
	}
	if len(counts) != len(Alphabet) {
		t.Errorf("%d symbols drawn, want %d", len(counts), len(Alphabet))
	}
}
