package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/engine"
	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/internal/breaker"
	"github.com/seatmap/seatmap/internal/fence"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/payment"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/voucher"
)

// Problem is an RFC 9457 problem document. Seats and Errors carry details a
// client can act on.
type Problem struct {
	Type   string   `json:"type"`
	Title  string   `json:"title"`
	Status int      `json:"status"`
	Detail string   `json:"detail,omitempty"`
	Seats  []string `json:"seats,omitempty"`
	// Field names the bad field of an invalid-input problem, as the request
	// named it ("price", "hours.mon.ranges[0]").
	Field string `json:"field,omitempty"`
	// Reason says why a voucher or promotion cannot be used (code-invalid).
	Reason string         `json:"reason,omitempty"`
	Errors []hall.Problem `json:"errors,omitempty"`
	// RetryAfter in seconds, also sent as the Retry-After header.
	RetryAfter int `json:"retry_after,omitempty"`
	// State is the state a pass is in, when a move needs another.
	State string `json:"state,omitempty"`
	// Passes are the passes of a print batch's list that are not
	// personalized, with their states ("" if there is no such pass).
	Passes []problemPass `json:"passes,omitempty"`
	// Balance, CreditLimit and Currency of a card that cannot pay
	// (insufficient-balance).
	Balance     *int64 `json:"balance,omitempty"`
	CreditLimit *int64 `json:"credit_limit,omitempty"`
	Currency    string `json:"currency,omitempty"`
	// Pass names the pass a voucher or card became (voucher-exchanged,
	// pass-not-in-use).
	Pass string `json:"pass,omitempty"`
}

type problemPass struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

const problemBase = "https://seatmap.dev/problems/"

// statusClientGone is what metrics and logs say of a request whose client
// left before the answer (nginx's 499): not the server's failure, and nothing
// is written to the gone client.
const statusClientGone = 499

