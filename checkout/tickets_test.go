package checkout_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/lease/memory"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store/backend"
	"github.com/seatmap/seatmap/store/sqlite"
	"github.com/seatmap/seatmap/voucher"
)

type ticketsEnv struct {
	st   backend.Store
	svc  *seating.Service
	co   *checkout.Service
	perf string
}

func newTicketsEnv(t *testing.T) ticketsEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/seatmap.db")
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := seating.New(seating.Config{Store: st, Leases: memory.New(memory.Options{}), Logger: log})
	co := checkout.New(checkout.Config{Store: st, Seats: svc, Vouchers: voucher.NewService(st), Logger: log,
		Location: berlin, PublicURL: "https://tickets.example.com/"})
	data, err := json.Marshal(hall.Theatre())
	require.NoError(t, err)
	h, _, err := svc.CreateHall(ctx, data)
	require.NoError(t, err)
	p, err := svc.CreatePerformance(ctx, seating.NewPerformance{HallID: h.ID, Name: "Carmen",
		StartsAt: time.Date(2026, 12, 12, 19, 30, 0, 0, time.UTC), OnSale: true})
	require.NoError(t, err)
	return ticketsEnv{st: st, svc: svc, co: co, perf: p.ID}
}

func (e ticketsEnv) hold(t *testing.T, a seating.Actor, seats ...string) string {
	t.Helper()
	h, err := e.svc.Hold(context.Background(), e.perf, a, seating.HoldInput{Seats: seats})
	require.NoError(t, err)
	return h.Token
}

// mail renders the order's e-mails as they go out, oldest first.
func (e ticketsEnv) mail(t *testing.T, id string) []outbox.Message {
	t.Helper()
	ms, err := e.st.OrderMessages(context.Background(), id)
	require.NoError(t, err)
	for i, m := range ms {
		ms[i], err = e.co.RenderMessage(context.Background(), m)
		require.NoError(t, err)
	}
	return ms
}

// TestTicketsWithTheOrder: a confirmed order's tickets have ids and codes,
// stored in its transaction; its e-mail names seats as people say them,
// with price and code, the time in the venue's zone, and the secret link.
// A refunded seat's ticket is kept, refunded, and its code no longer sent.
func TestTicketsWithTheOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTicketsEnv(t)
	buyer := seating.Actor{Session: "b1"}
	o, _, err := e.co.Confirm(ctx, checkout.ConfirmInput{Token: e.hold(t, buyer, "S-R3-S10", "S-R3-S11"), Actor: buyer,
		BuyerName: "Ada", BuyerEmail: "ada@example.com"})
	require.NoError(t, err)
	require.Len(t, o.Tickets, 2)
	require.NotEmpty(t, o.AccessKey)
	stored, err := e.st.GetOrder(ctx, o.ID)
	require.NoError(t, err)
	require.Equal(t, o.Tickets, stored.Tickets, "the tickets are stored with the order")
	require.Equal(t, o.AccessKey, stored.AccessKey)
	for _, tk := range o.Tickets {
		require.Len(t, tk.Code, order.TicketCodeLen)
		require.NotEmpty(t, tk.ID)
	}

	ms := e.mail(t, o.ID)
	require.Len(t, ms, 1)
	body := ms[0].Body
	require.Contains(t, body, "Carmen\nSat 12 Dec 2026, 20:30 CET (Europe/Berlin)\n")
	require.Contains(t, body, "Stalls, row 3, seat 10")
	require.Contains(t, body, "Stalls, row 3, seat 11")
	require.NotContains(t, body, "S-R3-S10", "seats by name, not id")
	require.Contains(t, body, "https://tickets.example.com/#/order/"+o.ID+"?key="+o.AccessKey)
	for _, tk := range o.Tickets {
		require.Contains(t, body, order.FormatTicketCode(tk.Code))
	}
	require.Equal(t, 2, strings.Count(body, money.Format(o.Tickets[0].Price, o.Currency)), "the price of each seat:\n%s", body)

	staff := seating.Actor{Session: "desk", StaffID: "u1", Login: "olga", Role: "box_office"}
	after, _, _, err := e.co.Refund(ctx, checkout.RefundInput{OrderID: o.ID, Seats: []string{"S-R3-S11"}, Reason: "ill",
		IdempotencyKey: "k1", Actor: staff})
	require.NoError(t, err)
	require.Len(t, after.Tickets, 2, "a refunded seat's ticket is kept")
	require.Equal(t, order.TicketRefunded, after.Tickets[1].Status)
	require.Equal(t, o.Tickets[1].Code, after.Tickets[1].Code)
	ms = e.mail(t, o.ID)
	require.Len(t, ms, 2)
	require.Equal(t, outbox.KindRefund, ms[1].Kind)
	require.Contains(t, ms[1].Body, order.FormatTicketCode(o.Tickets[0].Code))
	require.NotContains(t, ms[1].Body, order.FormatTicketCode(o.Tickets[1].Code), "a refunded ticket's code is void")
	require.Contains(t, ms[1].Body, "(refunded)")
}

