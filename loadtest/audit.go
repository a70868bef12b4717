package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"
)

// Audit is the end-of-run check of the store. Any violation fails the run.
type Audit struct {
	OK         bool     `json:"ok"`
	Violations []string `json:"violations"`
	Orders     int      `json:"orders"`
	SoldSeats  int      `json:"sold_seats"`
	HeldSeats  int      `json:"held_seats"`
	// Payments are the succeeded payments and Pending the orders still
	// waiting for one, with AuditInput.Pay.
	Payments int `json:"payments,omitempty"`
	Pending  int `json:"pending,omitempty"`
	// Numbered are the issued tickets checked against the register of
	// ticket numbers.
	Numbered int `json:"numbered,omitempty"`
}

// AuditOrder is an order as the store has it.
type AuditOrder struct {
	ID          string
	Number      string
	Status      string
	Seats       []string // its live tickets' seats
	VoucherCode string
	// AllSeats are the seats of all its tickets, live or not; Total what it
	// costs; Deadline when a pending payment's window ends.
	AllSeats []string
	// Issued are the ids of its tickets that are issued: not void, of an
	// order that is or was paid; each has a form number (issue 17).
	Issued   []string
	Total    int64
	Deadline time.Time
	// Payments are its payments and refunds at the provider (GatherPayments).
	Payments []AuditPayment
}

// AuditHold is a live hold as the server lists it.
type AuditHold struct {
	Token     string
	Seats     []string
	ExpiresAt time.Time
}

// AuditInput is everything the audit looks at.
type AuditInput struct {
	Orders []AuditOrder
	// States is the seat map: seat id → 0 free, 1 held, 2 sold, 3 blocked.
	States map[string]byte
	Holds  []AuditHold
	// Confirmed are the orders buyers were told they have: order id → seats.
	Confirmed map[string][]string
	Now       time.Time
	// Grace is how late an expired hold may still be listed (the sweep interval).
	Grace time.Duration
	// Promo is the promotion buyers raced for, if any: its uses as the store
	// counts them, and its limit.
	Promo                 string
	PromoUses, PromoLimit int
	// Pay: buyers paid through a provider (Options.Pay); Confirmed then are
	// the orders whose payment they approved and were told paid. Declined
	// are the orders whose payment they declined (id → seats), Abandoned
	// those they never paid (id → end of the window), Late those approved
	// after the window and answered payment_failed.
	Pay       bool
	Declined  map[string][]string
	Abandoned map[string]time.Time
	Late      map[string]bool
	// Unanswered are the orders whose approval got no answer: paid or not.
	Unanswered map[string]bool
	// Findings are what seatd's own reconciliation of the run's payments
	// found (Reconcile); each fails the audit.
	Findings []string
	// Numbers is the register of ticket numbers of the performance (nil:
	// the server keeps none, a baseline).
	Numbers []AuditNumber
}

// AuditNumber is a line of the register of ticket numbers.
type AuditNumber struct {
	Series   string     `json:"series"`
	Number   int        `json:"number"`
	TicketID string     `json:"ticket_id"`
	Voided   bool       `json:"-"`
	VoidedAt *time.Time `json:"voided_at"`
}

const maxViolations = 50

