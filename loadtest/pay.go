package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// PayLog is what the buyers did with their payments, for the audit. It is
// safe for concurrent use.
type PayLog struct {
	mu sync.Mutex // guards everything below
	// declined are the orders whose payment a buyer declined and was told
	// payment_failed: order id → seats.
	declined map[string][]string
	// abandoned are the orders a buyer never paid: order id → end of the
	// payment window.
	abandoned map[string]time.Time
	// late are the orders approved after their window ended and answered
	// payment_failed (the money given back).
	late map[string]bool
	// unanswered are the orders whose approval got no answer (a timeout, a
	// cut connection): seatd may have applied it, and then they are paid.
	unanswered map[string]bool
}

// NewPayLog returns an empty log.
func NewPayLog() *PayLog {
	return &PayLog{declined: map[string][]string{}, abandoned: map[string]time.Time{}, late: map[string]bool{}, unanswered: map[string]bool{}}
}

// LastWindowEnd is when the last abandoned payment's window ends; zero if
// none was abandoned.
func (l *PayLog) LastWindowEnd() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var last time.Time
	for _, at := range l.abandoned {
		if at.After(last) {
			last = at
		}
	}
	return last
}

// fill copies the log into the audit's input.
func (l *PayLog) fill(in *AuditInput) {
	l.mu.Lock()
	defer l.mu.Unlock()
	in.Declined, in.Abandoned, in.Late, in.Unanswered = map[string][]string{}, map[string]time.Time{}, map[string]bool{}, map[string]bool{}
	for id := range l.unanswered {
		in.Unanswered[id] = true
	}
	for id, seats := range l.declined {
		in.Declined[id] = seats
	}
	for id, at := range l.abandoned {
		in.Abandoned[id] = at
	}
	for id := range l.late {
		in.Late[id] = true
	}
}

// pay is a buyer's payment step after the order came back pending_payment:
// the page approves, declines or is closed. It returns the order id and
// seats if the order was paid.
func pay(ctx context.Context, o Options, api *API, v *Venue, seen *view, rec *Recorder, rng *rand.Rand, sess string, ord Order) (string, []string) {
	log := o.Payments
	if log == nil {
		log = NewPayLog()
	}
	switch {
	case ord.Status == "paid" && (ord.Payment == nil || ord.Payment.ID == ""):
		rec.Failed("confirm", errors.New("order paid at once, with no payment to make: does seatd run -payment test?"))
		return "", nil
	case ord.Status != "pending_payment" || ord.Payment == nil || ord.Payment.ID == "":
		rec.Failed("confirm", fmt.Errorf("order is %s when confirmed, not pending_payment with a payment to make", ord.Status))
		return "", nil
	}
	outcome := Approve
	switch r := rng.Float64(); {
	case r < o.AbandonShare:
		log.mu.Lock()
		log.abandoned[ord.ID] = ord.Payment.ExpiresAt
		log.mu.Unlock()
		rec.Payment(PaidAbandoned)
		return "", nil
	case r < o.AbandonShare+o.DeclineShare:
		outcome = Decline
	}
	start := time.Now()
	after, err := api.AnswerTestPayment(ctx, sess, ord.Payment.ID, ord.Payment.ClientSecret, outcome)
	end := time.Now()
	rec.Op(outcome, end, end.Sub(start))
	if err != nil {
		rec.Failed(outcome, err)
		if outcome == Approve {
			log.mu.Lock()
			log.unanswered[ord.ID] = true
			log.mu.Unlock()
		}
		return "", nil
	}
	switch {
	case outcome == Approve && after.Status == "paid":
		rec.Payment(PaidApproved)
		rec.Ordered(end)
		return ord.ID, ord.Seats
	case outcome == Approve && after.Status == "payment_failed":
		// Approved after the window ended and the seats were gone: seatd
		// gives the money back.
		log.mu.Lock()
		log.late[ord.ID] = true
		log.mu.Unlock()
		rec.Payment(PaidLate)
	case outcome == Decline && after.Status == "payment_failed":
		log.mu.Lock()
		log.declined[ord.ID] = ord.Seats
		log.mu.Unlock()
		rec.Payment(PaidDeclined)
		for _, s := range ord.Seats {
			if i, ok := v.index[s]; ok {
				seen.set(i, false, end) // back on sale
			}
		}
	default:
		rec.Failed(outcome, fmt.Errorf("order is %s after %s", after.Status, outcome))
	}
	return "", nil
}

// AuditPayment is a payment or refund of an order at its provider.
type AuditPayment struct {
	Kind   string `json:"kind"` // payment or refund
	Status string `json:"status"`
	Amount int64  `json:"amount"`
}