// problemRule maps errors to one status and problem type. The first matching rule
// wins; the table is the only place that decides HTTP statuses for domain errors.
type problemRule struct {
	match  func(error) bool
	status int
	slug   string
	title  string
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func as[T error]() func(error) bool {
	return func(err error) bool {
		var t T
		return errors.As(err, &t)
	}
}

var problemRules = []problemRule{
	{as[*seating.TakenError](), http.StatusConflict, "seats-taken", "Seats not available"},
	{is(engine.ErrNoSeats), http.StatusConflict, "no-seats-together", "Not enough seats together"},
	{is(engine.ErrPinned), http.StatusConflict, "hold-confirming", "Hold is being confirmed"},
	{is(engine.ErrTokenInUse), http.StatusConflict, "hold-token-in-use", "Hold token in use"},
	{is(seating.ErrCancelled), http.StatusConflict, "performance-cancelled", "Performance cancelled"},
	{is(seating.ErrNotOnSale), http.StatusConflict, "not-on-sale", "Performance not on sale"},
	{is(engine.ErrNotFound), http.StatusNotFound, "hold-not-found", "Hold not found or expired"},
	{is(engine.ErrNotOwner), http.StatusForbidden, "hold-foreign", "Hold belongs to another session"},
	{is(seating.ErrPerformanceNotFound), http.StatusNotFound, "performance-not-found", "Performance not found"},
	{is(seating.ErrHallNotFound), http.StatusNotFound, "hall-not-found", "Hall not found"},
	{is(checkout.ErrOrderNotFound), http.StatusNotFound, "order-not-found", "Order not found"},
	{is(checkout.ErrJobNotFound), http.StatusNotFound, "job-not-found", "Job not found"},
	{is(checkout.ErrRescheduled), http.StatusConflict, "performance-rescheduled", "Performance rescheduled already"},
	{is(checkout.ErrMoveNotFound), http.StatusNotFound, "no-pending-reservation", "No reservation waiting for a decision"},
	{is(errNotRescheduled), http.StatusNotFound, "not-rescheduled", "Performance not rescheduled"},
	{is(seating.ErrHoldLifetime), http.StatusConflict, "hold-lifetime", "Hold cannot be extended further"},
	{is(seating.ErrReserved), http.StatusConflict, "hold-reserved", "Hold belongs to a reservation"},
	{is(checkout.ErrNotReserved), http.StatusConflict, "not-reserved", "Order is not a reservation"},
	{is(checkout.ErrNotPaid), http.StatusConflict, "not-paid", "Order is not paid"},
	{is(checkout.ErrDocumentNotFound), http.StatusNotFound, "document-not-found", "Document not found"},
	{as[*voucher.InvalidError](), http.StatusUnprocessableEntity, "code-invalid", "Voucher or promotion not valid"},
	{is(voucher.ErrNotFound), http.StatusNotFound, "code-not-found", "Voucher or promotion not found"},
	{is(voucher.ErrState), http.StatusConflict, "code-state", "Voucher or promotion cannot change so"},
	{is(order.ErrBlockSplit), http.StatusConflict, "block-card-split", "A block card refunds whole"},
	{is(order.ErrNotRefundable), http.StatusConflict, "not-refundable", "Order cannot be refunded so"},
	{is(order.ErrExceedsPaid), http.StatusUnprocessableEntity, "refund-exceeds-paid", "Refund exceeds what was paid"},
	{is(checkout.ErrIdempotencyMismatch), http.StatusUnprocessableEntity, "idempotency-mismatch", "Idempotency key reused"},
	{is(payment.ErrBadSignature), http.StatusBadRequest, "bad-signature", "Webhook signature does not verify"},
	{is(checkout.ErrNoPayments), http.StatusNotFound, "payment-provider-not-found", "No such payment provider"},
	{is(order.ErrPaymentNotFound), http.StatusNotFound, "payment-not-found", "Payment not found"},
	{is(checkout.ErrPaymentSecret), http.StatusForbidden, "payment-secret", "Client secret does not match"},
	{is(order.ErrPaymentMismatch), http.StatusUnprocessableEntity, "payment-mismatch", "Payment event does not match the payment"},
	{is(checkout.ErrProvider), http.StatusBadGateway, "payment-provider", "Payment provider failed"},
	{is(pass.ErrNotFound), http.StatusNotFound, "product-not-found", "Product not found"},
	{is(checkout.ErrPassNotFound), http.StatusNotFound, "pass-not-found", "Pass not found"},
	{is(checkout.ErrPassProduced), http.StatusConflict, "pass-produced", "Pass is printed and refuses edits"},
	{as[*pass.StateError](), http.StatusConflict, "pass-state", "Pass is not in a state for this"},
	{as[*pass.UnprintableError](), http.StatusConflict, "passes-not-personalized", "Passes are not personalized"},
	{is(pass.ErrNothingToPrint), http.StatusConflict, "nothing-to-print", "No pass waits for printing"},
	{is(checkout.ErrNoPhoto), http.StatusNotFound, "photo-not-found", "Pass has no photo"},
	{is(checkout.ErrBatchNotFound), http.StatusNotFound, "print-batch-not-found", "Print batch not found"},
	{is(checkout.ErrNoProducts), http.StatusConflict, "products-not-sold", "Products are not sold here"},
	{is(checkout.ErrInsufficientBalance), http.StatusConflict, "insufficient-balance", "Insufficient balance"},
	{is(checkout.ErrVoucherExchanged), http.StatusConflict, "voucher-exchanged", "Voucher already exchanged"},
	{is(checkout.ErrNoValue), http.StatusConflict, "pass-carries-no-value", "Pass carries no value"},
	{is(checkout.ErrPassNotInUse), http.StatusConflict, "pass-not-in-use", "Pass is not in use"},
	{is(checkout.ErrNotVoucher), http.StatusConflict, "not-a-pass-voucher", "Not a pass voucher"},
	{is(checkout.ErrExchangeProduct), http.StatusConflict, "exchange-product", "Voucher cannot be exchanged"},
	{is(checkout.ErrNotTransferable), http.StatusConflict, "pass-not-transferable", "Pass does not move to another medium"},
	{is(gate.ErrGateNotFound), http.StatusNotFound, "gate-not-found", "Gate not found"},
	{is(gate.ErrNonceReused), http.StatusConflict, "nonce-reused", "Nonce already used for another scan"},
	{is(gate.ErrNothingDue), http.StatusConflict, "nothing-due", "No surcharge is due"},
	{as[*gate.DueError](), http.StatusConflict, "surcharge-changed", "Another amount is due"},
	{is(pass.ErrStale), http.StatusPreconditionFailed, "stale", "Changed since it was read"},
	{is(checkout.ErrPerformanceChanged), http.StatusPreconditionFailed, "stale", "Changed since it was read"},
	{is(checkout.ErrReplaceRunning), http.StatusConflict, "replacement-running", "Buyers are still being told of the last change"},
	{is(checkout.ErrNoReplacement), http.StatusNotFound, "replacement-not-found", "No change of this performance offers a choice"},
	{is(checkout.ErrChoiceClosed), http.StatusConflict, "replacement-choice-closed", "The deadline for choosing has passed"},
	{is(checkout.ErrChoiceFinal), http.StatusConflict, "replacement-refunded", "Refunded by an earlier choice"},
	{as[*seating.UnknownSeatsError](), http.StatusUnprocessableEntity, "unknown-seats", "Unknown seats"},
	{as[*input.Error](), http.StatusUnprocessableEntity, "invalid-input", "Invalid input"},
	{as[*hall.ValidationError](), http.StatusUnprocessableEntity, "invalid-layout", "Invalid hall layout"},
	{as[*engine.SeatError](), http.StatusUnprocessableEntity, "invalid-seats", "Invalid seats"},
	{is(engine.ErrTooMany), http.StatusUnprocessableEntity, "too-many-seats", "Too many seats"},
	{is(engine.ErrEmpty), http.StatusUnprocessableEntity, "invalid-input", "Invalid input"},
	{is(engine.ErrUnknownZone), http.StatusUnprocessableEntity, "invalid-input", "Invalid input"},
	{as[*seating.HoldCapError](), http.StatusTooManyRequests, "hold-limit", "Too many seats held"},
	{is(store.ErrInvalid), http.StatusUnprocessableEntity, "invalid-input", "Invalid input"},
	{as[*breaker.UnavailableError](), http.StatusServiceUnavailable, "unavailable", "Service unavailable"},
	{is(seating.ErrNotOwner), http.StatusServiceUnavailable, "not-owner", "Served by another node"},
	{is(fence.ErrStale), http.StatusServiceUnavailable, "not-owner", "Served by another node"},
	{is(context.DeadlineExceeded), http.StatusServiceUnavailable, "unavailable", "Service unavailable"},
}

// toProblem turns any error into the problem the client gets. Unknown errors are
// 500s whose detail does not leak internals.
func (s *Server) toProblem(c *echo.Context, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		return &Problem{Type: problemBase + "client-gone", Title: "Client closed request", Status: statusClientGone, Detail: "the client left before the answer"}
	}
	for _, r := range problemRules {
		if !r.match(err) {
			continue
		}
		p = &Problem{Type: problemBase + r.slug, Title: r.title, Status: r.status, Detail: err.Error()}
		var taken *seating.TakenError
		if errors.As(err, &taken) {
			p.Seats = taken.Seats
		}
		var bad *input.Error
		if errors.As(err, &bad) {
			p.Field = bad.Field
		}
		var code *voucher.InvalidError
		if errors.As(err, &code) {
			p.Reason = code.Reason
		}
		var unknown *seating.UnknownSeatsError
		if errors.As(err, &unknown) {
			p.Seats = unknown.IDs
		}
		var invalid *hall.ValidationError
		if errors.As(err, &invalid) {
			p.Errors = invalid.Problems
		}
		var moved *pass.StateError
		if errors.As(err, &moved) {
			p.State = moved.State
		}
		var unprintable *pass.UnprintableError
		if errors.As(err, &unprintable) {
			for _, ps := range unprintable.Passes {
				p.Passes = append(p.Passes, problemPass{ID: ps.ID, State: ps.State})
			}
		}
		var capped *seating.HoldCapError
		if errors.As(err, &capped) {
			p.RetryAfter = max(1, int(capped.OldestEnds.Sub(s.now()).Seconds()+0.999))
		}
		var low *pass.BalanceError
		if errors.As(err, &low) {
			p.Balance, p.CreditLimit, p.Currency = &low.Balance, &low.CreditLimit, low.Currency
		}
		var replaced *pass.ReplacedError
		if errors.As(err, &replaced) {
			p.Pass = replaced.By
		}
		var unavailable *breaker.UnavailableError
		if errors.As(err, &unavailable) {
			p.Detail = unavailable.Service + " is unavailable; nothing was changed, please retry shortly"
			p.RetryAfter = 2
		}
		if errors.Is(err, seating.ErrNotOwner) || errors.Is(err, fence.ErrStale) {
			// Several nodes: the performance is moving to another node;
			// nothing was changed, and a retry is forwarded to it.
			p.Detail = "this performance is moving to another node; nothing was changed, please retry"
			p.RetryAfter = 1
		}
		if errors.Is(err, store.ErrInvalid) {
			// The driver's words would name columns and encodings.
			p.Detail = "a value of the request cannot be stored: text that is not UTF-8 or holds NUL, or a number or date out of range"
		}
		return p
	}
	var sc echo.HTTPStatusCoder
	if errors.As(err, &sc) && sc.StatusCode() != 0 {
		code := sc.StatusCode()
		return &Problem{Type: "about:blank", Title: http.StatusText(code), Status: code, Detail: httpErrorDetail(err, code)}
	}
	return &Problem{Type: "about:blank", Title: "Internal Server Error", Status: http.StatusInternalServerError, Detail: "an unexpected error occurred; it has been logged"}
}

