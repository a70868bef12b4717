package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/money"
	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/voucher"
)

type restrictionsJSON struct {
	Dates     []voucher.DateRange `json:"dates"`
	Times     []voucher.TimeRange `json:"times"`
	Weekdays  []int               `json:"weekdays"`
	Offerings []string            `json:"offerings"`
}

func (r *restrictionsJSON) store() voucher.Restrictions {
	if r == nil {
		return voucher.Restrictions{}
	}
	return voucher.Restrictions{Dates: r.Dates, Times: r.Times, Weekdays: r.Weekdays, Offerings: r.Offerings}
}

func toRestrictionsJSON(r voucher.Restrictions) restrictionsJSON {
	return restrictionsJSON{
		Dates: nonNilSlice(r.Dates), Times: nonNilSlice(r.Times),
		Weekdays: nonNilSlice(r.Weekdays), Offerings: nonNilSlice(r.Offerings),
	}
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type codeJSON struct {
	Code         string           `json:"code"`
	Display      string           `json:"display"` // grouped for print
	Kind         string           `json:"kind"`
	Name         string           `json:"name"`
	BatchID      string           `json:"batch_id,omitempty"`
	Percent      *int             `json:"percent"`
	Amount       *int64           `json:"amount"`
	Currency     string           `json:"currency"`
	MaxUses      *int             `json:"max_uses"`
	Uses         int              `json:"uses"`
	State        string           `json:"state"`
	Restrictions restrictionsJSON `json:"restrictions"`
	CreatedAt    string           `json:"created_at"`
}

func toCodeJSON(c voucher.Code) codeJSON {
	out := codeJSON{
		Code: c.Code, Display: voucher.Format(c), Kind: c.Kind, Name: c.Name, BatchID: c.BatchID, Currency: c.Currency,
		Uses: c.Uses, State: c.Status(), Restrictions: toRestrictionsJSON(c.Restrictions), CreatedAt: rfc3339(c.CreatedAt),
	}
	if c.Percent > 0 {
		out.Percent = &c.Percent
	} else {
		out.Amount = &c.Amount
	}
	if c.MaxUses > 0 {
		out.MaxUses = &c.MaxUses
	}
	return out
}

// valueJSON is a code's value as requests give it: percent or amount.
type valueJSON struct {
	Percent  *int              `json:"percent"`
	Amount   *int64            `json:"amount"`
	Currency string            `json:"currency"`
	Restrict *restrictionsJSON `json:"restrictions"`
	State    string            `json:"state"` // "prepared" or empty (available)
}

func (v valueJSON) value() (voucher.Value, bool, error) {
	var out voucher.Value
	switch {
	case v.Percent != nil && v.Amount != nil:
		return out, false, &input.Error{Field: "percent", Reason: "give a percentage or an amount, not both"}
	case v.Percent != nil:
		if *v.Percent < 1 || *v.Percent > 100 {
			return out, false, &input.Error{Field: "percent", Reason: "must be from 1 to 100"}
		}
		out.Percent = *v.Percent
	case v.Amount != nil:
		if *v.Amount < 1 {
			return out, false, &input.Error{Field: "amount", Reason: "must be at least 1 minor unit"}
		}
		out.Amount = *v.Amount
	}
	out.Currency = v.Currency
	switch v.State {
	case "", voucher.Available:
		return out, false, nil
	case voucher.Prepared:
		return out, true, nil
	}
	return out, false, &input.Error{Field: "state", Reason: "must be prepared or available"}
}

func (s *Server) createPromotion(c *echo.Context) error {
	var in struct {
		Code    string `json:"code"`
		Name    string `json:"name"`
		MaxUses *int   `json:"max_uses"`
		valueJSON
	}
	if err := decode(c, &in, 64<<10); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	v, prepared, err := in.value()
	if err != nil {
		return err
	}
	code, err := s.vouchers.CreatePromotion(c.Request().Context(), voucher.NewPromotion{
		Code: in.Code, Name: in.Name, Value: v, MaxUses: in.MaxUses, Prepared: prepared, Restrictions: in.Restrict.store(),
	}, a.Login)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toCodeJSON(code))
}

func (s *Server) listCodes(kind string) echo.HandlerFunc {
	return func(c *echo.Context) error {
		limit, err := parseLimit(c, 200, 1000)
		if err != nil {
			return err
		}
		codes, err := s.vouchers.Codes(c.Request().Context(), voucher.Filter{Kind: kind, After: c.QueryParam("after"), Limit: limit})
		if err != nil {
			return err
		}
		out := listJSON[codeJSON]{Items: make([]codeJSON, 0, len(codes))}
		for _, code := range codes {
			out.Items = append(out.Items, toCodeJSON(code))
		}
		if len(codes) == limit {
			next := codes[len(codes)-1].Code
			out.Next = &next
		}
		return c.JSON(http.StatusOK, out)
	}
}

type batchJSON struct {
	ID           string           `json:"id"`
	Name         string           `json:"name"`
	Prefix       string           `json:"prefix"`
	Count        int              `json:"count"`
	Percent      *int             `json:"percent"`
	Amount       *int64           `json:"amount"`
	Currency     string           `json:"currency"`
	Restrictions restrictionsJSON `json:"restrictions"`
	CreatedAt    string           `json:"created_at"`
	Codes        []string         `json:"codes,omitempty"`
	Vouchers     []codeJSON       `json:"vouchers,omitempty"`
}

