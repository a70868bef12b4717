package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/input"
)

// What comes from outside is checked here, before any handler, limiter or
// store sees it: a path, query or header value that is not UTF-8, holds a
// control character or is longer than any id, token or filter seatmap makes
// is a 400 naming what is wrong, and JSON strings with control characters are
// 422s naming the field. Such input is the client's mistake; left to reach
// Postgres (which refuses NUL and invalid UTF-8) it was taken for an outage.

const (
	// maxSegment bounds one path segment: ids, hold tokens (≤ 128), voucher
	// codes (≤ 42) and file names are far shorter.
	maxSegment = 256
	// maxQueryValue bounds one query value: ids, times, cursors, a search.
	maxQueryValue = 1024
	// maxQuery bounds the whole query string.
	maxQuery = 8 << 10
)

// checkedHeaders are the request headers whose values reach the store.
var checkedHeaders = []string{"Idempotency-Key"}

// wellFormed refuses requests whose path, query or checked headers are
// malformed.
func (s *Server) wellFormed(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		r := c.Request()
		if err := checkPath(r.URL.Path); err != nil {
			return err
		}
		if err := checkQuery(r.URL.RawQuery); err != nil {
			return err
		}
		for _, h := range checkedHeaders {
			if v := r.Header.Get(h); v != "" {
				if err := checkText(v); err != "" {
					return malformed("the %s header %s", h, err)
				}
			}
		}
		return next(c)
	}
}

func malformed(format string, args ...any) *Problem {
	return problem(http.StatusBadRequest, "malformed-request", "Malformed request", fmt.Sprintf(format, args...))
}

func checkPath(p string) error {
	for seg := range strings.SplitSeq(p, "/") {
		if err := checkText(seg); err != "" {
			return malformed("the path %s", err)
		}
		if len(seg) > maxSegment {
			return malformed("a path segment is longer than %d bytes", maxSegment)
		}
	}
	return nil
}

func checkQuery(raw string) error {
	if raw == "" {
		return nil
	}
	if len(raw) > maxQuery {
		return malformed("the query string is longer than %d bytes", maxQuery)
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return malformed("the query string cannot be parsed: %v", err)
	}
	for k, vs := range q {
		if err := checkText(k); err != "" {
			return malformed("a query parameter's name %s", err)
		}
		for _, v := range vs {
			if err := checkText(v); err != "" {
				return malformed("the query parameter %q %s", k, err)
			}
			if len(v) > maxQueryValue {
				return malformed("the query parameter %q is longer than %d bytes", k, maxQueryValue)
			}
		}
	}
	return nil
}

// checkText says what is wrong with a value that must be one line of UTF-8
// text, or "" when nothing is.
func checkText(v string) string {
	if !utf8.ValidString(v) {
		return "is not valid UTF-8"
	}
	if i := strings.IndexFunc(v, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return fmt.Sprintf("contains a control character (%U)", r)
	}
	return ""
}

// requireJSON refuses a body that does not say it is JSON: the media type
// must be application/json exactly; a charset, if given, must be UTF-8.
func requireJSON(r *http.Request, what string) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err == nil && mt == "application/json" {
		if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") {
			return nil
		}
	}
	return problem(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type", "send the "+what+" as application/json (UTF-8)")
}

// checkBody refuses a JSON body that is not UTF-8 (400), or whose strings hold
// control characters where they make no sense (422 naming the field): line
// breaks and tabs are allowed in free text (reasons), nothing else anywhere.
// Syntax errors are left to the decoder to report.
func checkBody(data []byte) error {
	if !utf8.Valid(data) {
		return problem(http.StatusBadRequest, "malformed-json", "Malformed JSON", "the body is not valid UTF-8")
	}
	if !mayHoldControls(data) {
		return nil
	}
	if loneSurrogate(data) {
		// Go reads it as U+FFFD, Postgres refuses it: neither is what was sent.
		return problem(http.StatusBadRequest, "malformed-json", "Malformed JSON", "the body escapes half of a UTF-16 surrogate pair (\\uD800–\\uDFFF alone)")
	}
	field, reason, ok := controlInJSON(data)
	if !ok {
		return nil
	}
	return &input.Error{Field: field, Reason: reason}
}

// mayHoldControls is the cheap test first: a JSON string can only hold a
// control character escaped (a backslash, as surrogates need too), as DEL,
// or as a C1 character (0xC2 0x80–0x9F in UTF-8). Raw C0 bytes in strings
// are syntax errors.
func mayHoldControls(data []byte) bool {
	if bytes.IndexByte(data, '\\') >= 0 || bytes.IndexByte(data, 0x7f) >= 0 {
		return true
	}
	for i := bytes.IndexByte(data, 0xc2); i >= 0 && i+1 < len(data); {
		if data[i+1] >= 0x80 && data[i+1] <= 0x9f {
			return true
		}
		j := bytes.IndexByte(data[i+1:], 0xc2)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// loneSurrogate reports whether a \u escape in data is half of a UTF-16
// surrogate pair without its other half.
func loneSurrogate(data []byte) bool {
	high := false // the previous escape was a high surrogate
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' || i+1 >= len(data) {
			if high {
				return true
			}
			continue
		}
		i++
		if data[i] != 'u' || i+4 >= len(data) {
			if high {
				return true
			}
			continue
		}
		r, err := strconv.ParseUint(string(data[i+1:i+5]), 16, 16)
		i += 4
		if err != nil {
			return false // a syntax error, the decoder's to report
		}
		switch {
		case r >= 0xd800 && r < 0xdc00:
			if high {
				return true
			}
			high = true
		case r >= 0xdc00 && r < 0xe000:
			if !high {
				return true
			}
			high = false
		default:
			if high {
				return true
			}
		}
	}
	return high
}

// freeText names the members whose strings may hold line breaks and tabs.
var freeText = map[string]bool{"reason": true, "legal_details": true, "footer": true}

// jsonFrame is one open object or array while walking a JSON document.
type jsonFrame struct {
	object bool
	key    string // the current member's name (objects)
	atKey  bool   // the next string is a member name (objects)
	index  int    // the current element (arrays)
}

// controlInJSON finds the first string, or member name, with a control
// character it may not hold, and returns its field path ("buyer.name",
// "seats[2]") and what is wrong.
func controlInJSON(data []byte) (field, reason string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []jsonFrame
	done := func() { // a value of the innermost container ended
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].atKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", "", false
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				stack = append(stack, jsonFrame{object: v == '{', atKey: true})
				continue
			}
			stack = stack[:len(stack)-1]
		case string:
			top := len(stack) - 1
			if top >= 0 && stack[top].object && stack[top].atKey {
				if r, bad := control(v, false); bad {
					return jsonPath(stack[:top]), fmt.Sprintf("has a member name with a control character (%U)", r), true
				}
				stack[top].key, stack[top].atKey = v, false
				continue
			}
			free := top >= 0 && stack[top].object && freeText[stack[top].key]
			if r, bad := control(v, free); bad {
				return jsonPath(stack), fmt.Sprintf("contains a control character (%U)", r), true
			}
		}
		done()
	}
}

// control finds a control character in s; free text may hold line breaks
// and tabs.
func control(s string, free bool) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) && !(free && (r == '\n' || r == '\r' || r == '\t')) {
			return r, true
		}
	}
	return 0, false
}

func jsonPath(stack []jsonFrame) string {
	var b strings.Builder
	for _, f := range stack {
		if f.object {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		} else {
			fmt.Fprintf(&b, "[%d]", f.index)
		}
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}