// GatherPayments reads every order's payments (GET /orders/{id}, as staff;
// the list of orders has none) into in, conc at a time, and what the buyers
// did from log.
func (a *API) GatherPayments(ctx context.Context, in *AuditInput, log *PayLog, conc int) error {
	in.Pay = true
	if log != nil {
		log.fill(in)
	}
	next := make(chan int)
	errs := make(chan error, conc)
	var wg sync.WaitGroup
	for range max(1, conc) {
		wg.Go(func() {
			for i := range next {
				var o struct {
					Payments []AuditPayment `json:"payments"`
				}
				if err := a.call(ctx, "GET", "/api/v1/orders/"+in.Orders[i].ID, "", true, nil, &o); err != nil {
					errs <- fmt.Errorf("audit: payments of order %s: %w", in.Orders[i].Number, err)
					return
				}
				in.Orders[i].Payments = o.Payments
			}
		})
	}
	var err error
feed:
	for i := range in.Orders {
		select {
		case next <- i:
		case err = <-errs:
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	for e := range errs {
		err = errors.Join(err, e)
	}
	in.Now = time.Now()
	return err
}

// checkPayments is the audit of payments against orders (AuditInput.Pay):
// every paid order has exactly one succeeded payment of its total and no
// other order keeps money it did not give back; every declined payment's
// order is payment_failed with its seats free; the buyers' approvals are the
// paid orders; nothing waits for a payment past its window. owner and inHolds
// are the seats of live orders and live holds.
func checkPayments(in AuditInput, a *Audit, owner, inHolds map[string]string, add func(string, ...any)) {
	byID := map[string]AuditOrder{}
	paid := 0
	for _, o := range in.Orders {
		byID[o.ID] = o
		var kept, refunded int64
		succeeded, pending := 0, 0
		for _, p := range o.Payments {
			switch {
			case p.Kind == "payment" && p.Status == "succeeded":
				succeeded++
				kept += p.Amount
				a.Payments++
			case p.Kind == "payment" && p.Status == "pending":
				pending++
			case p.Kind == "refund" && (p.Status == "pending" || p.Status == "succeeded"):
				refunded += p.Amount
			}
		}
		lapsed := in.Now.Sub(o.Deadline) > in.Grace
		switch o.Status {
		case "paid":
			paid++
			if succeeded != 1 {
				add("paid order %s has %d succeeded payments, not one", o.Number, succeeded)
			} else if kept != o.Total {
				add("paid order %s has a payment of %d for its total of %d", o.Number, kept, o.Total)
			}
		case "pending_payment":
			a.Pending++
			if pending != 1 {
				add("order %s waits for its payment but has %d pending payments", o.Number, pending)
			}
			if lapsed {
				add("order %s still waits for its payment %v after its window ended", o.Number, in.Now.Sub(o.Deadline).Round(time.Millisecond))
			}
		default:
			if kept > refunded {
				add("order %s is %s but keeps %d paid of which %d was given back", o.Number, o.Status, kept, refunded)
			}
			if pending > 0 && lapsed {
				add("order %s is %s but its payment is still pending", o.Number, o.Status)
			}
		}
		if o.Status != "payment_failed" {
			continue
		}
		if len(o.Seats) > 0 {
			add("order %s is payment_failed but its tickets for %v are live", o.Number, o.Seats)
		}
		for _, s := range o.AllSeats {
			if st := in.States[s]; st != '0' && owner[s] == "" && inHolds[s] == "" {
				add("seat %s of order %s (payment_failed) shows %q and no other order or hold has it", s, o.Number, st)
			}
		}
	}
	for _, f := range in.Findings {
		add("seatd's reconciliation found %s", f)
	}
	// Every paid order was approved: answered paid, or asked and not
	// answered (seatd applies an approval whose caller went away).
	if approved := len(in.Confirmed); approved > paid {
		add("%d payments were approved but the store has %d paid orders", approved, paid)
	}
	for _, o := range in.Orders {
		if _, told := in.Confirmed[o.ID]; o.Status == "paid" && !told && !in.Unanswered[o.ID] {
			add("order %s is paid but no buyer approved its payment", o.Number)
		}
	}
	for _, id := range sortedKeys(in.Declined) {
		o, ok := byID[id]
		if !ok {
			add("order %s whose payment was declined is not in the store", id)
			continue
		}
		if o.Status != "payment_failed" {
			add("order %s whose payment was declined is %s, not payment_failed", o.Number, o.Status)
		}
		declined := false
		for _, p := range o.Payments {
			declined = declined || (p.Kind == "payment" && p.Status == "failed")
		}
		if !declined {
			add("order %s whose payment was declined has no failed payment", o.Number)
		}
	}
	for _, id := range sortedKeys(in.Abandoned) {
		o, ok := byID[id]
		switch {
		case !ok:
			add("order %s whose payment was abandoned is not in the store", id)
		case o.Status != "pending_payment" && o.Status != "payment_failed":
			add("order %s whose payment was abandoned is %s", o.Number, o.Status)
		}
	}
	for _, id := range sortedKeys(in.Late) {
		if o, ok := byID[id]; ok && o.Status == "paid" {
			add("order %s was answered payment_failed on its late approval but is paid", o.Number)
		}
	}
}

// Reconcile runs seatd's own reconciliation of payments with orders for the
// payment rows made in [from, to) (POST /api/v1/payments/reconciliation) and
// puts what it found into in: a second opinion, from the server's side.
func (a *API) Reconcile(ctx context.Context, in *AuditInput, from, to time.Time) error {
	body := map[string]string{"from": from.UTC().Format(time.RFC3339), "to": to.UTC().Format(time.RFC3339)}
	var r struct {
		Payments int `json:"payments"`
		Findings []struct {
			Kind        string `json:"kind"`
			OrderNumber string `json:"order_number"`
			Detail      string `json:"detail"`
		} `json:"findings"`
	}
	if err := a.call(ctx, "POST", "/api/v1/payments/reconciliation", "", true, body, &r); err != nil {
		return fmt.Errorf("audit: seatd's reconciliation: %w", err)
	}
	in.Findings = in.Findings[:0]
	for _, f := range r.Findings {
		in.Findings = append(in.Findings, fmt.Sprintf("%s: order %s: %s", f.Kind, f.OrderNumber, f.Detail))
	}
	return nil
}