// Check runs the audit: no seat sold twice, sold seats equal the seats of paid
// orders, held seats equal the seats of live holds, no hold outlived its expiry,
// and every order a buyer was promised exists with its seats. With in.Pay it
// also checks payments against orders (checkPayments).
func Check(in AuditInput) Audit {
	a := Audit{}
	add := func(format string, args ...any) {
		if len(a.Violations) < maxViolations {
			a.Violations = append(a.Violations, fmt.Sprintf(format, args...))
		}
	}
	live := map[string]string{} // seat → order number of a live (paid or reserved) order
	paid := map[string]bool{}
	byID := map[string]AuditOrder{}
	for _, o := range in.Orders {
		byID[o.ID] = o
		switch o.Status {
		case "paid", "reserved":
			a.Orders++
		case "pending_payment": // its tickets are live until the window ends
		default:
			continue
		}
		for _, s := range o.Seats {
			if prev, dup := live[s]; dup {
				add("seat %s is in two orders: %s and %s", s, prev, o.Number)
			}
			live[s] = o.Number
			if o.Status == "paid" {
				paid[s] = true
			}
		}
	}
	if in.Promo != "" {
		redeemed := 0
		for _, o := range in.Orders {
			if o.VoucherCode == in.Promo && o.Status != "expired" && o.Status != "annulled" {
				redeemed++
			}
		}
		if redeemed != in.PromoUses {
			add("promotion %s counts %d uses but %d orders redeemed it", in.Promo, in.PromoUses, redeemed)
		}
		if in.PromoLimit > 0 && redeemed > in.PromoLimit {
			add("promotion %s was redeemed %d times, over its limit of %d", in.Promo, redeemed, in.PromoLimit)
		}
	}
	for _, id := range sortedKeys(in.States) {
		switch st := in.States[id]; {
		case st == '2':
			a.SoldSeats++
			if !paid[id] {
				add("seat %s is sold but no paid order has it", id)
			}
		case paid[id]:
			add("seat %s is in paid order %s but shows %q, not sold", id, live[id], st)
		}
	}
	for s := range paid {
		if _, ok := in.States[s]; !ok {
			add("seat %s of a paid order is not in the seat map", s)
		}
	}
	inHolds := map[string]string{}
	for _, h := range in.Holds {
		if late := in.Now.Sub(h.ExpiresAt); late > in.Grace {
			add("hold %s outlived its expiry by %v", short(h.Token), late.Round(time.Millisecond))
		}
		for _, s := range h.Seats {
			if prev, dup := inHolds[s]; dup {
				add("seat %s is in two holds: %s and %s", s, short(prev), short(h.Token))
			}
			inHolds[s] = h.Token
			a.HeldSeats++
		}
	}
	for id, st := range in.States {
		if st == '1' && inHolds[id] == "" {
			add("seat %s shows held but no live hold has it", id)
		}
	}
	promised := map[string]string{}
	for id, seats := range in.Confirmed {
		o, ok := byID[id]
		if !ok {
			add("order %s confirmed to a buyer is not in the store", id)
			continue
		}
		if o.Status != "paid" {
			add("order %s confirmed to a buyer is %s", o.Number, o.Status)
		}
		if !slices.Equal(sortedCopy(seats), sortedCopy(o.Seats)) {
			add("order %s has seats %v, the buyer was promised %v", o.Number, o.Seats, seats)
		}
		for _, s := range seats {
			if prev, dup := promised[s]; dup {
				add("seat %s was promised to two buyers: orders %s and %s", s, prev, id)
			}
			promised[s] = id
		}
	}
	if in.Pay {
		checkPayments(in, &a, live, inHolds, add)
	}
	if in.Numbers != nil {
		checkNumbers(in, &a, add)
	}
	a.OK = len(a.Violations) == 0
	return a
}

