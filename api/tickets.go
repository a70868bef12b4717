package api

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"
	qr "github.com/piglig/go-qr"

	"github.com/seatmap/seatmap/checkout"
	"github.com/seatmap/seatmap/documents"
	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/voucher"
)

// maxAccessKey bounds the key query parameter: keys are 32 symbols.
const maxAccessKey = 64

// accessKey is the order's secret key the request carries (?key=, from the
// link in the order's e-mail), bounded.
func accessKey(c *echo.Context) (string, error) {
	key := c.QueryParam("key")
	if len(key) > maxAccessKey {
		return "", &input.Error{Field: "key", Reason: fmt.Sprintf("is longer than %d characters", maxAccessKey)}
	}
	return key, nil
}

// openOrder is the order of the request's :id, for the session that made it,
// staff, or the holder of its key.
func (s *Server) openOrder(c *echo.Context) (order.Order, error) {
	key, err := accessKey(c)
	if err != nil {
		return order.Order{}, err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return order.Order{}, err
	}
	return s.checkout.OpenOrder(c.Request().Context(), c.Param("id"), key, a)
}

// fullOrderJSON is an order as its own page shows it: toOrderJSON with the
// seats named as people say them (section, row, number), and the order's
// key, which whoever may read the order may pass on (the e-mail's link
// carries it). Without the hall (not loadable now) the ids stand alone.
func (s *Server) fullOrderJSON(ctx context.Context, o order.Order) orderJSON {
	return s.orderPageJSON(ctx, o, true)
}

// orderPageJSON is fullOrderJSON; without numbers, the tickets' form
// numbers are not read: an order just written has none yet (they are drawn
// after its commit), and a sale's answer should not wait for a query that
// finds nothing.
func (s *Server) orderPageJSON(ctx context.Context, o order.Order, numbers bool) orderJSON {
	out := toOrderJSON(o)
	out.AccessKey = o.AccessKey
	if numbers && order.Issued(o.Status) {
		// Numbers are drawn after the commit: an order read at once may
		// not have them yet. Without the register (the store is down) the
		// tickets go without.
		if ns, err := s.checkout.TicketNumbers(ctx, o.ID); err == nil {
			cur := checkout.CurrentNumbers(ns)
			for i, t := range o.Tickets {
				if n, ok := cur[t.ID]; ok {
					out.Tickets[i].Series, out.Tickets[i].TicketNumber = n.Series, n.Form()
				}
			}
		}
	}
	p, err := s.seats.Performance(ctx, o.PerformanceID)
	if err != nil {
		return out
	}
	h := p.Hall()
	for i, t := range o.Tickets {
		n := checkout.SeatNameOf(h, t.Seat, t.SeatID)
		tj := &out.Tickets[i]
		tj.Section, tj.Row, tj.Number, tj.SeatLabel = n.Section, n.Row, n.Number, n.Label()
	}
	return out
}

// qrScale and qrBorder draw a QR code one unit a module, with the quiet zone
// of four modules the standard asks for; the SVG scales to any size.
const (
	qrScale  = 1
	qrBorder = 4
)

// ticketQR answers GET /orders/{id}/tickets/{ticket}/qr.svg: the ticket's
// code as a QR code, for whoever may open the order. Only a live ticket of
// a paid order has one; a code never changes, so the image is cached
// (privately: it is the ticket).
func (s *Server) ticketQR(c *echo.Context) error {
	o, err := s.openOrder(c)
	if err != nil {
		return err
	}
	tid := c.Param("ticket")
	var code string
	for _, t := range o.Tickets {
		if t.ID == tid && t.Status == order.TicketLive && order.CodesShown(o) {
			code = t.Code
		}
	}
	if code == "" {
		return problem(http.StatusNotFound, "ticket-not-found", "Ticket not found", "the order has no valid ticket "+tid)
	}
	sum := sha256.Sum256([]byte(code))
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := c.Response().Header()
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("ETag", etag)
	// The gzip layer weakens the tag it sends (W/"…"): compare weakly.
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	svg, err := ticketSVG(code)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/svg+xml", svg)
}

// ticketSVG draws code as a QR code: alphanumeric mode (the codes' alphabet
// is in it), error correction M, which survives a scuffed print or a cracked
// phone screen.
func ticketSVG(code string) ([]byte, error) {
	seg, err := qr.MakeAlphanumeric(code)
	if err != nil {
		return nil, errors.Join(errors.New("ticket code is not alphanumeric"), err)
	}
	q, err := qr.EncodeStandardSegments([]*qr.QrSegment{seg}, qr.Medium)
	if err != nil {
		return nil, fmt.Errorf("encode ticket code: %w", err)
	}
	return q.ToSVGBytes(qr.NewQrCodeImgConfig(qrScale, qrBorder))
}

