package notify

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/outbox"
)

var testFrom = &mail.Address{Name: "Stadttheater Zürich", Address: "tickets@example.com"}

func testMessage() outbox.Message {
	return outbox.Message{
		ID: "msg-7f3k", OrderID: "o1", Kind: outbox.KindConfirmation, To: "Ada Lovelace <ada@example.com>",
		Subject:   "Ihre Karten für Die Zauberflöte",
		Body:      "Guten Tag,\n\nReihe 3, Platz 12 – 50,00 €.\n" + strings.Repeat("long line ", 20) + "\n.\nA line with a dot above.\n",
		CreatedAt: time.Date(2031, 3, 1, 18, 4, 5, 0, time.FixedZone("CET", 3600)),
	}
}

// readMail parses a composed message the way a receiving program would and
// returns its headers and its decoded body.
func readMail(t *testing.T, data []byte) (mail.Header, string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, "quoted-printable", msg.Header.Get("Content-Transfer-Encoding"))
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	require.NoError(t, err)
	return msg.Header, string(body)
}

// requireHeaders checks the headers every message carries.
func requireHeaders(t *testing.T, h mail.Header, m outbox.Message, from *mail.Address) {
	t.Helper()
	date, err := h.Date()
	require.NoError(t, err)
	require.True(t, m.CreatedAt.Truncate(time.Second).Equal(date), "Date is when the message was queued: %v, got %v", m.CreatedAt, date)
	f, err := h.AddressList("From")
	require.NoError(t, err)
	require.Equal(t, []*mail.Address{from}, f)
	to, err := h.AddressList("To")
	require.NoError(t, err)
	want, err := mail.ParseAddress(m.To)
	require.NoError(t, err)
	require.Equal(t, []*mail.Address{want}, to)
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	require.NoError(t, err)
	require.Equal(t, m.Subject, subject)
	require.Equal(t, "<"+m.ID+"@seatmap>", h.Get("Message-ID"))
	require.Equal(t, "1.0", h.Get("MIME-Version"))
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "text/plain", mt)
	require.Equal(t, "utf-8", params["charset"])
	require.Equal(t, "auto-generated", h.Get("Auto-Submitted"))
}

// crlf is body as it travels: CRLF line ends.
func crlf(body string) string { return strings.ReplaceAll(body, "\n", "\r\n") }

func TestCompose(t *testing.T) {
	t.Parallel()
	m := testMessage()
	env, err := compose(testFrom, m)
	require.NoError(t, err)
	require.Equal(t, "tickets@example.com", env.from)
	require.Equal(t, "ada@example.com", env.to)
	h, body := readMail(t, env.data)
	requireHeaders(t, h, m, testFrom)
	require.Equal(t, crlf(m.Body), body)
	require.True(t, strings.HasPrefix(h.Get("Subject"), "=?utf-8?q?"), "non-ASCII subjects are encoded: %q", h.Get("Subject"))
	for line := range strings.SplitSeq(string(env.data), "\r\n") {
		require.LessOrEqual(t, len(line), 78, "line %q", line)
		require.NotContains(t, line, "\n", "bare LF")
	}

	again, err := compose(testFrom, m)
	require.NoError(t, err)
	require.Equal(t, env.data, again.data, "every attempt sends the same bytes")
}

func TestComposePlainSubjectStaysReadable(t *testing.T) {
	t.Parallel()
	m := testMessage()
	m.Subject = "Your tickets"
	env, err := compose(testFrom, m)
	require.NoError(t, err)
	require.Contains(t, string(env.data), "\r\nSubject: Your tickets\r\n")
}

func TestComposeRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		edit func(m *outbox.Message)
	}{
		{"path in the id", func(m *outbox.Message) { m.ID = "../../etc/passwd" }},
		{"header in the id", func(m *outbox.Message) { m.ID = "x>\r\nBcc: <y" }},
		{"empty id", func(m *outbox.Message) { m.ID = "" }},
		{"at sign in the id", func(m *outbox.Message) { m.ID = "a@b" }},
		{"no recipient", func(m *outbox.Message) { m.To = "" }},
		{"header in the recipient", func(m *outbox.Message) { m.To = "ada@example.com\r\nBcc: eve@example.com" }},
		{"two recipients", func(m *outbox.Message) { m.To = "ada@example.com, eve@example.com" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := testMessage()
			c.edit(&m)
			_, err := compose(testFrom, m)
			require.Error(t, err)
		})
	}
}

// FuzzCompose: whatever the subject and body (they hold buyers' names),
// the message parses, has exactly our headers, and gives both back.
func FuzzCompose(f *testing.F) {
	f.Add("Ihre Karten", "Hallo\n")
	f.Fuzz(func(t *testing.T, subject, body string) {
		if !utf8.ValidString(subject) || !utf8.ValidString(body) {
			t.Skip("the stores keep text")
		}
		m := testMessage()
		m.Subject, m.Body = subject, body
		env, err := compose(testFrom, m)
		require.NoError(t, err)
		msg, err := mail.ReadMessage(bytes.NewReader(env.data))
		require.NoError(t, err)
		require.Len(t, msg.Header, 9, "no header added: %v", msg.Header)
		got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		require.NoError(t, err)
		require.Equal(t, subject, got)
		decoded, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		require.NoError(t, err)
		norm := strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
		want := crlf(norm)
		if want != "" && !strings.HasSuffix(want, "\r\n") {
			// compose ends the last line; the reader gives the line end back.
			want += "\r\n"
		}
		require.Equal(t, want, string(decoded))
	})
}
