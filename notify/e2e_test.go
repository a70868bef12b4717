package notify

import (
	"context"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/store/backend"
	"github.com/seatmap/seatmap/store/postgres"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
	"github.com/seatmap/seatmap/store/sqlite"
)

// database opens stores on one database; every store opened by one database
// shares it, as the nodes of one deployment do.
type database struct {
	name string
	new  func(t *testing.T) func(t *testing.T) backend.Store
}

var backends = []database{
	{"sqlite", func(t *testing.T) func(t *testing.T) backend.Store {
		path := filepath.Join(t.TempDir(), "seatmap.db")
		return func(t *testing.T) backend.Store {
			s, err := sqlite.Open(context.Background(), path)
			require.NoError(t, err)
			t.Cleanup(s.Close)
			return s
		}
	}},
	{"postgres", func(t *testing.T) func(t *testing.T) backend.Store {
		dsn := pgtest.Schema(t, "")
		return func(t *testing.T) backend.Store {
			s, err := postgres.Open(context.Background(), dsn)
			require.NoError(t, err)
			t.Cleanup(s.Close)
			return s
		}
	}},
}

// countingOutbox counts claims, so a test can wait for the dispatcher to
// have looked at the outbox again.
type countingOutbox struct {
	Outbox
	claims atomic.Int64
}

func (c *countingOutbox) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outbox.Message, error) {
	c.claims.Add(1)
	return c.Outbox.ClaimOutbox(ctx, now, lease, limit)
}

func (c *countingOutbox) morePolls(t *testing.T, n int64) {
	t.Helper()
	target := c.claims.Load() + n
	testkit.Eventually(t, 10*time.Second, "more claims", func() bool { return c.claims.Load() >= target })
}

type senderFunc func(ctx context.Context, m outbox.Message) error

func (f senderFunc) Send(ctx context.Context, m outbox.Message) error { return f(ctx, m) }

// orders places n paid orders, each with its confirmation for the outbox,
// the way the sales service does, and returns the messages.
func orders(t *testing.T, s backend.Store, n int) []outbox.Message {
	t.Helper()
	ctx := context.Background()
	suffix := fmt.Sprint(time.Now().UnixNano())
	h := catalog.Hall{ID: "h" + suffix, Name: "Hall", Layout: []byte(`{"name":"Hall","sections":[]}`), Seats: 100}
	require.NoError(t, s.CreateHall(ctx, h))
	zones := []hall.Zone{{ID: "a", Name: "A", Price: 5000, Currency: "EUR", Color: "#aa0000"}}
	p := catalog.Performance{ID: "p" + suffix, HallID: h.ID, Name: "Die Zauberflöte", StartsAt: time.Now().Add(24 * time.Hour),
		Status: catalog.OnSale, Zones: zones, SeatZones: make([]uint16, h.Seats)}
	require.NoError(t, s.CreatePerformance(ctx, p))
	out := make([]outbox.Message, n)
	for i := range n {
		id := fmt.Sprintf("o%s-%d", suffix, i)
		o := order.Order{
			ID: id, Number: fmt.Sprintf("N%s-%d", suffix, i), PerformanceID: p.ID, Status: order.Paid,
			BuyerName: "Ada", BuyerEmail: fmt.Sprintf("ada+%d@example.com", i), Session: "s", HoldToken: "t" + id,
			Currency: "EUR", PaymentMethod: "online", Total: 5000,
			Tickets: []order.Ticket{{Seat: uint32(i), SeatID: fmt.Sprint("S", i), Zone: "a", Price: 5000, Status: order.TicketLive}},
		}
		m := outbox.Message{ID: "msg-" + id, OrderID: id, Kind: outbox.KindConfirmation, To: "Ada <" + o.BuyerEmail + ">",
			Subject: "Ihre Karten für Die Zauberflöte", Body: fmt.Sprintf("Bestellung %s\nReihe 1, Platz %d\n", o.Number, i+1)}
		o.Origin = order.Change{Actor: "buyer", Notify: &m}
		_, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		out[i] = m
	}
	return out
}

