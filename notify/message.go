package notify

import (
	"bytes"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seatmap/seatmap/outbox"
)

// messageIDDomain is the right-hand side of every Message-ID.
const messageIDDomain = "seatmap"

// MessageID is the Message-ID header of the outbox message with this id,
// angle brackets included: the same on every attempt, so that a repeat can be
// recognised.
func MessageID(id string) string { return "<" + id + "@" + messageIDDomain + ">" }

// validID reports whether an outbox id can stand in a Message-ID and a file
// name as it is: letters, digits, '-', '_' and single dots inside.
func validID(id string) bool {
	if id == "" || len(id) > 200 || id[0] == '.' || id[len(id)-1] == '.' || strings.Contains(id, "..") {
		return false
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// envelope is a composed message and the addresses to send it between.
type envelope struct {
	from, to string // bare addresses for MAIL FROM and RCPT TO
	data     []byte // the RFC 5322 message, CRLF line ends
}

// compose renders m as a plain-text RFC 5322 message from from. The result
// depends on m and from only (Date is m.CreatedAt), so every attempt sends
// the same bytes. Header values from m cannot add headers: the subject is
// encoded when it holds anything but printable ASCII, addresses are parsed
// and written back by net/mail.
func compose(from *mail.Address, m outbox.Message) (envelope, error) {
	if !validID(m.ID) {
		return envelope{}, fmt.Errorf("message id %q: want letters, digits, '-', '_' or inner dots", m.ID)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return envelope{}, fmt.Errorf("message %s: recipient %q: %w", m.ID, m.To, err)
	}
	if from == nil || from.Address == "" {
		return envelope{}, errors.New("no sender address")
	}
	date := m.CreatedAt
	if date.IsZero() {
		date = time.Now()
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("Date", date.UTC().Format(time.RFC1123Z))
	header("From", from.String())
	header("To", to.String())
	header("Subject", encodeHeader(m.Subject))
	header("Message-ID", MessageID(m.ID))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// RFC 3834: no vacation replies to a ticket confirmation.
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\r", "\n")
	if _, err := qp.Write([]byte(body)); err != nil {
		return envelope{}, err
	}
	if err := qp.Close(); err != nil {
		return envelope{}, err
	}
	if body != "" && !strings.HasSuffix(body, "\n") {
		b.WriteString("\r\n") // the last line ends like the others
	}
	return envelope{from: from.Address, to: to.Address, data: b.Bytes()}, nil
}

// encodeHeader returns s as a header value that reads back as s. Short
// printable ASCII stays as it is; anything else (non-ASCII, line breaks,
// what a reader would take for an encoded word or trim) becomes RFC 2047
// Q-encoded words of at most 75 characters on folded lines.
func encodeHeader(s string) string {
	plain := len(s) <= 60 && !strings.Contains(s, "=?") && strings.TrimSpace(s) == s && !strings.Contains(s, "  ")
	for i := 0; plain && i < len(s); i++ {
		plain = s[i] >= ' ' && s[i] <= '~'
	}
	if plain {
		return s
	}
	const open, end, maxWord = "=?utf-8?q?", "?=", 75
	var b, word strings.Builder
	flush := func() {
		if b.Len() > 0 {
			b.WriteString("\r\n ")
		}
		b.WriteString(open + word.String() + end)
		word.Reset()
	}
	for _, r := range s {
		var enc string
		switch {
		case r == ' ':
			enc = "_"
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!*+-/", r)):
			enc = string(r)
		default:
			// A rune's bytes stay in one word: decoders join words, not
			// halves of characters.
			var buf [utf8.UTFMax]byte
			for _, c := range buf[:utf8.EncodeRune(buf[:], r)] {
				enc += fmt.Sprintf("=%02X", c)
			}
		}
		if len(open)+word.Len()+len(enc)+len(end) > maxWord {
			flush()
		}
		word.WriteString(enc)
	}
	if word.Len() > 0 || b.Len() == 0 {
		flush()
	}
	return b.String()
}

// parseFrom reads a From setting: "tickets@example.com" or
// "Stadttheater <tickets@example.com>".
func parseFrom(s string) (*mail.Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("sender address %q: %w", s, err)
	}
	return a, nil
}