func httpErrorDetail(err error, code int) string {
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Message != "" {
		return he.Message
	}
	switch code {
	case http.StatusNotFound:
		return "no such resource"
	case http.StatusMethodNotAllowed:
		return "method not allowed on this resource"
	case http.StatusRequestEntityTooLarge:
		return "request body is too large"
	}
	return http.StatusText(code)
}

// problem makes a problem for a status with a slug and detail.
func problem(status int, slug, title, detail string) *Problem {
	return &Problem{Type: problemBase + slug, Title: title, Status: status, Detail: detail}
}

func (s *Server) handleError(c *echo.Context, err error) {
	if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Committed {
		return
	}
	p := s.toProblem(c, err)
	switch {
	case p.Status == statusClientGone:
		s.log.Debug("client gone", "method", c.Request().Method, "route", c.Path(), "status", p.Status, "err", err)
		return
	case p.Status == http.StatusServiceUnavailable:
		// An outage is logged once, by the circuit breaker that sees it
		// begin and end, not once per refused request.
		s.log.Debug("request refused", "method", c.Request().Method, "route", c.Path(), "status", p.Status, "err", err)
	case p.Status >= 500:
		s.log.Error("request failed", "method", c.Request().Method, "route", c.Path(), "status", p.Status, "err", err)
	}
	if p.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", itoa(p.RetryAfter))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	_ = jsonEncode(c.Response(), p)
}
