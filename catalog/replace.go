package catalog

import (
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"
)

// Replacing a performance (issue 16, seed 001 §4 "замена"): its name or date
// changes in place, every buyer is told, and until the organizer's deadline
// each may keep the order (attend) or take a full refund.
const (
	JobReplace = "replace"

	ChoiceAttend = "attend"
	ChoiceRefund = "refund"
)

// Replacement is one change of a performance's name or date: what it was,
// what it is, and until when buyers choose. A zero RefundDeadline offers no
// choice (a change of name alone may be told without one).
type Replacement struct {
	ID             string
	PerformanceID  string
	OldName        string
	NewName        string
	OldStartsAt    time.Time
	NewStartsAt    time.Time
	RefundDeadline time.Time
	CreatedBy      string
	CreatedAt      time.Time
}

// Offers reports whether buyers of r may still choose at now.
func (r Replacement) Offers(now time.Time) bool {
	return !r.RefundDeadline.IsZero() && now.Before(r.RefundDeadline)
}

// ReplacementChoice is what one order's buyer was told and chose; Choice is
// "" while undecided. NotifiedAt is zero until the e-mail is queued.
type ReplacementChoice struct {
	ReplacementID string
	OrderID       string
	Choice        string
	NotifiedAt    time.Time
	ChosenAt      time.Time
}

// ReplacementCounts is how many buyers of a replacement were told and how
// many chose what.
type ReplacementCounts struct {
	Notified int
	Attend   int
	Refund   int
}

// PerformanceETag is the entity tag of what a PATCH of a performance changes
// (its name and start): a strong tag, equal for equal values. Times count to
// the microsecond, as both stores keep them.
func PerformanceETag(p Performance) string {
	h := sha256.New()
	h.Write([]byte(p.ID))
	h.Write([]byte{0})
	h.Write([]byte(p.Name))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(p.StartsAt.UnixMicro(), 10)))
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12]) + `"`
}
