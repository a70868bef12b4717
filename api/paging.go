package api

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/input"
)

// listJSON is every list: its items and the cursor of the next page (null
// after the last).
type listJSON[T any] struct {
	Items []T     `json:"items"`
	Next  *string `json:"next"`
}

// parseTime accepts RFC 3339 or a plain date (midnight UTC).
func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, &input.Error{Field: field, Reason: fmt.Sprintf("%q is not an RFC 3339 time or a YYYY-MM-DD date", v)}
}

func parseLimit(c *echo.Context, def, max int) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, &input.Error{Field: "limit", Reason: fmt.Sprintf("must be a number from 1 to %d", max)}
	}
	return n, nil
}

// Cursors are opaque to clients: base64 of "<unix micro>|<id>".
func encodeCursor(t time.Time, id string) *string {
	c := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + "|" + id))
	return &c
}

func decodeCursor(v string) (time.Time, string, error) {
	bad := &input.Error{Field: "cursor", Reason: "is not a cursor from a previous page"}
	if len(v) > 200 {
		return time.Time{}, "", bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return time.Time{}, "", bad
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	micro, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", bad
	}
	return time.UnixMicro(micro).UTC(), id, nil
}

// pageQuery is what a list takes from its query string: a window of time
// (from, to), a page size (limit) and the keyset cursor of the page before.
type pageQuery struct {
	From, To   time.Time
	Limit      int
	CursorTime time.Time
	CursorID   string
}

// parsePage reads from, to, limit (default 50, at most 200) and cursor.
func parsePage(c *echo.Context) (pageQuery, error) {
	var q pageQuery
	var err error
	if q.From, err = parseTime("from", c.QueryParam("from")); err != nil {
		return q, err
	}
	if q.To, err = parseTime("to", c.QueryParam("to")); err != nil {
		return q, err
	}
	if q.Limit, err = parseLimit(c, 50, 200); err != nil {
		return q, err
	}
	if cur := c.QueryParam("cursor"); cur != "" {
		if q.CursorTime, q.CursorID, err = decodeCursor(cur); err != nil {
			return q, err
		}
	}
	return q, nil
}
