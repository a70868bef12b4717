package checkout

import (
	"context"
	"fmt"
	"strings"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/ids"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/pricing"
	"github.com/seatmap/seatmap/seating"
)

// subjects are the e-mails' subjects by kind, around the order number.
var subjects = map[string]string{
	outbox.KindConfirmation: "Your tickets: order %s",
	outbox.KindReservation:  "Your reservation: order %s",
	outbox.KindRefund:       "Your refund: order %s",
	outbox.KindResend:       "Your order %s (sent again)",
	outbox.KindLapsed:       "Your reservation %s has ended",
	outbox.KindReminder:     "Your reservation %s ends soon",
	outbox.KindCancelled:    "Cancelled: the performance of your order %s",
	outbox.KindRescheduled:  "New date: your order %s",
}

// message renders an e-mail about o. Buyers without an address get none.
// Seats are named as people say them, each with its price and, once the
// order is paid, its ticket code; the link opens the order with its tickets'
// QR codes on any device. Times are the venue's, with the zone named.
func (s *Service) message(p *seating.Perf, o order.Order, kind, intro string) *outbox.Message {
	if o.BuyerEmail == "" {
		return nil
	}
	codes := order.CodesShown(o)
	var b strings.Builder
	if o.BuyerName != "" {
		fmt.Fprintf(&b, "Hello %s,\n\n", o.BuyerName)
	}
	b.WriteString(intro)
	zoneNames := map[string]string{}
	var h *hall.Hall
	if p != nil {
		meta := p.Meta()
		for _, z := range meta.Zones {
			zoneNames[z.ID] = z.Name
		}
		h = p.Hall()
		fmt.Fprintf(&b, "\n\nOrder %s\n%s\n%s\n\n", o.Number, meta.Name, s.When(meta.StartsAt))
	} else {
		fmt.Fprintf(&b, "\n\nOrder %s\n\n", o.Number)
	}
	for _, t := range o.Tickets {
		state := ""
		switch t.Status {
		case order.TicketRefunded:
			state = "  (refunded)"
		case order.TicketVoid:
			state = "  (void)"
		}
		zone := zoneNames[t.Zone]
		if zone == "" {
			zone = t.Zone
		}
		fmt.Fprintf(&b, "  %-36s %-12s %14s%s\n", SeatNameOf(h, t.Seat, t.SeatID).Label(), zone, money.Format(t.Price, o.Currency), state)
		if t.Fare != "" && t.Fare != pricing.NormalFareID {
			fmt.Fprintf(&b, "    Fare: %s\n", t.FareName)
		}
		if codes && t.Code != "" && t.Status == order.TicketLive {
			fmt.Fprintf(&b, "    Ticket code %s\n", order.FormatTicketCode(t.Code))
		}
	}
	writePasses(&b, o, codes)
	if o.Discount > 0 {
		fmt.Fprintf(&b, "  %-49s %14s\n", "Discount "+o.VoucherCode, "-"+money.Format(o.Discount, o.Currency))
	}
	fmt.Fprintf(&b, "  %-49s %14s\n", "Total", money.Format(o.Total, o.Currency))
	if o.Refunded > 0 {
		fmt.Fprintf(&b, "  %-49s %14s\n", "Refunded", "-"+money.Format(o.Refunded, o.Currency))
	}
	writePayments(&b, o)
	if !o.Deadline.IsZero() && o.Status == order.Reserved {
		fmt.Fprintf(&b, "\nPlease pay by %s, or the reservation lapses and the seats go back on sale.\n", s.When(o.Deadline))
	}
	if link := s.PersonalizeLink(o); link != "" && codes {
		fmt.Fprintf(&b, "\nYour passes need their holder's name before they are made; personalize them here:\n%s\n", link)
	}
	if link := s.OrderLink(o); link != "" {
		what := "Your order"
		if codes {
			what = "Your tickets with their QR codes"
		}
		fmt.Fprintf(&b, "\n%s, on any device:\n%s\nKeep this link to yourself: whoever has it can open the order.\n", what, link)
	}
	return &outbox.Message{
		ID: ids.New("m", 12), Kind: kind, To: o.BuyerEmail,
		Subject: fmt.Sprintf(subjects[kind], o.Number), Body: b.String(),
	}
}

