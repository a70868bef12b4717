package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/staff"
)

// Value cards at the till, moving a card to another medium and pass
// vouchers at the pass counter (issue 14). Who may do what:
var (
	// passReaders read passes, their ledgers and QR codes.
	passReaders = []staff.Role{staff.RoleOrganizer, staff.RoleBoxOffice, staff.RolePassCounter}
	// ledgerReaders read a value card's ledger: the gate too, which debits.
	ledgerReaders = []staff.Role{staff.RoleOrganizer, staff.RoleBoxOffice, staff.RolePassCounter, staff.RoleGate}
	// toppers take money at a till onto a card.
	toppers = []staff.Role{staff.RoleOrganizer, staff.RoleBoxOffice}
	// debitors book what a card pays: the tills, and the gate (an access
	// product booked at entry).
	debitors = []staff.Role{staff.RoleOrganizer, staff.RoleBoxOffice, staff.RoleGate}
	// counters exchange vouchers and move cards to another medium: the pass
	// counter and the tills.
	counters = []staff.Role{staff.RoleOrganizer, staff.RoleBoxOffice, staff.RolePassCounter}
)

// maxLedgerBody bounds a top-up's or debit's body.
const maxLedgerBody = 4 << 10

// entryJSON is one line of a pass's ledger.
type entryJSON struct {
	ID             int64  `json:"id"`
	PassID         string `json:"pass_id"`
	Kind           string `json:"kind"`
	Amount         int64  `json:"amount"`
	Currency       string `json:"currency"`
	BalanceAfter   int64  `json:"balance_after"`
	By             string `json:"by"`
	Till           string `json:"till"`
	OrderID        string `json:"order_id"`
	Note           string `json:"note"`
	IdempotencyKey string `json:"idempotency_key"`
	CreatedAt      string `json:"created_at"`
}

func toEntryJSON(e pass.Entry) entryJSON {
	return entryJSON{ID: e.ID, PassID: e.PassID, Kind: e.Kind, Amount: e.Amount, Currency: e.Currency, BalanceAfter: e.BalanceAfter,
		By: e.By, Till: e.Till, OrderID: e.OrderID, Note: e.Note, IdempotencyKey: e.IdempotencyKey, CreatedAt: rfc3339(e.CreatedAt)}
}

// book answers POST /passes/{id}/top-up and /debit: 201 with the entry, 200
// with the first one for a booking repeated with its idempotency key (body
// or Idempotency-Key header).
func (s *Server) book(debit bool) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var in struct {
			Amount         *int64 `json:"amount"`
			IdempotencyKey string `json:"idempotency_key"`
			Note           string `json:"note"`
			Till           string `json:"till"`
		}
		if err := decode(c, &in, maxLedgerBody); err != nil {
			return err
		}
		if in.Amount == nil {
			return &input.Error{Field: "amount", Reason: "is missing"}
		}
		key := in.IdempotencyKey
		if h := c.Request().Header.Get("Idempotency-Key"); h != "" {
			if key != "" && key != h {
				return &input.Error{Field: "idempotency_key", Reason: "differs from the Idempotency-Key header"}
			}
			key = h
		}
		u, _, err := s.staffOf(c)
		if err != nil {
			return err
		}
		b := checkout.Booking{Amount: *in.Amount, IdempotencyKey: key, Note: in.Note, Till: in.Till, By: u.ID}
		op := s.checkout.TopUp
		if debit {
			op = s.checkout.Debit
		}
		e, replayed, err := op(c.Request().Context(), c.Param("id"), b)
		if err != nil {
			return err
		}
		status := http.StatusCreated
		if replayed {
			status = http.StatusOK
			c.Response().Header().Set("Idempotent-Replayed", "true")
		}
		return c.JSON(status, toEntryJSON(e))
	}
}

