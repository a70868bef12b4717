package order

import (
	"crypto/subtle"
	"strings"

	"github.com/seatmap/seatmap/internal/ids"
)

// TicketCodeLen is how many symbols of ids.Alphabet a ticket code has: 28
// symbols of 29 are 136 bits from crypto/rand, more than the 128 a code
// must have to be unguessable. The alphabet is upper-case letters and digits
// without look-alikes, so a person can read a code out and a QR code holds it
// in its compact alphanumeric mode.
const TicketCodeLen = 28

// NewTicketCode draws a ticket code.
func NewTicketCode() string {
	return string(ids.AppendSymbols(make([]byte, 0, TicketCodeLen), TicketCodeLen))
}

// NewTicketID draws a ticket's public id.
func NewTicketID() string { return ids.New("t", 10) }

// NewPassID draws a pass's public id.
func NewPassID() string { return ids.New("ps", 10) }

// NewPersonalizeToken draws an order's personalization token: 160 bits,
// URL-safe.
func NewPersonalizeToken() string { return ids.New("", 20) }

// NewAccessKey draws an order's access key: 160 bits, URL-safe.
func NewAccessKey() string { return ids.New("", 20) }

// Issue gives o an access key and each of its tickets and passes an id and a
// code, where they have none yet; passes that need a holder share one
// personalization token (the order's link to personalize them). An order is stored issued: its tickets are written
// with their codes in the order's own transaction. A reservation's codes are
// drawn with it but shown to nobody until it is paid (see CodesShown).
func Issue(o *Order) {
	if o.AccessKey == "" {
		o.AccessKey = NewAccessKey()
	}
	for i := range o.Tickets {
		t := &o.Tickets[i]
		if t.ID == "" {
			t.ID = NewTicketID()
		}
		if t.Code == "" {
			t.Code = NewTicketCode()
		}
	}
	token := ""
	for _, p := range o.Passes {
		if p.PersonalizeToken != "" {
			token = p.PersonalizeToken
		}
	}
	for i := range o.Passes {
		p := &o.Passes[i]
		if p.ID == "" {
			p.ID = NewPassID()
		}
		if p.Code == "" {
			p.Code = NewTicketCode()
		}
		if p.Personalize && p.PersonalizeToken == "" {
			if token == "" {
				token = NewPersonalizeToken()
			}
			p.PersonalizeToken = token
		}
		p.OrderID = o.ID
	}
}

// PersonalizeToken is the token that opens o's passes for personalization,
// empty when none needs it.
func PersonalizeToken(o Order) string {
	for _, p := range o.Passes {
		if p.Personalize && p.PersonalizeToken != "" {
			return p.PersonalizeToken
		}
	}
	return ""
}

// CodesShown reports whether o's ticket codes may be shown: once it is paid,
// also after refunds (a refunded ticket's code is void, the others stand).
// A reservation's, or an ended one's, are not.
func CodesShown(o Order) bool {
	switch o.Status {
	case Paid, PartRefunded, Refunded:
		return true
	}
	return false
}

// Opens reports whether key is o's access key, in constant time.
func Opens(o Order, key string) bool {
	return o.AccessKey != "" && subtle.ConstantTimeCompare([]byte(o.AccessKey), []byte(key)) == 1
}

// FormatTicketCode groups a code by four for people to read: "ABCD EFGH …".
func FormatTicketCode(code string) string {
	var b strings.Builder
	for i, r := range code {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