func toBatchJSON(b voucher.Batch) batchJSON {
	out := batchJSON{ID: b.ID, Name: b.Name, Prefix: b.Prefix, Count: b.Count, Currency: b.Currency,
		Restrictions: toRestrictionsJSON(b.Restrictions), CreatedAt: rfc3339(b.CreatedAt)}
	if b.Percent > 0 {
		out.Percent = &b.Percent
	} else {
		out.Amount = &b.Amount
	}
	return out
}

func (s *Server) createVoucherBatch(c *echo.Context) error {
	var in struct {
		Name   string `json:"name"`
		Prefix string `json:"prefix"`
		Count  int    `json:"count"`
		valueJSON
	}
	if err := decode(c, &in, 64<<10); err != nil {
		return err
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	v, prepared, err := in.value()
	if err != nil {
		return err
	}
	b, codes, err := s.vouchers.CreateBatch(c.Request().Context(), voucher.NewBatch{
		Name: in.Name, Prefix: in.Prefix, Count: in.Count, Value: v, Prepared: prepared, Restrictions: in.Restrict.store(),
	}, a.Login)
	if err != nil {
		return err
	}
	out := toBatchJSON(b)
	out.Codes = make([]string, len(codes))
	for i, code := range codes {
		out.Codes[i] = code.Code
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/voucher-batches/"+b.ID)
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) listVoucherBatches(c *echo.Context) error {
	bs, err := s.vouchers.Batches(c.Request().Context())
	if err != nil {
		return err
	}
	out := listJSON[batchJSON]{Items: make([]batchJSON, 0, len(bs))}
	for _, b := range bs {
		out.Items = append(out.Items, toBatchJSON(b))
	}
	return c.JSON(http.StatusOK, out)
}

// getVoucherBatch answers /voucher-batches/{id} with the batch and its
// vouchers, and /voucher-batches/{id}.csv with a spreadsheet of them.
func (s *Server) getVoucherBatch(c *echo.Context) error {
	id, asCSV := strings.CutSuffix(c.Param("id"), ".csv")
	ctx := c.Request().Context()
	b, err := s.vouchers.Batch(ctx, id)
	if err != nil {
		return err
	}
	codes, err := s.vouchers.Codes(ctx, voucher.Filter{Kind: voucher.KindVoucher, BatchID: id, Limit: voucher.MaxBatch})
	if err != nil {
		return err
	}
	if !asCSV {
		out := toBatchJSON(b)
		out.Vouchers = make([]codeJSON, len(codes))
		for i, code := range codes {
			out.Vouchers[i] = toCodeJSON(code)
		}
		return c.JSON(http.StatusOK, out)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"code", "printed", "name", "value", "currency", "state", "uses"})
	for _, code := range codes {
		value := money.Decimal(code.Amount, code.Currency)
		if code.Percent > 0 {
			value = strconv.Itoa(code.Percent) + "%"
		}
		_ = w.Write([]string{code.Code, voucher.Format(code), csvSafe(code.Name), value, code.Currency, code.Status(), strconv.Itoa(code.Uses)})
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="vouchers-%s.csv"`, b.ID))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (s *Server) getCode(c *echo.Context) error {
	code, err := s.vouchers.Code(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCodeJSON(code))
}

func (s *Server) setCodeState(state string) echo.HandlerFunc {
	return func(c *echo.Context) error {
		code, err := s.vouchers.SetState(c.Request().Context(), c.Param("code"), state)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toCodeJSON(code))
	}
}

// checkCode tells a buyer whether a code is valid for a booking. Rate
// limited per session and address, so codes cannot be guessed by trying.
func (s *Server) checkCode(c *echo.Context) error {
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	if err := s.allowCodeCheck(c, a); err != nil {
		return err
	}
	amount := int64(0)
	if v := c.QueryParam("amount"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return &input.Error{Field: "amount", Reason: "must be a whole number of minor units"}
		}
		amount = n
	}
	perf := c.QueryParam("performance")
	if perf == "" {
		return &input.Error{Field: "performance", Reason: "is required: a code is checked for a booking"}
	}
	chk, err := s.checkout.CheckCode(c.Request().Context(), c.Param("code"), perf, amount)
	if err != nil {
		return err
	}
	out := struct {
		Code   string  `json:"code"`
		Name   string  `json:"name,omitempty"`
		Valid  bool    `json:"valid"`
		Value  int64   `json:"value"`
		Reason *string `json:"reason"`
	}{Code: chk.Code, Name: chk.Name, Valid: chk.Valid, Value: chk.Value}
	if chk.Reason != "" {
		out.Reason = &chk.Reason
	}
	return c.JSON(http.StatusOK, out)
}

// allowCodeCheck takes a token of the code-check limit; staff are not
// limited.
func (s *Server) allowCodeCheck(c *echo.Context, a seating.Actor) error {
	if a.Staff() {
		return nil
	}
	if ok, wait := s.codeChecks.allow(sessionOf(c), clientAddress(c), s.now()); !ok {
		return limited("Too many requests", "too many code checks from this session or address; retry in %d s", wait)
	}
	return nil
}