// passLedger answers GET /passes/{id}/ledger: a value or customer card's
// balance, credit limit and entries oldest first (?after= an entry id,
// ?limit= at most 1000).
func (s *Server) passLedger(c *echo.Context) error {
	var after int64
	if v := c.QueryParam("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return &input.Error{Field: "after", Reason: "is not an entry id"}
		}
		after = n
	}
	limit := 1000
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return &input.Error{Field: "limit", Reason: "must be from 1 to 1000"}
		}
		limit = n
	}
	l, err := s.checkout.PassLedger(c.Request().Context(), c.Param("id"), after, limit)
	if err != nil {
		return err
	}
	out := struct {
		PassID      string      `json:"pass_id"`
		Balance     int64       `json:"balance"`
		Currency    string      `json:"currency"`
		CreditLimit int64       `json:"credit_limit"`
		Items       []entryJSON `json:"items"`
		Next        *int64      `json:"next"`
	}{PassID: c.Param("id"), Balance: l.Balance, Currency: l.Currency, CreditLimit: l.CreditLimit, Items: make([]entryJSON, len(l.Entries))}
	for i, e := range l.Entries {
		out.Items[i] = toEntryJSON(e)
	}
	if len(l.Entries) == limit {
		last := l.Entries[len(l.Entries)-1].ID
		out.Next = &last
	}
	return c.JSON(http.StatusOK, out)
}

// passByCode answers GET /pass-codes/{code}: the pass with a code as typed
// or scanned, for staff at a till or the counter.
func (s *Server) passByCode(c *echo.Context) error {
	p, err := s.checkout.PassByCode(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, toPassJSON(p, true))
}

// staffPassQR answers GET /passes/{id}/qr.svg for staff: the pass's code as
// a QR code, for the counter's print, while the pass is in use.
func (s *Server) staffPassQR(c *echo.Context) error {
	p, err := s.checkout.OpenPassInUse(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(p.Code))
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := c.Response().Header()
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("ETag", etag)
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	svg, err := ticketSVG(p.Code)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/svg+xml", svg)
}

// transferPass answers POST /passes/{id}/transfer (Rabatt übertragen): 201
// with the new pass that carries the card on; the old one is replaced.
func (s *Server) transferPass(c *echo.Context) error {
	var in struct {
		Till string `json:"till"`
	}
	if c.Request().ContentLength != 0 {
		if err := decode(c, &in, maxLedgerBody); err != nil {
			return err
		}
	}
	u, _, err := s.staffOf(c)
	if err != nil {
		return err
	}
	p, err := s.checkout.TransferPass(c.Request().Context(), c.Param("id"), u.ID, in.Till)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/passes/"+p.ID)
	return c.JSON(http.StatusCreated, toPassJSON(p, true))
}

// exchangePassVoucher answers POST /pass-vouchers/{code}/exchange at the
// pass counter: 201 with the pass the voucher became, made out to the
// holder, printed and handed over; 409 voucher-exchanged naming that pass
// for every later exchange.
func (s *Server) exchangePassVoucher(c *echo.Context) error {
	var in struct {
		Holder *struct {
			Name      string `json:"name"`
			BirthDate string `json:"birth_date"`
		} `json:"holder"`
	}
	if err := decode(c, &in, maxPersonalizeBody); err != nil {
		return err
	}
	if in.Holder == nil {
		return &input.Error{Field: "holder", Reason: "is missing"}
	}
	birth, err := pass.ParseDate(in.Holder.BirthDate)
	if err != nil {
		return &input.Error{Field: "holder.birth_date", Reason: "is not a date YYYY-MM-DD"}
	}
	u, _, err := s.staffOf(c)
	if err != nil {
		return err
	}
	p, err := s.checkout.ExchangePassVoucher(c.Request().Context(), c.Param("code"), pass.Holder{Name: in.Holder.Name, BirthDate: birth}, u.Login)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/passes/"+p.ID)
	return c.JSON(http.StatusCreated, toPassJSON(p, true))
}

// passActor is actorOf for reading a pass: staff who may read passes (the
// pass counter too) read any.
func (s *Server) passActor(c *echo.Context) (seating.Actor, error) {
	a, err := s.actorOf(c)
	if err != nil || a.Staff() {
		return a, err
	}
	u, ok, err := s.staffOf(c)
	if err != nil {
		return a, err
	}
	if ok && u.May(passReaders...) {
		a.StaffID, a.Login, a.Role = u.ID, u.Login, string(u.Role)
	}
	return a, nil
}