// ticketsPDF answers GET /orders/{id}/tickets.pdf: the order's live tickets
// as an A4 PDF, three to a page, for whoever may open the order (its
// session, staff, the e-mail's link with ?key=). Each ticket shows the
// performance, its date in the venue's zone, the seat as people say it, the
// zone, price, its form number once drawn, and the code the gate scans as a
// QR code. An order whose codes are not shown yet (not paid) has none: 409.
func (s *Server) ticketsPDF(c *echo.Context) error {
	o, err := s.openOrder(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if !order.CodesShown(o) || o.PerformanceID == "" {
		return problem(http.StatusConflict, "not-paid", "No tickets yet", "the order's tickets are issued once it is paid")
	}
	p, err := s.seats.Performance(ctx, o.PerformanceID)
	if err != nil {
		return err
	}
	meta := p.Meta()
	zones := map[string]string{}
	for _, z := range meta.Zones {
		zones[z.ID] = z.Name
	}
	forms := map[string]order.TicketNumber{}
	if ns, err := s.checkout.TicketNumbers(ctx, o.ID); err == nil {
		forms = checkout.CurrentNumbers(ns)
	}
	var tickets []documents.Ticket
	for _, t := range o.Tickets {
		if t.Status != order.TicketLive {
			continue
		}
		zone := zones[t.Zone]
		if zone == "" {
			zone = t.Zone
		}
		tk := documents.Ticket{
			Performance: meta.Name, When: s.checkout.When(meta.StartsAt), Seat: checkout.SeatNameOf(p.Hall(), t.Seat, t.SeatID).Label(),
			Zone: zone, Price: money.Format(t.Price, o.Currency), Code: t.Code, Order: o.Number, Buyer: o.BuyerName,
		}
		if n, ok := forms[t.ID]; ok {
			tk.Form = n.Form()
		}
		tickets = append(tickets, tk)
	}
	if len(tickets) == 0 {
		return problem(http.StatusConflict, "no-live-tickets", "No tickets", "every ticket of the order was refunded")
	}
	tpl, err := s.checkout.DocumentTemplate(ctx)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := documents.TicketsPDF(&b, "Tickets "+o.Number, tpl, tickets); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Disposition", `inline; filename="tickets-`+o.Number+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", b.Bytes())
}

// invoicePDF answers GET /orders/{id}/invoice.pdf: the order's invoice, for
// whoever may open the order. Its discount line names the voucher or
// promotion and its code ("Gift (GIFT-TEN) -10.00").
func (s *Server) invoicePDF(c *echo.Context) error {
	o, err := s.openOrder(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	amount := func(minor int64) string { return money.Decimal(minor, o.Currency) }
	inv := documents.Invoice{
		Number: o.Number, Date: s.checkout.When(o.CreatedAt), Buyer: o.BuyerName, BuyerEmail: o.BuyerEmail,
		Status: strings.ReplaceAll(o.Status, "_", " "), Subtotal: amount(o.Total + o.Discount), Total: amount(o.Total), Currency: o.Currency,
	}
	if o.Refunded > 0 {
		inv.Refunded = amount(o.Refunded)
	}
	zones := map[string]string{}
	var h *hall.Hall
	if o.PerformanceID != "" {
		if p, err := s.seats.Performance(ctx, o.PerformanceID); err == nil {
			meta := p.Meta()
			inv.Performance, inv.When, h = meta.Name, s.checkout.When(meta.StartsAt), p.Hall()
			for _, z := range meta.Zones {
				zones[z.ID] = z.Name
			}
		}
	}
	for _, t := range o.Tickets {
		if t.Status == order.TicketVoid {
			continue
		}
		text := checkout.SeatNameOf(h, t.Seat, t.SeatID).Label()
		if z := zones[t.Zone]; z != "" {
			text += " - " + z
		}
		if t.Fare != "" && t.Fare != "normal" {
			text += " - " + cmp.Or(t.FareName, t.Fare)
		}
		if t.Status == order.TicketRefunded {
			text += " (refunded)"
		}
		inv.Lines = append(inv.Lines, documents.InvoiceLine{Text: text, Amount: amount(t.Price)})
	}
	for _, p := range o.Passes {
		inv.Lines = append(inv.Lines, documents.InvoiceLine{Text: p.ProductName, Amount: amount(p.Price)})
	}
	if o.Discount > 0 {
		name, display := "Discount", o.VoucherCode
		if code, err := s.vouchers.Code(ctx, o.VoucherCode); err == nil {
			name, display = cmp.Or(code.Name, name), voucher.Format(code)
		}
		inv.Discount, inv.DiscountAmount = name+" ("+display+")", "-"+amount(o.Discount)
	}
	if inv.Template, err = s.checkout.DocumentTemplate(ctx); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := documents.InvoicePDF(&b, inv); err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("Content-Disposition", `inline; filename="invoice-`+o.Number+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", b.Bytes())
}
