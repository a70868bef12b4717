package pass_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/pass"
)

func TestNormalizeHolder(t *testing.T) {
	t.Parallel()
	today := pass.Date{Year: 2027, Month: 3, Day: 10}
	born := pass.Date{Year: 1990, Month: 5, Day: 17}
	for _, tc := range []struct {
		name  string
		h     pass.Holder
		field string // "" when good
	}{
		{"good", pass.Holder{Name: "  Ada Lovelace ", BirthDate: born}, ""},
		{"born today", pass.Holder{Name: "Ada", BirthDate: today}, ""},
		{"born 1900-01-01", pass.Holder{Name: "Ada", BirthDate: pass.Date{Year: 1900, Month: 1, Day: 1}}, ""},
		{"200 characters", pass.Holder{Name: strings.Repeat("ä", 200), BirthDate: born}, ""},
		{"empty name", pass.Holder{Name: " ", BirthDate: born}, "holder.name"},
		{"201 characters", pass.Holder{Name: strings.Repeat("ä", 201), BirthDate: born}, "holder.name"},
		{"control character", pass.Holder{Name: "Ada\nLovelace", BirthDate: born}, "holder.name"},
		{"not UTF-8", pass.Holder{Name: "Ada\xff", BirthDate: born}, "holder.name"},
		{"no birth date", pass.Holder{Name: "Ada"}, "holder.birth_date"},
		{"tomorrow", pass.Holder{Name: "Ada", BirthDate: today.AddDays(1)}, "holder.birth_date"},
		{"1899-12-31", pass.Holder{Name: "Ada", BirthDate: pass.Date{Year: 1899, Month: 12, Day: 31}}, "holder.birth_date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := pass.NormalizeHolder(tc.h, today)
			if tc.field == "" {
				require.NoError(t, err)
				require.Equal(t, strings.TrimSpace(tc.h.Name), got.Name)
				require.Equal(t, tc.h.BirthDate, got.BirthDate)
				return
			}
			var in *input.Error
			require.True(t, errors.As(err, &in), "%v", err)
			require.Equal(t, tc.field, in.Field)
		})
	}
}

func TestCanPersonalize(t *testing.T) {
	t.Parallel()
	for _, s := range pass.States {
		want := s == pass.StateAwaitingPersonalization || s == pass.StatePersonalized
		require.Equal(t, want, pass.CanPersonalize(s), s)
	}
}
