package api_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/staff"
)

// TestMalformedInputIsRefusedAtTheEdge: paths, query strings and headers that
// are not UTF-8, hold control characters or are longer than anything seatmap
// makes are 400s naming what is wrong; JSON strings with control characters
// are 422s naming the field; a body is JSON only when it says exactly so.
// Nothing reaches the store, and checkout stays open afterwards. (Issue 10,
// item 4.)
func TestMalformedInputIsRefusedAtTheEdge(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		p := e.performance(hall.Theatre(), true)
		buyer, staff := e.buyer(), e.staff()
		r := buyer.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R2-S1"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var h hold
		r.decode(t, &h)
		long := strings.Repeat("a", 300)
		order := func(name, code string) string {
			return `{"hold_token":"` + h.Token + `","buyer":{"name":"` + name + `","email":"ada@example.com"},"voucher_code":"` + code + `"}`
		}

		cases := []struct {
			name           string
			c              *client
			method, path   string
			body           any
			header         []string
			status         int
			slug, inDetail string
		}{
			{"NUL in an id", buyer, "GET", "/api/v1/performances/x%00y", nil, nil, 400, "malformed-request", "control character (U+0000)"},
			{"invalid UTF-8 in an id", buyer, "GET", "/api/v1/performances/%ff", nil, nil, 400, "malformed-request", "not valid UTF-8"},
			{"overlong UTF-8 in an id", buyer, "GET", "/api/v1/orders/%c0%80", nil, nil, 400, "malformed-request", "not valid UTF-8"},
			{"DEL in a token", buyer, "GET", "/api/v1/holds/x%7fy", nil, nil, 400, "malformed-request", "control character (U+007F)"},
			{"C1 control in a code", buyer, "GET", "/api/v1/vouchers/A%c2%85B/check", nil, nil, 400, "malformed-request", "control character (U+0085)"},
			{"long id", buyer, "GET", "/api/v1/performances/" + long, nil, nil, 400, "malformed-request", "longer than 256 bytes"},
			{"long id, staff route", staff, "GET", "/api/v1/orders/" + long + "/history", nil, nil, 400, "malformed-request", "longer than 256 bytes"},
			{"NUL in a query value", buyer, "GET", "/api/v1/performances?from=%00", nil, nil, 400, "malformed-request", `"from" contains a control character`},
			{"invalid UTF-8 in a query value", staff, "GET", "/api/v1/orders?performance=%ff", nil, nil, 400, "malformed-request", `"performance" is not valid UTF-8`},
			{"bad escape in the query", buyer, "GET", "/api/v1/performances?from=%zz", nil, nil, 400, "malformed-request", "cannot be parsed"},
			{"long query value", staff, "GET", "/api/v1/search?q=" + strings.Repeat("q", 2000), nil, nil, 400, "malformed-request", `"q" is longer than 1024 bytes`},
			{"invalid UTF-8 in Idempotency-Key", buyer, "POST", "/api/v1/orders", order("Ada", ""), []string{"Idempotency-Key", "k\xffk"}, 400, "malformed-request", "Idempotency-Key header is not valid UTF-8"},
			{"NUL in a token in the body", buyer, "POST", "/api/v1/orders", `{"hold_token":"a\u0000b","buyer":{"name":"Ada","email":"ada@example.com"}}`, nil, 422, "invalid-input", "hold_token: contains a control character (U+0000)"},
			{"NUL in a voucher code", buyer, "POST", "/api/v1/orders", order("Ada", `SUMMER\u000025`), nil, 422, "invalid-input", "voucher_code: contains a control character (U+0000)"},
			{"line break in a name", buyer, "POST", "/api/v1/orders", order(`Ada\nLovelace`, ""), nil, 422, "invalid-input", "buyer.name: contains a control character (U+000A)"},
			{"control character in a seat id", buyer, "POST", "/api/v1/performances/" + p.ID + "/holds", `{"seats":["S-R1-S1","S-R1-S2\u0007"]}`, nil, 422, "invalid-input", "seats[1]: contains a control character (U+0007)"},
			{"control character in a member name", buyer, "POST", "/api/v1/performances/" + p.ID + "/holds", `{"best":{"count":1,"zo\u0000ne":"x"}}`, nil, 422, "invalid-input", "best: has a member name with a control character"},
			{"NUL in a reason", staff, "POST", "/api/v1/orders/nope/refunds", `{"amount":100,"reason":"ill\u0000"}`, []string{"Idempotency-Key", "r"}, 422, "invalid-input", "reason: contains a control character (U+0000)"},
			{"line breaks in a reason are text", staff, "POST", "/api/v1/orders/nope/refunds", `{"amount":100,"reason":"ill\nsince Monday"}`, []string{"Idempotency-Key", "r"}, 404, "order-not-found", ""},
			{"invalid UTF-8 in the body", buyer, "POST", "/api/v1/orders", "{\"hold_token\":\"x\xff\",\"buyer\":{\"name\":\"Ada\",\"email\":\"ada@example.com\"}}", nil, 400, "malformed-json", "not valid UTF-8"},
			{"NUL in a hall layout", staff, "POST", "/api/v1/halls", `{"name":"Saal\u0000","sections":[]}`, nil, 422, "invalid-input", "name: contains a control character"},
			{"half a surrogate pair in a hall layout", staff, "POST", "/api/v1/halls", `{"name":"Saal \ud800","sections":[]}`, nil, 400, "malformed-json", "surrogate"},
			{"half a surrogate pair in a name", buyer, "POST", "/api/v1/orders", order(`Ada \udfad`, ""), nil, 400, "malformed-json", "surrogate"},
			{"invalid UTF-8 in a hall layout", staff, "POST", "/api/v1/halls", "{\"name\":\"Saal\xff\",\"sections\":[]}", nil, 400, "malformed-json", "not valid UTF-8"},
			{"a media type that only starts like JSON", buyer, "POST", "/api/v1/orders", order("Ada", ""), []string{"Content-Type", "application/jsonfoo"}, 415, "unsupported-media-type", "application/json"},
			{"JSON in another charset", buyer, "POST", "/api/v1/orders", order("Ada", ""), []string{"Content-Type", "application/json; charset=latin1"}, 415, "unsupported-media-type", "application/json"},
			{"a layout that only starts like JSON", staff, "POST", "/api/v1/halls", `{}`, []string{"Content-Type", "application/json-seq"}, 415, "unsupported-media-type", "application/json"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.c.do(tc.method, tc.path, tc.body, tc.header...)
				require.Equal(t, tc.status, r.status, "%s", r.body)
				pr := r.problem(t)
				require.Equal(t, "https://seatmap.dev/problems/"+tc.slug, pr.Type, "%s", r.body)
				require.Contains(t, pr.Detail, tc.inDetail)
			})
		}

		// JSON with its charset said is JSON, and a whole surrogate pair is a
		// character like any other.
		r = buyer.do("POST", "/api/v1/orders", order(`Ada \ud83c\udfad`, ""), "Content-Type", "application/json; charset=UTF-8", "Idempotency-Key", "o1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		// Nothing else changed, and checkout is open.
		free, held, sold, _ := e.counts(p.ID)
		require.Equal(t, []int{799, 0, 1}, []int{free, held, sold})
		r = buyer.do("POST", "/api/v1/performances/"+p.ID+"/holds", map[string]any{"seats": []string{"S-R3-S1"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	})
}

// TestStaffSignInOutageIs503: staff routes read users, tokens and sessions
// straight from the store; when it cannot be reached that is a 503, and when
// it answers again so do they.
func TestStaffSignInOutageIs503(t *testing.T) {
	t.Parallel()
	pgCfg, err := pgx.ParseConfig(pgURL)
	require.NoError(t, err)
	pgProxy := newFaultProxy(t, net.JoinHostPort(pgCfg.Host, itoa(int(pgCfg.Port))))
	e := newEnv(t, production, func(o *envOptions) { o.pgAddr = pgProxy.Addr() })
	organizer, _ := e.staffUser(staff.RoleOrganizer)
	require.Equal(t, http.StatusOK, organizer.do("GET", "/api/v1/halls", nil).status)

	pgProxy.SetDown(true)
	r := organizer.do("GET", "/api/v1/halls", nil)
	require.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.body)
	require.Equal(t, "https://seatmap.dev/problems/unavailable", r.problem(t).Type)
	pgProxy.SetDown(false)
	require.Eventually(t, func() bool { return organizer.do("GET", "/api/v1/halls", nil).status == http.StatusOK },
		10*time.Second, 50*time.Millisecond)
}
