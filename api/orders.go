package api

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/notify"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/seating"
)

type buyerJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type itemJSON struct {
	ProductID string `json:"product_id"`
	Quantity  int    `json:"quantity"`
}

type createOrderJSON struct {
	HoldToken   string     `json:"hold_token"`
	Items       []itemJSON `json:"items"`
	Channel     string     `json:"channel"`
	Buyer       buyerJSON  `json:"buyer"`
	VoucherCode string     `json:"voucher_code"`
	// Fares chooses a fare per seat of the hold: seat id → fare id; seats
	// not named are sold at the normal fare. The server prices them.
	Fares   map[string]string `json:"fares"`
	Payment *struct {
		Method string `json:"method"`
	} `json:"payment"`
}

// paymentJSON is how an order is paid. For an order waiting for its payment
// it also says what the buyer's page pays with: the provider's payment id,
// the client secret (the order's buyer only) and when the window ends.
type paymentJSON struct {
	Method       string `json:"method"`
	ID           string `json:"id,omitempty"`
	Provider     string `json:"provider,omitempty"`
	Status       string `json:"status,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	ExpiresAt    string `json:"expires_at,omitempty"`
}

// ticketJSON is one seat of an order. Code is what the gate scans: null
// until the order is paid. A refunded or voided ticket keeps its code, and
// its status says it is not valid.
type ticketJSON struct {
	ID        string  `json:"id"`
	Seat      string  `json:"seat"`
	Code      *string `json:"code"`
	SeatLabel string  `json:"seat_label,omitempty"` // "Stalls, row 3, seat 10"
	Section   string  `json:"section,omitempty"`
	Row       string  `json:"row,omitempty"`
	Number    string  `json:"number,omitempty"`
	Zone      string  `json:"zone"`
	// Fare is the fare it was sold at (its id), FareName that fare's name
	// then: kept whatever becomes of the performance's fares.
	Fare     string `json:"fare"`
	FareName string `json:"fare_name"`
	// PrintedAt: when the box office first printed it as a hard ticket.
	PrintedAt *string `json:"printed_at,omitempty"`
	// Series and TicketNumber: the ticket's form number once issued
	// ("AA", "AA 000123"); drawn just after the order is paid.
	Series       string `json:"series,omitempty"`
	TicketNumber string `json:"ticket_number,omitempty"`
	Price        int64  `json:"price"`
	Status       string `json:"status"`
}

type orderJSON struct {
	ID            string       `json:"id"`
	Number        string       `json:"number"`
	Status        string       `json:"status"`
	PerformanceID string       `json:"performance_id"`
	Seats         []string     `json:"seats"`
	Tickets       []ticketJSON `json:"tickets"`
	Subtotal      int64        `json:"subtotal"` // before the discount
	Discount      int64        `json:"discount"`
	VoucherCode   *string      `json:"voucher_code"`
	Total         int64        `json:"total"` // what was paid (or is due)
	Refunded      int64        `json:"refunded"`
	Currency      string       `json:"currency"`
	Buyer         buyerJSON    `json:"buyer"`
	Channel       string       `json:"channel"`
	Payment       *paymentJSON `json:"payment"`
	Deadline      *string      `json:"deadline,omitempty"`
	CreatedAt     string       `json:"created_at"`
	AccessKey     string       `json:"access_key,omitempty"` // the order's own page only: opens it on any device
	// Notes: staff's remarks (a rescheduled order names the other date's order).
	Notes string `json:"notes,omitempty"`
	// Payments are the order's payments and refunds at a payment provider,
	// where they were read (the order's page, its history).
	Payments []paymentRowJSON `json:"payments,omitempty"`
	// Items are the products sold, a line each; Passes their units, each
	// with its price on the receipt.
	Items  []orderItemJSON `json:"items"`
	Passes []passJSON      `json:"passes"`
	// PersonalizeURL opens the passes that need a holder, once the order is
	// paid; absent otherwise.
	PersonalizeURL *string `json:"personalize_url,omitempty"`
}

func toOrderJSON(o order.Order) orderJSON {
	out := orderJSON{
		ID: o.ID, Number: o.Number, Status: o.Status, PerformanceID: o.PerformanceID,
		Seats: make([]string, len(o.Tickets)), Tickets: make([]ticketJSON, len(o.Tickets)),
		Subtotal: o.Total + o.Discount, Discount: o.Discount, Total: o.Total, Refunded: o.Refunded,
		Currency: o.Currency, Buyer: buyerJSON{Name: o.BuyerName, Email: o.BuyerEmail},
		Channel: o.Channel, CreatedAt: rfc3339(o.CreatedAt), Notes: o.Notes,
	}
	if o.PaymentMethod != "" {
		out.Payment = &paymentJSON{Method: o.PaymentMethod}
	}
	if o.VoucherCode != "" {
		out.VoucherCode = &o.VoucherCode
	}
	if !o.Deadline.IsZero() {
		d := rfc3339(o.Deadline)
		out.Deadline = &d
	}
	shown := order.CodesShown(o)
	out.Items, out.Passes = toItemsJSON(o), make([]passJSON, len(o.Passes))
	for i, p := range o.Passes {
		out.Passes[i] = toPassJSON(p, shown)
	}
	if token := order.PersonalizeToken(o); token != "" && shown {
		u := checkout.PersonalizePath(token)
		out.PersonalizeURL = &u
	}
	for i, t := range o.Tickets {
		out.Seats[i] = t.SeatID
		out.Tickets[i] = ticketJSON{ID: t.ID, Seat: t.SeatID, Zone: t.Zone, Price: t.Price, Status: t.Status, Fare: t.Fare, FareName: t.FareName}
		if shown && t.Code != "" {
			out.Tickets[i].Code = &o.Tickets[i].Code
		}
		if !t.PrintedAt.IsZero() {
			at := rfc3339(t.PrintedAt)
			out.Tickets[i].PrintedAt = &at
		}
	}
	return out
}

func (s *Server) createOrder(c *echo.Context) (err error) {
	defer func() { s.metrics.orders.WithLabelValues(s.outcome(c, err)).Inc() }()
	var in createOrderJSON
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	ci := checkout.ConfirmInput{
		Token: in.HoldToken, Actor: a, BuyerName: in.Buyer.Name, BuyerEmail: in.Buyer.Email,
		IdempotencyKey: c.Request().Header.Get("Idempotency-Key"), Channel: in.Channel, Fares: in.Fares,
	}
	for _, it := range in.Items {
		ci.Items = append(ci.Items, checkout.Item{ProductID: it.ProductID, Quantity: it.Quantity})
	}
	if in.VoucherCode != "" {
		if err := s.allowCodeCheck(c, a); err != nil {
			return err
		}
		ci.VoucherCode = in.VoucherCode
	}
	if in.Payment != nil {
		if in.Payment.Method == "" {
			return &input.Error{Field: "payment.method", Reason: "must be cash or card"}
		}
		ci.PaymentMethod = in.Payment.Method
	}
	o, replayed, err := s.checkout.Confirm(c.Request().Context(), ci)
	if err != nil {
		return err
	}
	if replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/orders/"+o.ID)
	out := s.orderPageJSON(c.Request().Context(), o, replayed)
	withPayments(&out, o, !a.Staff())
	return c.JSON(http.StatusCreated, out)
}

// getOrder answers the session that made the order, staff, and whoever has
// the order's key (?key=, the link in its e-mail): from any device.
func (s *Server) getOrder(c *echo.Context) error {
	o, err := s.openOrder(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if o.Payments, err = s.checkout.Payments(ctx, o.ID); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	out := s.fullOrderJSON(ctx, o)
	withPayments(&out, o, s.ownsOrder(c, a, o))
	return c.JSON(http.StatusOK, out)
}

// ownsOrder reports whether the request speaks for o's buyer, who may pay
// for it: the session that made it, or whoever has its key (?key=, the
// e-mail's link: as good as the session for this order, on any device),
// staff too when they open it by its key. Staff without the key are not the
// buyer.
func (s *Server) ownsOrder(c *echo.Context, a seating.Actor, o order.Order) bool {
	if key := c.QueryParam("key"); key != "" && order.Opens(o, key) {
		return true
	}
	return !a.Staff() || (a.Session != "" && a.Session == o.Session)
}

func (s *Server) listOrders(c *echo.Context) error {
	f := order.Filter{PerformanceID: c.QueryParam("performance"), Status: c.QueryParam("status"),
		Channel: c.QueryParam("channel"), Buyer: c.QueryParam("buyer")}
	if len(f.Buyer) > 200 {
		return &input.Error{Field: "buyer", Reason: "is longer than 200 characters"}
	}
	q, err := parsePage(c)
	if err != nil {
		return err
	}
	f.From, f.To, f.Limit, f.Before, f.BeforeID = q.From, q.To, q.Limit, q.CursorTime, q.CursorID
	page, err := s.checkout.ListOrders(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := listJSON[orderJSON]{Items: make([]orderJSON, 0, len(page))}
	for _, o := range page {
		out.Items = append(out.Items, toOrderJSON(o))
	}
	if len(page) == f.Limit {
		last := page[len(page)-1]
		out.Next = encodeCursor(last.CreatedAt, last.ID)
	}
	return c.JSON(http.StatusOK, out)
}

type refundJSON struct {
	ID        string   `json:"id"`
	OrderID   string   `json:"order_id"`
	Amount    int64    `json:"amount"`
	Seats     []string `json:"seats"`
	Passes    []string `json:"passes"`
	Reason    string   `json:"reason"`
	Method    string   `json:"method"`
	Actor     string   `json:"actor"`
	CreatedAt string   `json:"created_at"`
}

func toRefundJSON(rf order.Refund, seatIDs func(uint32) string) refundJSON {
	out := refundJSON{ID: rf.ID, OrderID: rf.OrderID, Amount: rf.Amount, Seats: make([]string, len(rf.Seats)),
		Passes: append([]string{}, rf.Passes...), Reason: rf.Reason, Method: rf.Method, Actor: rf.Actor, CreatedAt: rfc3339(rf.CreatedAt)}
	for i, seat := range rf.Seats {
		out.Seats[i] = seatIDs(seat)
	}
	return out
}

func seatIDsOf(o order.Order) func(uint32) string {
	ids := make(map[uint32]string, len(o.Tickets))
	for _, t := range o.Tickets {
		ids[t.Seat] = t.SeatID
	}
	return func(seat uint32) string { return ids[seat] }
}

func (s *Server) refundOrder(c *echo.Context) error {
	var in struct {
		Seats  []string `json:"seats"`
		Passes []string `json:"passes"`
		Amount int64    `json:"amount"`
		Reason string   `json:"reason"`
		Method string   `json:"method"`
	}
	if err := decode(c, &in, maxBody); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	if in.Amount < 0 {
		return &input.Error{Field: "amount", Reason: "must be above zero"}
	}
	o, rf, replayed, err := s.checkout.Refund(c.Request().Context(), checkout.RefundInput{
		OrderID: c.Param("id"), Seats: in.Seats, Passes: in.Passes, Amount: in.Amount, Reason: in.Reason, Method: in.Method,
		IdempotencyKey: c.Request().Header.Get("Idempotency-Key"), Actor: a,
	})
	if err != nil {
		return err
	}
	if replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	out := toOrderJSON(o)
	withPayments(&out, o, false)
	return c.JSON(http.StatusCreated, struct {
		Refund refundJSON `json:"refund"`
		Order  orderJSON  `json:"order"`
	}{toRefundJSON(rf, seatIDsOf(o)), out})
}

type eventJSON struct {
	At     string `json:"at"`
	Action string `json:"action"`
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
	Status string `json:"status"`
	Detail string `json:"detail"`
}

type messageJSON struct {
	ID        string  `json:"id"`
	Kind      string  `json:"kind"`
	To        string  `json:"to"`
	Subject   string  `json:"subject"`
	CreatedAt string  `json:"created_at"`
	SentAt    *string `json:"sent_at"`
	Attempts  int     `json:"attempts"`
	LastError string  `json:"last_error,omitempty"`
	GaveUp    bool    `json:"gave_up"` // the dispatcher stopped trying
}

func toMessageJSON(m outbox.Message) messageJSON {
	out := messageJSON{ID: m.ID, Kind: m.Kind, To: m.To, Subject: m.Subject, CreatedAt: rfc3339(m.CreatedAt),
		Attempts: m.Attempts, LastError: m.LastError, GaveUp: m.SentAt.IsZero() && !m.NextAttempt.Before(notify.Never)}
	if !m.SentAt.IsZero() {
		sent := rfc3339(m.SentAt)
		out.SentAt = &sent
	}
	return out
}

// orderHistory is the staff order page's extra: history, refunds, e-mails.
func (s *Server) orderHistory(c *echo.Context) error {
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	d, err := s.checkout.OrderDetails(c.Request().Context(), c.Param("id"), a)
	if err != nil {
		return err
	}
	out := struct {
		Order    orderJSON     `json:"order"`
		History  []eventJSON   `json:"history"`
		Refunds  []refundJSON  `json:"refunds"`
		Messages []messageJSON `json:"messages"`
	}{Order: toOrderJSON(d.Order), History: []eventJSON{}, Refunds: []refundJSON{}, Messages: []messageJSON{}}
	withPayments(&out.Order, d.Order, false)
	for _, e := range d.History {
		out.History = append(out.History, eventJSON{At: rfc3339(e.At), Action: e.Action, Actor: e.Actor, Reason: e.Reason, Status: e.Status, Detail: e.Detail})
	}
	ids := seatIDsOf(d.Order)
	for _, rf := range d.Refunds {
		out.Refunds = append(out.Refunds, toRefundJSON(rf, ids))
	}
	for _, m := range d.Messages {
		out.Messages = append(out.Messages, toMessageJSON(m))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) resendOrder(c *echo.Context) error {
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	m, err := s.checkout.Resend(c.Request().Context(), c.Param("id"), a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, toMessageJSON(m))
}

func (s *Server) reserve(c *echo.Context) error {
	var in struct {
		Days        int       `json:"days"`
		Buyer       buyerJSON `json:"buyer"`
		VoucherCode string    `json:"voucher_code"`
		// Fares: seat id → fare id, as an order's.
		Fares map[string]string `json:"fares"`
	}
	if err := decode(c, &in, 64<<10); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	o, err := s.checkout.ReserveAt(c.Request().Context(), c.Param("token"), a, in.Days, in.Buyer.Name, in.Buyer.Email, in.VoucherCode, in.Fares)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toOrderJSON(o))
}

func (s *Server) extendReservation(c *echo.Context) error {
	var in struct {
		Days   int    `json:"days"`
		Reason string `json:"reason"`
	}
	if err := decode(c, &in, 4<<10); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	o, err := s.checkout.ExtendReservation(c.Request().Context(), c.Param("id"), in.Days, a, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toOrderJSON(o))
}

func (s *Server) annulReservation(c *echo.Context) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if c.Request().ContentLength != 0 {
		if err := decode(c, &in, 4<<10); err != nil {
			return err
		}
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	o, err := s.checkout.AnnulReservation(c.Request().Context(), c.Param("id"), a, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toOrderJSON(o))
}

func (s *Server) payReservation(c *echo.Context) error {
	var in paymentJSON
	if err := decode(c, &in, 1<<10); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	o, err := s.checkout.PayReservation(c.Request().Context(), c.Param("id"), in.Method, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.fullOrderJSON(c.Request().Context(), o))
}

type searchJSON struct {
	Holds  []holdJSON  `json:"holds"`
	Orders []orderJSON `json:"orders"`
}

func (s *Server) search(c *echo.Context) error {
	holds, orders, err := s.seats.Search(c.Request().Context(), c.QueryParam("q"), c.QueryParam("performance"))
	if err != nil {
		return err
	}
	out := searchJSON{Holds: make([]holdJSON, 0, len(holds)), Orders: make([]orderJSON, 0, len(orders))}
	for _, h := range holds {
		out.Holds = append(out.Holds, toHoldJSON(h, true))
	}
	for _, o := range orders {
		out.Orders = append(out.Orders, toOrderJSON(o))
	}
	return c.JSON(http.StatusOK, out)
}

// printTickets is POST /orders/{id}/print: the box office printed the
// order's tickets (hard tickets); 200 with the order, its tickets'
// printed_at set.
func (s *Server) printTickets(c *echo.Context) error {
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	o, err := s.checkout.PrintTickets(c.Request().Context(), c.Param("id"), a)
	if err != nil {
		return err
	}
	out := s.fullOrderJSON(c.Request().Context(), o)
	withPayments(&out, o, false)
	return c.JSON(http.StatusOK, out)
}
