package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
)

// passJSON is one pass of an order. Code is what the gate scans: null until
// the order is paid, as a ticket's. Price is its line on the receipt (a
// block card's first card at the price, the others 0). Validity dates are
// null while open (a pass valid from its first use).
type passJSON struct {
	ID          string  `json:"id"`
	OrderID     string  `json:"order_id"`
	Code        *string `json:"code"`
	State       string  `json:"state"`
	ProductID   string  `json:"product_id"`
	ProductName string  `json:"product_name"`
	Kind        string  `json:"kind"`
	Price       int64   `json:"price"`
	// Line and Unit: the order line and the unit of it the pass was sold
	// as; a block card's cards share both and are refunded together.
	Line      int        `json:"line"`
	Unit      int        `json:"unit"`
	ValidFrom *pass.Date `json:"valid_from"`
	ValidTo   *pass.Date `json:"valid_to"`
	// Personalize says the pass needs a holder before it is produced.
	Personalize bool       `json:"personalize"`
	Holder      holderJSON `json:"holder"`
	CreatedAt   string     `json:"created_at"`
}

type holderJSON struct {
	Name      string     `json:"name"`
	BirthDate *pass.Date `json:"birth_date"`
}

func datePtr(d pass.Date) *pass.Date {
	if d.IsZero() {
		return nil
	}
	return &d
}

func toPassJSON(p pass.Pass, shown bool) passJSON {
	out := passJSON{ID: p.ID, OrderID: p.OrderID, State: p.State, ProductID: p.ProductID, ProductName: p.ProductName, Kind: p.Kind,
		Price: p.Price, Line: p.Line, Unit: p.Unit, ValidFrom: datePtr(p.ValidFrom), ValidTo: datePtr(p.ValidTo), Personalize: p.Personalize,
		Holder: holderJSON{Name: p.Holder.Name, BirthDate: datePtr(p.Holder.BirthDate)}, CreatedAt: rfc3339(p.CreatedAt)}
	if shown && p.Code != "" {
		code := p.Code
		out.Code = &code
	}
	return out
}

// orderItemJSON is one line of products: Quantity units of a product at
// Price each (a block card's price, for all its cards), Amount in all.
type orderItemJSON struct {
	ProductID   string `json:"product_id"`
	ProductName string `json:"product_name"`
	Kind        string `json:"kind"`
	Quantity    int    `json:"quantity"`
	Price       int64  `json:"price"`
	Amount      int64  `json:"amount"`
	Passes      int    `json:"passes"` // units times a block's cards
}

func toItemsJSON(o order.Order) []orderItemJSON {
	out := []orderItemJSON{}
	var units []int
	for _, p := range o.Passes {
		if len(out) <= p.Line {
			out = append(out, orderItemJSON{ProductID: p.ProductID, ProductName: p.ProductName, Kind: p.Kind})
			units = units[:0]
		}
		it := &out[len(out)-1]
		if !slices.Contains(units, p.Unit) {
			units = append(units, p.Unit)
			it.Quantity++
		}
		it.Amount += p.Price
		it.Passes++
	}
	for i := range out {
		if out[i].Quantity > 0 {
			out[i].Price = out[i].Amount / int64(out[i].Quantity)
		}
	}
	return out
}

// listPasses answers staff: passes newest first, by state, product and order.
func (s *Server) listPasses(c *echo.Context) error {
	f := pass.PassFilter{State: c.QueryParam("state"), ProductID: c.QueryParam("product"), OrderID: c.QueryParam("order")}
	if f.State != "" && !pass.ValidState(f.State) {
		return &input.Error{Field: "state", Reason: "is not a pass state"}
	}
	for field, v := range map[string]string{"product": f.ProductID, "order": f.OrderID} {
		if len(v) > 64 {
			return &input.Error{Field: field, Reason: "is longer than 64 characters"}
		}
	}
	q, err := parsePage(c)
	if err != nil {
		return err
	}
	f.Limit, f.Before, f.BeforeID = q.Limit, q.CursorTime, q.CursorID
	page, err := s.checkout.ListPasses(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := listJSON[passJSON]{Items: make([]passJSON, 0, len(page))}
	for _, p := range page {
		// Staff see codes: the order's status says whether they are good.
		out.Items = append(out.Items, toPassJSON(p, true))
	}
	if len(page) == f.Limit {
		last := page[len(page)-1]
		out.Next = encodeCursor(last.CreatedAt, last.ID)
	}
	return c.JSON(http.StatusOK, out)
}

// getPass answers staff, the session that made the pass's order, and
// whoever has the order's key (?key=).
func (s *Server) getPass(c *echo.Context) error {
	key, err := accessKey(c)
	if err != nil {
		return err
	}
	a, err := s.passActor(c)
	if err != nil {
		return err
	}
	p, o, err := s.checkout.OpenPass(c.Request().Context(), c.Param("id"), key, a)
	if err != nil {
		return err
	}
	if a.Staff() {
		// Staff see its history and the moves it allows (production.go).
		out, err := s.passDetail(c, p)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
	return c.JSON(http.StatusOK, toPassJSON(p, order.CodesShown(o)))
}

// personalization answers GET /personalize/{token}: the order's passes that
// need a holder, for the buyer's link (no account). The PUT below names
// their holders.
func (s *Server) personalization(c *echo.Context) error {
	pz, err := s.checkout.Personalization(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	out := struct {
		OrderNumber string     `json:"order_number"`
		Passes      []passJSON `json:"passes"`
	}{OrderNumber: pz.OrderNumber, Passes: make([]passJSON, len(pz.Passes))}
	for i, p := range pz.Passes {
		// The link personalizes; it does not hand out codes.
		out.Passes[i] = toPassJSON(p, false)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// maxPersonalizeBody bounds a personalization's body: a name and a date.
const maxPersonalizeBody = 4 << 10

// personalize answers PUT /personalize/{token}/passes/{id}: the holder of
// one pass the token opens, for the buyer's link (no account; the token is
// the secret). 200 with the pass; 409 once it is printed.
func (s *Server) personalize(c *echo.Context) error {
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
	p, err := s.checkout.Personalize(c.Request().Context(), c.Param("token"), c.Param("id"),
		pass.Holder{Name: in.Holder.Name, BirthDate: birth})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	// The link personalizes; it does not hand out codes.
	return c.JSON(http.StatusOK, toPassJSON(p, false))
}

// passQR answers GET /orders/{id}/passes/{pass}/qr.svg: the pass's code as a
// QR code, for whoever may open the order, once it is paid and while the
// pass is not void.
func (s *Server) passQR(c *echo.Context) error {
	o, err := s.openOrder(c)
	if err != nil {
		return err
	}
	pid := c.Param("pass")
	var code string
	for _, p := range o.Passes {
		// A replaced pass's code is dead (its new card has its own), an
		// expired one's too.
		if p.ID == pid && p.Live() && p.State != pass.StateBlocked && p.State != pass.StateReplaced && p.State != pass.StateExpired && order.CodesShown(o) {
			code = p.Code
		}
	}
	if code == "" {
		return problem(http.StatusNotFound, "pass-not-found", "Pass not found", "the order has no valid pass "+pid)
	}
	sum := sha256.Sum256([]byte(code))
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := c.Response().Header()
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("ETag", etag)
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	svg, err := ticketSVG(code)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/svg+xml", svg)
}
