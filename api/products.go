package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/pass"
)

// Bounds on product and facility bodies: a product is a few hundred bytes, the
// settings at most a year of exceptions.
const (
	maxProductBody  = 16 << 10
	maxFacilityBody = 256 << 10
)

// productBody is a product as requests give it and answers show it: the
// rules of its kind flat beside its name and price, as issue 14's examples
// write them. A PATCH is this body decoded over the stored product.
type productBody struct {
	Kind      string   `json:"kind"`
	Name      string   `json:"name"`
	Price     int64    `json:"price"`
	Currency  string   `json:"currency"`
	Channels  []string `json:"channels"`
	OnSale    *bool    `json:"on_sale"`
	Validity  string   `json:"validity"`
	ValidFrom string   `json:"valid_from"`
	ValidTo   string   `json:"valid_to"`
	ValidDays int      `json:"valid_days"`
	pass.Rules
}

// productJSON is a product as answers show it.
type productJSON struct {
	ID string `json:"id"`
	productBody
	Version   int    `json:"version"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func bodyOf(p pass.Product) productBody {
	return productBody{
		Kind: p.Kind, Name: p.Name, Price: p.Price, Currency: p.Currency, Channels: nonNilSlice(p.Channels), OnSale: &p.OnSale,
		Validity: p.Validity.Mode, ValidFrom: p.Validity.From.String(), ValidTo: p.Validity.To.String(), ValidDays: p.Validity.Days,
		Rules: p.Rules,
	}
}

func toProductJSON(p pass.Product) productJSON {
	return productJSON{ID: p.ID, productBody: bodyOf(p), Version: p.Version, CreatedAt: rfc3339(p.CreatedAt), UpdatedAt: rfc3339(p.UpdatedAt)}
}

// product turns the body into a product (unchecked: Normalize checks).
func (b productBody) product() (pass.Product, error) {
	from, err := pass.ParseDate(b.ValidFrom)
	if err != nil {
		return pass.Product{}, &input.Error{Field: "valid_from", Reason: err.Error()}
	}
	to, err := pass.ParseDate(b.ValidTo)
	if err != nil {
		return pass.Product{}, &input.Error{Field: "valid_to", Reason: err.Error()}
	}
	// A new product is on sale in its channels unless it says otherwise; a
	// staff card is never on sale.
	onSale := b.Kind != pass.KindStaff
	if b.OnSale != nil {
		onSale = *b.OnSale
	}
	return pass.Product{
		Kind: b.Kind, Name: b.Name, Price: b.Price, Currency: b.Currency, Channels: b.Channels, OnSale: onSale,
		Validity: pass.Validity{Mode: b.Validity, From: from, To: to, Days: b.ValidDays}, Rules: b.Rules,
	}, nil
}

// productETag is a product's version as an entity tag.
func productETag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// ifMatch reads If-Match: 0 when absent or "*", else the version it names.
// Weak tags are taken too: compression weakens the tags it answers with.
func ifMatch(c *echo.Context) (int, error) {
	v := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if v == "" || v == "*" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(v, "W/"), `"`))
	if err != nil || n < 1 {
		return 0, problem(http.StatusPreconditionFailed, "stale", "Changed since it was read",
			fmt.Sprintf("If-Match %q is not an entity tag of this resource", v))
	}
	return n, nil
}

func (s *Server) createProduct(c *echo.Context) error {
	var in productBody
	if err := decode(c, &in, maxProductBody); err != nil {
		return err
	}
	u, _, err := s.staffOf(c)
	if err != nil {
		return err
	}
	p, err := in.product()
	if err != nil {
		return err
	}
	out, err := s.passes.Create(c.Request().Context(), p, u.Login)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", productETag(out.Version))
	c.Response().Header().Set("Location", "/api/v1/products/"+out.ID)
	return c.JSON(http.StatusCreated, toProductJSON(out))
}