// checkNumbers: every issued ticket has exactly one current form number,
// no number is used twice, and the numbers run without a gap (a voided
// number is listed, so it is no gap).
func checkNumbers(in AuditInput, a *Audit, add func(string, ...any)) {
	current := map[string]int{}
	used := map[string]bool{}
	bySeries := map[string][]int{}
	for _, n := range in.Numbers {
		form := fmt.Sprintf("%s %06d", n.Series, n.Number)
		if used[form] {
			add("ticket number %s is used twice", form)
		}
		used[form] = true
		bySeries[n.Series] = append(bySeries[n.Series], n.Number)
		if !n.Voided {
			current[n.TicketID]++
		}
	}
	issued := 0
	for _, o := range in.Orders {
		for _, t := range o.Issued {
			issued++
			switch c := current[t]; {
			case c == 0:
				add("ticket %s of order %s has no number", t, o.Number)
			case c > 1:
				add("ticket %s of order %s has %d current numbers", t, o.Number, c)
			}
			delete(current, t)
		}
	}
	for t := range current {
		add("number given to ticket %s, which is not an issued ticket of the run", t)
	}
	for series, nums := range bySeries {
		slices.Sort(nums)
		for i := 1; i < len(nums); i++ {
			if nums[i] != nums[i-1]+1 && nums[i] != nums[i-1] {
				add("ticket numbers of series %s jump from %d to %d", series, nums[i-1], nums[i])
				break
			}
		}
	}
	a.Numbered = issued
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func short(token string) string {
	if len(token) > 12 {
		return token[:12] + "…"
	}
	return token
}

// Gather reads what the audit needs through the staff API.
func (a *API) Gather(ctx context.Context, perf string) (AuditInput, error) {
	in := AuditInput{States: map[string]byte{}, Now: time.Now()}
	m, err := a.Seatmap(ctx, perf)
	if err != nil {
		return in, fmt.Errorf("audit: seat map: %w", err)
	}
	for i, id := range m.IDs {
		in.States[id] = m.States[i]
	}
	cursor := ""
	for {
		var page struct {
			Items []struct {
				ID       string     `json:"id"`
				Number   string     `json:"number"`
				Status   string     `json:"status"`
				Voucher  *string    `json:"voucher_code"`
				Seats    []string   `json:"seats"` // the baselines have no tickets
				Total    int64      `json:"total"`
				Deadline *time.Time `json:"deadline"`
				Tickets  []struct {
					ID     string `json:"id"`
					Seat   string `json:"seat"`
					Status string `json:"status"`
				} `json:"tickets"`
			} `json:"items"`
			Next *string `json:"next"`
		}
		path := "/api/v1/orders?limit=200&performance=" + url.QueryEscape(perf)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := a.call(ctx, "GET", path, "", true, nil, &page); err != nil {
			return in, fmt.Errorf("audit: orders: %w", err)
		}
		for _, o := range page.Items {
			// An order's seats are its live tickets; one refunded in part (or
			// by an amount) still holds those as a paid order does.
			ao := AuditOrder{ID: o.ID, Number: o.Number, Status: o.Status, Total: o.Total}
			if o.Deadline != nil {
				ao.Deadline = *o.Deadline
			}
			if o.Voucher != nil {
				ao.VoucherCode = *o.Voucher
			}
			if ao.Status == "partially_refunded" || ao.Status == "refunded" {
				ao.Status = "paid"
			}
			issued := o.Status == "paid" || o.Status == "partially_refunded" || o.Status == "refunded"
			for _, t := range o.Tickets {
				if issued && t.ID != "" && t.Status != "void" {
					ao.Issued = append(ao.Issued, t.ID)
				}
				ao.AllSeats = append(ao.AllSeats, t.Seat)
				if t.Status == "live" || t.Status == "" {
					ao.Seats = append(ao.Seats, t.Seat)
				}
			}
			if len(o.Tickets) == 0 {
				ao.Seats, ao.AllSeats = o.Seats, o.Seats
			}
			in.Orders = append(in.Orders, ao)
		}
		if page.Next == nil {
			break
		}
		cursor = *page.Next
	}
	var holds struct {
		Items []struct {
			Token     string    `json:"token"`
			Seats     []string  `json:"seats"`
			ExpiresAt time.Time `json:"expires_at"`
		} `json:"items"`
	}
	if err := a.call(ctx, "GET", "/api/v1/performances/"+perf+"/holds", "", true, nil, &holds); err != nil {
		return in, fmt.Errorf("audit: holds: %w", err)
	}
	for _, h := range holds.Items {
		in.Holds = append(in.Holds, AuditHold{Token: h.Token, Seats: h.Seats, ExpiresAt: h.ExpiresAt})
	}
	in.Now = time.Now()
	if err := a.gatherNumbers(ctx, perf, &in); err != nil {
		return in, err
	}
	return in, nil
}

// gatherNumbers reads the register of ticket numbers once it covers every
// issued ticket (numbers are drawn just after each sale: it waits up to a
// minute), or what it has then. A server without a register (a baseline:
// 404) leaves in.Numbers nil.
func (a *API) gatherNumbers(ctx context.Context, perf string, in *AuditInput) error {
	want := 0
	for _, o := range in.Orders {
		want += len(o.Issued)
	}
	var reg struct {
		Issued  int           `json:"issued"`
		Numbers []AuditNumber `json:"numbers"`
	}
	deadline := time.Now().Add(time.Minute)
	for {
		reg.Numbers = nil
		err := a.call(ctx, "GET", "/api/v1/performances/"+perf+"/ticket-numbers", "", true, nil, &reg)
		var p *Problem
		if errors.As(err, &p) && p.Status == 404 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("audit: ticket numbers: %w", err)
		}
		current := 0
		for _, n := range reg.Numbers {
			if n.VoidedAt == nil {
				current++
			}
		}
		if current >= want || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	in.Numbers = make([]AuditNumber, len(reg.Numbers))
	for i, n := range reg.Numbers {
		n.Voided = n.VoidedAt != nil
		in.Numbers[i] = n
	}
	return nil
}