// payStates are the states of a payment or refund at the provider, for buyers.
var payStates = map[string]string{
	order.StatusPending:   "pending",
	order.StatusSucceeded: "succeeded",
	order.StatusFailed:    "failed",
	order.StatusCanceled:  "cancelled",
}

// writePayments lists o's payments and refunds at the payment provider, as
// loaded with o: what was taken, and what goes back to the card.
func writePayments(b *strings.Builder, o order.Order) {
	if len(o.Payments) == 0 {
		return
	}
	b.WriteString("\nPayments\n")
	for _, p := range o.Payments {
		what, amount := "Paid online ("+p.Provider+")", money.Format(p.Amount, p.Currency)
		if p.Kind == order.KindRefund {
			what, amount = "Refund to your card ("+p.Provider+")", "-"+amount
		}
		state := payStates[p.Status]
		if state == "" {
			state = p.Status
		}
		fmt.Fprintf(b, "  %-36s %-12s %14s\n", what, state, amount)
	}
}

const confirmationIntro = "Thank you for your order. Your tickets:"

// confirmationMessage is the e-mail queued with a paid order, without its
// body: every web order writes one, in its own transaction, so the outbox
// row names the order and RenderMessage writes the text when it goes out.
// The rendered text would be a tenth of what the order's commit writes
// (BenchmarkCreateOrderParallel/grouped+mail) and rendering it on the order's
// path a few per cent of seatd's CPU in a surge; a confirmation shows the
// order as it stands anyway.
func (s *Service) confirmationMessage(o order.Order) *outbox.Message {
	if o.BuyerEmail == "" {
		return nil
	}
	return &outbox.Message{ID: ids.New("m", 12), Kind: outbox.KindConfirmation, To: o.BuyerEmail,
		Subject: fmt.Sprintf(subjects[outbox.KindConfirmation], o.Number)}
}

// RenderMessage gives a message from the outbox its text: a confirmation
// queued without one gets the order as it is now. Messages that have a text
// come back as they are.
func (s *Service) RenderMessage(ctx context.Context, m outbox.Message) (outbox.Message, error) {
	if m.Body != "" {
		return m, nil
	}
	if m.Kind != outbox.KindConfirmation {
		return outbox.Message{}, fmt.Errorf("message %s (%s) has no text", m.ID, m.Kind)
	}
	var o order.Order
	o, err := s.store.GetOrder(ctx, m.OrderID)
	if err != nil {
		return outbox.Message{}, fmt.Errorf("render message %s: %w", m.ID, err)
	}
	p, err := s.perfOf(ctx, o)
	if err != nil {
		return outbox.Message{}, fmt.Errorf("render message %s: %w", m.ID, err)
	}
	if o.Payments, err = s.store.Payments(ctx, o.ID); err != nil {
		return outbox.Message{}, fmt.Errorf("render message %s: %w", m.ID, err)
	}
	if r := s.message(p, o, m.Kind, confirmationIntro); r != nil {
		m.Body = r.Body
	}
	return m, nil
}

// passStates are pass states, for buyers.
var passStates = map[string]string{
	pass.StateAwaitingPersonalization: "to be personalized",
	pass.StateVoid:                    "void",
	pass.StateBlocked:                 "blocked",
}

// writePasses lists o's passes, each a line of the receipt with its price
// (a block card's first card at the price, the others at 0) and, once the
// order is paid, its code.
func writePasses(b *strings.Builder, o order.Order, codes bool) {
	for _, p := range o.Passes {
		state := ""
		if st := passStates[p.State]; st != "" {
			state = "  (" + st + ")"
		}
		validity := ""
		if !p.ValidFrom.IsZero() || !p.ValidTo.IsZero() {
			validity = p.ValidFrom.String() + "–" + p.ValidTo.String()
		}
		fmt.Fprintf(b, "  %-36s %-12s %14s%s\n", p.ProductName, validity, money.Format(p.Price, o.Currency), state)
		if codes && p.Code != "" && p.State != pass.StateVoid {
			fmt.Fprintf(b, "    Pass code %s\n", order.FormatTicketCode(p.Code))
		}
	}
}
