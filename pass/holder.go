package pass

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/seatmap/seatmap/input"
)

// MaxHolderName bounds a holder's name, in characters.
const MaxHolderName = 200

// earliestBirth is the first birth date a holder may have.
var earliestBirth = Date{1900, 1, 1}

// Editable lists the states in which a pass takes a holder: before it is
// printed. Once printed, a pass refuses edits.
var Editable = []string{StateAwaitingPersonalization, StatePersonalized}

// CanPersonalize says a pass in state s takes a holder.
func CanPersonalize(s string) bool { return slices.Contains(Editable, s) }

// NormalizeHolder checks a holder given on the day today (the venue's) and
// returns it with the name trimmed: a name of 1..200 characters without
// control characters, a real birth date from 1900 and not in the future.
// Bad input is an *input.Error naming the field.
func NormalizeHolder(h Holder, today Date) (Holder, error) {
	h.Name = strings.TrimSpace(h.Name)
	switch n := utf8.RuneCountInString(h.Name); {
	case !utf8.ValidString(h.Name):
		return Holder{}, &input.Error{Field: "holder.name", Reason: "is not UTF-8 text"}
	case n == 0:
		return Holder{}, &input.Error{Field: "holder.name", Reason: "is empty"}
	case n > MaxHolderName:
		return Holder{}, &input.Error{Field: "holder.name", Reason: fmt.Sprintf("is longer than %d characters", MaxHolderName)}
	}
	if strings.ContainsFunc(h.Name, unicode.IsControl) {
		return Holder{}, &input.Error{Field: "holder.name", Reason: "contains control characters"}
	}
	switch d := h.BirthDate; {
	case d.IsZero():
		return Holder{}, &input.Error{Field: "holder.birth_date", Reason: "is missing"}
	case d.Compare(earliestBirth) < 0:
		return Holder{}, &input.Error{Field: "holder.birth_date", Reason: "is before 1900"}
	case d.Compare(today) > 0:
		return Holder{}, &input.Error{Field: "holder.birth_date", Reason: "is in the future"}
	}
	return h, nil
}
