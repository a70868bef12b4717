package api

import (
	"encoding/json"
	"testing"
	"unicode"
)

// FuzzCheckBody: whatever the body, checkBody does not panic, and a body it
// lets through decodes to strings without control characters (bar line
// breaks and tabs, which free text may hold) and without U+FFFD standing in
// for half a surrogate pair.
func FuzzCheckBody(f *testing.F) {
	for _, seed := range []string{
		`{"buyer":{"name":"Ada","email":"ada@example.com"}}`,
		`{"seats":["S-R1-S1","S-R1-S2\u0007"]}`,
		`{"reason":"ill\nsince Monday"}`,
		`{"name":"\ud83c\udfad"}`,
		`{"name":"\ud800"}`,
		`{"a\u0000":1}`,
		`["\\u0000"]`,
		"{\"name\":\"\u0085\"}",
		`{"x":[{"y":"\u007f"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if checkBody(data) != nil || !json.Valid(data) {
			return
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return
		}
		var walk func(v any, free bool)
		walk = func(v any, free bool) {
			switch v := v.(type) {
			case string:
				for _, r := range v {
					if unicode.IsControl(r) && !(free && (r == '\n' || r == '\r' || r == '\t')) {
						t.Fatalf("%q passed with %U in a string", data, r)
					}
				}
			case []any:
				for _, e := range v {
					walk(e, false)
				}
			case map[string]any:
				for k, e := range v {
					walk(k, false)
					walk(e, freeText[k])
				}
			}
		}
		walk(v, false)
	})
}