func messageOf(t *testing.T, s backend.Store, m outbox.Message) outbox.Message {
	t.Helper()
	ms, err := s.OrderMessages(context.Background(), m.OrderID)
	require.NoError(t, err)
	require.Len(t, ms, 1)
	return ms[0]
}

// TestEndToEndRetriedAndDeliveredOnce: an order's confirmation goes from the
// store through a mail server that refuses it twice, and arrives once.
func TestEndToEndRetriedAndDeliveredOnce(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.new(t)(t)
			srv := startSMTP(t, smtpOptions{failData: 2})
			m := orders(t, s, 1)[0]
			var retries atomic.Int64
			out := &countingOutbox{Outbox: s}
			start(t, &Dispatcher{Store: out, Sender: &SMTPSender{Addr: srv.Addr, From: testFrom.String()},
				PollInterval: 5 * time.Millisecond, Backoff: func(attempts int) time.Duration {
					retries.Add(1)
					return time.Millisecond
				}})

			testkit.Eventually(t, 20*time.Second, "the message marked sent", func() bool { return !messageOf(t, s, m).SentAt.IsZero() })
			out.morePolls(t, 5)
			require.Equal(t, 2, srv.refusals())
			require.EqualValues(t, 2, retries.Load())
			got := srv.messages()
			require.Len(t, got, 1, "delivered once")
			require.Equal(t, "ada+0@example.com", got[0].To)
			h, body := readMail(t, got[0].Data)
			stored := messageOf(t, s, m)
			m.CreatedAt = stored.CreatedAt
			requireHeaders(t, h, m, testFrom)
			require.Equal(t, crlf(m.Body), body)
			require.Equal(t, 3, stored.Attempts)
			require.Contains(t, stored.LastError, "451", "the last failure stays on record")
		})
	}
}

// TestEndToEndTwoNodes: two nodes, each with its own store on the one
// database and its own dispatcher, share the outbox: every message arrives,
// none twice.
func TestEndToEndTwoNodes(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			open := b.new(t)
			s1, s2 := open(t), open(t)
			srv := startSMTP(t, smtpOptions{})
			const n = 30
			msgs := orders(t, s1, n)
			var sent [2]atomic.Int64
			for i, s := range []backend.Store{s1, s2} {
				smtp := &SMTPSender{Addr: srv.Addr, From: "tickets@example.com"}
				start(t, &Dispatcher{Store: s, PollInterval: 5 * time.Millisecond, Batch: 3,
					Sender: senderFunc(func(ctx context.Context, m outbox.Message) error {
						sent[i].Add(1)
						return smtp.Send(ctx, m)
					})})
			}
			testkit.Eventually(t, 30*time.Second, "every message marked sent", func() bool {
				for _, m := range msgs {
					if messageOf(t, s2, m).SentAt.IsZero() {
						return false
					}
				}
				return true
			})
			seen := map[string]int{}
			for _, r := range srv.messages() {
				msg, err := mail.ReadMessage(strings.NewReader(string(r.Data)))
				require.NoError(t, err)
				seen[msg.Header.Get("Message-ID")]++
			}
			for _, m := range msgs {
				require.Equal(t, 1, seen[MessageID(m.ID)], m.ID)
			}
			require.Len(t, srv.messages(), n)
			require.Positive(t, sent[0].Load(), "both nodes took part")
			require.Positive(t, sent[1].Load(), "both nodes took part")
		})
	}
}

// TestEndToEndDirSender: the embedded default, SQLite and .eml files.
func TestEndToEndDirSender(t *testing.T) {
	t.Parallel()
	s := backends[0].new(t)(t)
	dir := filepath.Join(t.TempDir(), "data", "outbox")
	msgs := orders(t, s, 3)
	start(t, &Dispatcher{Store: s, Sender: &DirSender{Dir: dir}, PollInterval: 5 * time.Millisecond})
	for _, m := range msgs {
		testkit.Eventually(t, 20*time.Second, "marked sent", func() bool { return !messageOf(t, s, m).SentAt.IsZero() })
		data, err := os.ReadFile(filepath.Join(dir, m.ID+".eml"))
		require.NoError(t, err)
		_, body := readMail(t, data)
		require.Equal(t, crlf(m.Body), body)
	}
}