// TestReservationTicketsWhenPaid: a reservation's tickets are drawn with it
// but its e-mail shows no code; paid, the codes are the same and sent.
func TestReservationTicketsWhenPaid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTicketsEnv(t)
	desk := seating.Actor{Session: "desk", StaffID: "u1", Login: "olga", Role: "box_office"}
	r, err := e.co.Reserve(ctx, e.hold(t, desk, "B-R1-S1"), desk, 2, "Rosa", "rosa@example.com", "")
	require.NoError(t, err)
	ms := e.mail(t, r.ID)
	require.Len(t, ms, 1)
	require.NotContains(t, ms[0].Body, "Ticket code")
	require.NotContains(t, ms[0].Body, order.FormatTicketCode(r.Tickets[0].Code))
	require.Contains(t, ms[0].Body, "Balcony, row 1, seat 1")
	require.Contains(t, ms[0].Body, "(Europe/Berlin)")
	require.Contains(t, ms[0].Body, "?key="+r.AccessKey)

	paid, err := e.co.PayReservation(ctx, r.ID, checkout.PayCash, desk)
	require.NoError(t, err)
	require.Equal(t, r.Tickets[0].Code, paid.Tickets[0].Code)
	ms = e.mail(t, r.ID)
	require.Len(t, ms, 2)
	require.Equal(t, outbox.KindConfirmation, ms[1].Kind)
	require.Contains(t, ms[1].Body, "Ticket code "+order.FormatTicketCode(r.Tickets[0].Code))
}

// TestOpenOrder: the session that made an order, staff, and the holder of
// its key open it; another session, or a wrong key, find nothing.
func TestOpenOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTicketsEnv(t)
	buyer := seating.Actor{Session: "b1"}
	o, _, err := e.co.Confirm(ctx, checkout.ConfirmInput{Token: e.hold(t, buyer, "S-R1-S1"), Actor: buyer,
		BuyerName: "Ada", BuyerEmail: "ada@example.com"})
	require.NoError(t, err)
	wrong := []byte(o.AccessKey)
	wrong[len(wrong)-1] ^= 1 // differs in its last symbol
	for name, c := range map[string]struct {
		key  string
		a    seating.Actor
		open bool
	}{
		"session":            {"", buyer, true},
		"staff":              {"", seating.Actor{Session: "d", StaffID: "u1", Role: "box_office"}, true},
		"key":                {o.AccessKey, seating.Actor{Session: "phone"}, true},
		"key without cookie": {o.AccessKey, seating.Actor{}, true},
		"other session":      {"", seating.Actor{Session: "b2"}, false},
		"wrong key":          {string(wrong), seating.Actor{Session: "phone"}, false},
		"no session":         {"", seating.Actor{}, false},
	} {
		got, err := e.co.OpenOrder(ctx, o.ID, c.key, c.a)
		if c.open {
			require.NoError(t, err, name)
			require.Equal(t, o.ID, got.ID, name)
		} else {
			require.ErrorIs(t, err, checkout.ErrOrderNotFound, name)
		}
	}
	_, err = e.co.OpenOrder(ctx, "onothere", o.AccessKey, buyer)
	require.ErrorIs(t, err, checkout.ErrOrderNotFound)
}