// listProducts: buyers see what is on sale on the web; staff see every
// product and filter by on_sale, channel and kind.
func (s *Server) listProducts(c *echo.Context) error {
	_, staff, err := s.staffOf(c)
	if err != nil {
		return err
	}
	limit, err := parseLimit(c, 100, 200)
	if err != nil {
		return err
	}
	f := pass.Filter{Kind: c.QueryParam("kind"), Limit: limit}
	if cur := c.QueryParam("cursor"); cur != "" {
		if f.AfterTime, f.AfterID, err = decodeCursor(cur); err != nil {
			return err
		}
	}
	if staff {
		f.Channel = c.QueryParam("channel")
		switch v := c.QueryParam("on_sale"); v {
		case "":
		case "true", "false":
			b := v == "true"
			f.OnSale = &b
		default:
			return &input.Error{Field: "on_sale", Reason: "must be true or false"}
		}
	} else {
		yes := true
		f.OnSale, f.Channel = &yes, "web"
	}
	page, err := s.passes.Products(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := listJSON[productJSON]{Items: make([]productJSON, 0, len(page))}
	for _, p := range page {
		out.Items = append(out.Items, toProductJSON(p))
	}
	if len(page) == limit {
		last := page[len(page)-1]
		out.Next = encodeCursor(last.CreatedAt, last.ID)
	}
	return c.JSON(http.StatusOK, out)
}

// visibleProduct loads a product; buyers see only those on sale on the web.
func (s *Server) visibleProduct(c *echo.Context, id string) (pass.Product, error) {
	p, err := s.passes.Product(c.Request().Context(), id)
	if err != nil {
		return p, err
	}
	if !p.SoldOn("web") {
		if _, staff, err := s.staffOf(c); err != nil || !staff {
			return pass.Product{}, fmt.Errorf("product %s: %w", id, pass.ErrNotFound)
		}
	}
	return p, nil
}

func (s *Server) getProduct(c *echo.Context) error {
	p, err := s.visibleProduct(c, c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", productETag(p.Version))
	return c.JSON(http.StatusOK, toProductJSON(p))
}

// patchProduct changes the fields the body names (a JSON merge over the
// stored product); If-Match, when sent, must name the stored version.
func (s *Server) patchProduct(c *echo.Context) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var decodeErr error
	out, err := s.passes.Update(c.Request().Context(), c.Param("id"), version, func(p *pass.Product) error {
		in := bodyOf(*p)
		if err := decode(c, &in, maxProductBody); err != nil {
			decodeErr = err
			return err
		}
		next, err := in.product()
		if err != nil {
			return err
		}
		next.ID, next.Version, next.CreatedBy, next.CreatedAt = p.ID, p.Version, p.CreatedBy, p.CreatedAt
		*p = next
		return nil
	})
	if decodeErr != nil {
		return decodeErr
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", productETag(out.Version))
	return c.JSON(http.StatusOK, toProductJSON(out))
}

// facilityJSON is the settings as staff read and write them; buyers see the
// opening hours, their exceptions and the season only.
type facilityJSON struct {
	Hours            map[string]pass.DayHours `json:"hours"`
	Exceptions       []pass.Exception         `json:"exceptions"`
	Season           *pass.DateRange          `json:"season"`
	ToleranceMinutes *int                     `json:"tolerance_minutes,omitempty"`
	Zones            []pass.Zone              `json:"zones,omitempty"`
	Version          *int                     `json:"version,omitempty"`
}

func toFacilityJSON(f pass.Facility, staff bool) facilityJSON {
	out := facilityJSON{Hours: f.Hours, Exceptions: nonNilSlice(f.Exceptions), Season: f.Season}
	if out.Hours == nil {
		out.Hours = map[string]pass.DayHours{}
	}
	if staff {
		out.ToleranceMinutes, out.Zones, out.Version = &f.ToleranceMinutes, nonNilSlice(f.Zones), &f.Version
	}
	return out
}

func (s *Server) getFacility(c *echo.Context) error {
	_, staff, err := s.staffOf(c)
	if err != nil {
		return err
	}
	f, err := s.passes.Facility(c.Request().Context())
	if err != nil {
		return err
	}
	if staff {
		c.Response().Header().Set("ETag", productETag(f.Version))
	}
	return c.JSON(http.StatusOK, toFacilityJSON(f, staff))
}

// putFacility replaces the settings; If-Match, when sent, must name the
// stored version ("0" before the first settings).
func (s *Server) putFacility(c *echo.Context) error {
	var in struct {
		facilityJSON
		Version *int `json:"version"` // shown by GET; ignored here (If-Match decides)
	}
	if err := decode(c, &in, maxFacilityBody); err != nil {
		return err
	}
	version := -1
	if h := strings.TrimSpace(c.Request().Header.Get("If-Match")); h == `"0"` || h == `W/"0"` {
		version = 0
	} else if v, err := ifMatch(c); err != nil {
		return err
	} else if v > 0 {
		version = v
	}
	f := pass.Facility{Hours: in.Hours, Exceptions: in.Exceptions, Season: in.Season, Zones: in.Zones}
	if in.ToleranceMinutes != nil {
		f.ToleranceMinutes = *in.ToleranceMinutes
	}
	out, err := s.passes.PutFacility(c.Request().Context(), f, version)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", productETag(out.Version))
	return c.JSON(http.StatusOK, toFacilityJSON(out, true))
}
