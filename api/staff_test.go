package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/staff"
)

var userSeq atomic.Int64

type user struct {
	ID    string `json:"id"`
	Login string `json:"login"`
	Role  string `json:"role"`
}

// staffUser creates a user with a role through the admin API and returns a
// client carrying one of its API tokens.
func (e *testEnv) staffUser(role staff.Role) (*client, user) {
	e.t.Helper()
	admin := e.staff()
	login := fmt.Sprintf("%s%d", strings.ReplaceAll(string(role), "_", ""), userSeq.Add(1))
	var u user
	r := admin.do("POST", "/api/v1/users", map[string]string{"login": login, "name": "Test " + login, "role": string(role), "password": "correct horse battery"})
	require.Equal(e.t, http.StatusCreated, r.status, "%s", r.body)
	r.decode(e.t, &u)
	var tok struct{ Token string }
	r = admin.do("POST", "/api/v1/users/"+u.ID+"/tokens", map[string]string{"name": "test"})
	require.Equal(e.t, http.StatusCreated, r.status, "%s", r.body)
	r.decode(e.t, &tok)
	c := e.buyer()
	c.token = tok.Token
	return c, u
}

// fixture is a performance with one buyer hold, ready for staff routes.
type fixture struct {
	e     *testEnv
	perf  performance
	buyer *client
}

func newFixture(e *testEnv) *fixture {
	return &fixture{e: e, perf: e.performance(hall.Theatre(), true), buyer: e.buyer()}
}

var seatSeq atomic.Int64

// hold makes a fresh buyer hold on seats nobody used yet.
func (f *fixture) hold() hold {
	f.e.t.Helper()
	n := seatSeq.Add(1)
	seat := fmt.Sprintf("S-R%d-S%d", 11+n/30%9, 1+n%30)
	r := f.buyer.do("POST", "/api/v1/performances/"+f.perf.ID+"/holds", map[string]any{"seats": []string{seat}})
	require.Equal(f.e.t, http.StatusCreated, r.status, "%s", r.body)
	var h hold
	r.decode(f.e.t, &h)
	return h
}

// reservation makes a fresh reservation and returns its order id.
func (f *fixture) reservation() string {
	f.e.t.Helper()
	h := f.hold()
	r := f.e.staff().do("POST", "/api/v1/holds/"+h.Token+"/reserve", map[string]any{"days": 3, "buyer": map[string]string{"name": "Rita", "email": "rita@example.com"}})
	require.Equal(f.e.t, http.StatusCreated, r.status, "%s", r.body)
	var o order
	r.decode(f.e.t, &o)
	return o.ID
}

// paid makes a fresh paid order and returns its id.
func (f *fixture) paid() string {
	f.e.t.Helper()
	h := f.hold()
	r := f.buyer.do("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "Paula", "email": "paula@example.com"}})
	require.Equal(f.e.t, http.StatusCreated, r.status, "%s", r.body)
	var o order
	r.decode(f.e.t, &o)
	return o.ID
}

// batch makes a voucher batch of one and returns its id.
func (f *fixture) batch() string {
	f.e.t.Helper()
	r := f.e.staff().do("POST", "/api/v1/voucher-batches", map[string]any{"name": "Gift", "count": 1, "amount": 500, "currency": "EUR"})
	require.Equal(f.e.t, http.StatusCreated, r.status, "%s", r.body)
	var b struct{ ID string }
	r.decode(f.e.t, &b)
	return b.ID
}

// code makes a fresh promotion and returns its code.
func (f *fixture) code() string {
	f.e.t.Helper()
	code := fmt.Sprint("CODE", userSeq.Add(1))
	r := f.e.staff().do("POST", "/api/v1/promotions", map[string]any{"code": code, "name": "C", "percent": 10})
	require.Equal(f.e.t, http.StatusCreated, r.status, "%s", r.body)
	return code
}

// TestEveryStaffRouteWithEveryRole runs each staff route as each role: the roles
// that may pass get a 2xx, the others 403; without credentials, 401.
func TestEveryStaffRouteWithEveryRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	f := newFixture(e)
	clients := map[staff.Role]*client{staff.RoleAdmin: e.staff()}
	ids := map[staff.Role]string{}
	for _, role := range []staff.Role{staff.RoleOrganizer, staff.RoleBoxOffice, staff.RoleGate, staff.RolePassCounter} {
		var u user
		clients[role], u = e.staffUser(role)
		ids[role] = u.ID
	}
	ids[staff.RoleAdmin] = ids[staff.RoleGate] // the bootstrap admin has no user row: it manages others' tokens
	p := "/api/v1/performances/" + f.perf.ID
	hallPath := "/api/v1/halls/" + f.perf.HallID
	cancelled := e.performance(hall.Theatre(), true).ID
	var cancelOut struct{ Job struct{ ID string } }
	r := e.staff().do("POST", "/api/v1/performances/"+cancelled+"/cancel", map[string]any{"reason": "storm"})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	r.decode(t, &cancelOut)
	cancelJob := cancelOut.Job.ID
	replaced := e.performance(hall.Theatre(), true).ID
	r = e.staff().do("PATCH", "/api/v1/performances/"+replaced, map[string]any{"name": "Renamed"},
		"If-Match", e.buyer().do("GET", "/api/v1/performances/"+replaced, nil).header.Get("ETag"))
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	type req struct {
		method, path string
		body         any
		header       []string
	}
	organizer := []staff.Role{staff.RoleAdmin, staff.RoleOrganizer}
	sellers := []staff.Role{staff.RoleAdmin, staff.RoleOrganizer, staff.RoleBoxOffice}
	routes := []struct {
		name    string
		allowed []staff.Role
		make    func(role staff.Role) req
	}{
		{"create user", []staff.Role{staff.RoleAdmin}, func(staff.Role) req {
			return req{"POST", "/api/v1/users", map[string]string{"login": fmt.Sprint("x", userSeq.Add(1)), "name": "X", "role": "gate"}, nil}
		}},
		{"list users", []staff.Role{staff.RoleAdmin}, func(staff.Role) req { return req{"GET", "/api/v1/users", nil, nil} }},
		{"own token", staff.Roles, func(r staff.Role) req {
			return req{"POST", "/api/v1/users/" + ids[r] + "/tokens", map[string]string{"name": "mine"}, nil}
		}},
		{"revoke own token", staff.Roles, func(r staff.Role) req {
			var tok struct{ ID string }
			e.staff().do("POST", "/api/v1/users/"+ids[r]+"/tokens", map[string]string{"name": "spare"}).decode(t, &tok)
			return req{"DELETE", "/api/v1/users/" + ids[r] + "/tokens/" + tok.ID, nil, nil}
		}},
		{"upload hall", organizer, func(staff.Role) req { return req{"POST", "/api/v1/halls", hall.Theatre(), nil} }},
		{"list halls", sellers, func(staff.Role) req { return req{"GET", "/api/v1/halls", nil, nil} }},
		{"get hall", sellers, func(staff.Role) req { return req{"GET", hallPath, nil, nil} }},
		{"list templates", organizer, func(staff.Role) req { return req{"GET", hallPath + "/templates", nil, nil} }},
		{"save template", organizer, func(staff.Role) req {
			return req{"POST", hallPath + "/templates", map[string]string{"name": "T", "performance_id": f.perf.ID}, nil}
		}},
		{"create performance", organizer, func(staff.Role) req {
			return req{"POST", "/api/v1/performances", map[string]any{"hall_id": f.perf.HallID, "name": "Extra", "starts_at": time.Now().Add(99 * time.Hour).Format(time.RFC3339)}, nil}
		}},
		{"put zones", organizer, func(staff.Role) req { return req{"PUT", p + "/zones", f.perf.Zones, nil} }},
		{"paint", organizer, func(staff.Role) req {
			return req{"POST", p + "/paint", map[string]any{"seats": []string{"B-R8-S1"}, "block": "technical"}, nil}
		}},
		{"apply template", organizer, func(staff.Role) req {
			r := e.staff().do("POST", hallPath+"/templates", map[string]string{"name": "T", "performance_id": f.perf.ID})
			var tpl struct{ ID string }
			r.decode(t, &tpl)
			return req{"POST", p + "/template", map[string]string{"template_id": tpl.ID}, nil}
		}},
		{"stats", sellers, func(staff.Role) req { return req{"GET", p + "/stats", nil, nil} }},
		{"stop sales", organizer, func(staff.Role) req { return req{"POST", p + "/sales/stop", nil, nil} }},
		{"start sales", organizer, func(staff.Role) req { return req{"POST", p + "/sales/start", nil, nil} }},
		{"cancel (dry run)", organizer, func(staff.Role) req { return req{"POST", p + "/cancel", map[string]any{"dry_run": true}, nil} }},
		{"cancel", organizer, func(staff.Role) req {
			return req{"POST", "/api/v1/performances/" + cancelled + "/cancel", map[string]any{"reason": "storm"}, nil}
		}},
		{"job", organizer, func(staff.Role) req { return req{"GET", "/api/v1/jobs/" + cancelJob, nil, nil} }},
		{"replace performance", organizer, func(staff.Role) req {
			id := e.performance(hall.Theatre(), true).ID
			return req{"PATCH", "/api/v1/performances/" + id, map[string]any{"name": "Renamed"}, []string{"If-Match", e.buyer().do("GET", "/api/v1/performances/"+id, nil).header.Get("ETag")}}
		}},
		{"replacement counts", sellers, func(staff.Role) req { return req{"GET", "/api/v1/performances/" + replaced + "/replacement", nil, nil} }},
		{"list holds", sellers, func(staff.Role) req { return req{"GET", p + "/holds", nil, nil} }},
		{"reserve", sellers, func(staff.Role) req {
			return req{"POST", "/api/v1/holds/" + f.hold().Token + "/reserve", map[string]any{"days": 2, "buyer": map[string]string{"name": "R", "email": "r@example.com"}}, nil}
		}},
		{"list orders", sellers, func(staff.Role) req { return req{"GET", "/api/v1/orders", nil, nil} }},
		{"extend reservation", sellers, func(staff.Role) req {
			return req{"POST", "/api/v1/orders/" + f.reservation() + "/extend", map[string]int{"days": 1}, nil}
		}},
		{"annul reservation", sellers, func(staff.Role) req { return req{"POST", "/api/v1/orders/" + f.reservation() + "/annul", nil, nil} }},
		{"pay reservation", sellers, func(staff.Role) req {
			return req{"POST", "/api/v1/orders/" + f.reservation() + "/pay", map[string]string{"method": "card"}, nil}
		}},
		{"search", sellers, func(staff.Role) req { return req{"GET", "/api/v1/search?q=rita", nil, nil} }},
		{"refund", sellers, func(staff.Role) req {
			return req{"POST", "/api/v1/orders/" + f.paid() + "/refunds", map[string]any{"amount": 100, "reason": "test"}, []string{"Idempotency-Key", "k"}}
		}},
		{"order history", sellers, func(staff.Role) req { return req{"GET", "/api/v1/orders/" + f.paid() + "/history", nil, nil} }},
		{"resend", sellers, func(staff.Role) req { return req{"POST", "/api/v1/orders/" + f.paid() + "/resend", nil, nil} }},
		{"sales report", sellers, func(staff.Role) req { return req{"GET", "/api/v1/reports/sales?performance=" + f.perf.ID, nil, nil} }},
		{"sales report csv", sellers, func(staff.Role) req {
			return req{"GET", "/api/v1/reports/sales.csv?performance=" + f.perf.ID, nil, nil}
		}},
		{"sales timeline", sellers, func(staff.Role) req {
			return req{"GET", "/api/v1/reports/sales/timeline?performance=" + f.perf.ID, nil, nil}
		}},
		{"list period documents", organizer, func(staff.Role) req { return req{"GET", "/api/v1/documents?day=2026-01-01", nil, nil} }},
		{"make a period document", organizer, func(staff.Role) req {
			return req{"POST", "/api/v1/documents", map[string]string{"kind": "cashier_day", "day": "2026-01-01"}, nil}
		}},
		{"list a range's documents", organizer, func(staff.Role) req {
			return req{"GET", "/api/v1/documents?from=2026-01-01&to=2026-01-31&kind=realization", nil, nil}
		}},
		{"make a range's document", organizer, func(staff.Role) req {
			return req{"POST", "/api/v1/documents", map[string]string{"kind": "settlement", "from": "2026-01-01", "to": "2026-01-31"}, nil}
		}},
		{"ticket register", sellers, func(staff.Role) req { return req{"GET", p + "/ticket-numbers", nil, nil} }},
		{"payments csv", sellers, func(staff.Role) req {
			return req{"GET", "/api/v1/payments.csv?from=2026-01-01&to=2026-02-01", nil, nil}
		}},
		{"list payments", sellers, func(staff.Role) req {
			return req{"GET", "/api/v1/payments?from=2026-01-01&to=2026-02-01", nil, nil}
		}},
		{"last reconciliation", organizer, func(staff.Role) req { return req{"GET", "/api/v1/payments/reconciliation", nil, nil} }},
		{"reconcile", organizer, func(staff.Role) req {
			return req{"POST", "/api/v1/payments/reconciliation", map[string]string{"from": "2026-01-01", "to": "2026-01-02"}, nil}
		}},
		{"create promotion", organizer, func(staff.Role) req {
			return req{"POST", "/api/v1/promotions", map[string]any{"code": fmt.Sprint("P", userSeq.Add(1), "X"), "name": "P", "percent": 5}, nil}
		}},
		{"list promotions", sellers, func(staff.Role) req { return req{"GET", "/api/v1/promotions", nil, nil} }},
		{"create voucher batch", organizer, func(staff.Role) req {
			return req{"POST", "/api/v1/voucher-batches", map[string]any{"name": "V", "count": 2, "percent": 5}, nil}
		}},
		{"list voucher batches", organizer, func(staff.Role) req { return req{"GET", "/api/v1/voucher-batches", nil, nil} }},
		{"get voucher batch", organizer, func(staff.Role) req { return req{"GET", "/api/v1/voucher-batches/" + f.batch(), nil, nil} }},
		{"voucher batch csv", organizer, func(staff.Role) req { return req{"GET", "/api/v1/voucher-batches/" + f.batch() + ".csv", nil, nil} }},
		{"create product", organizer, func(staff.Role) req { return req{"POST", "/api/v1/products", dayBody, nil} }},
		{"change product", organizer, func(staff.Role) req {
			var pr struct{ ID string }
			e.staff().do("POST", "/api/v1/products", dayBody).decode(t, &pr)
			return req{"PATCH", "/api/v1/products/" + pr.ID, `{"price":1700}`, nil}
		}},
		{"put facility", organizer, func(staff.Role) req { return req{"PUT", "/api/v1/facility", `{"tolerance_minutes":10}`, nil} }},
		{"get code", sellers, func(staff.Role) req { return req{"GET", "/api/v1/vouchers/" + f.code(), nil, nil} }},
		{"block code", organizer, func(staff.Role) req { return req{"POST", "/api/v1/vouchers/" + f.code() + "/block", nil, nil} }},
		{"unblock code", organizer, func(staff.Role) req {
			code := f.code()
			require.Equal(t, http.StatusOK, e.staff().do("POST", "/api/v1/vouchers/"+code+"/block", nil).status)
			return req{"POST", "/api/v1/vouchers/" + code + "/unblock", nil, nil}
		}},
	}
	for _, rt := range routes {
		for _, role := range staff.Roles {
			q := rt.make(role)
			r := clients[role].do(q.method, q.path, q.body, q.header...)
			allowed := false
			for _, a := range rt.allowed {
				allowed = allowed || a == role
			}
			if allowed {
				require.True(t, r.status >= 200 && r.status < 300, "%s as %s: %d %s", rt.name, role, r.status, r.body)
			} else {
				require.Equal(t, http.StatusForbidden, r.status, "%s as %s: %s", rt.name, role, r.body)
			}
		}
		q := rt.make(staff.RoleAdmin)
		r := e.buyer().do(q.method, q.path, q.body, q.header...)
		require.Equal(t, http.StatusUnauthorized, r.status, "%s without credentials: %s", rt.name, r.body)
	}
}

// TestStaffSignIn covers the browser session: wrong passwords, the cookie, CSRF
// on every state-changing request, sign-out, and the sign-in rate limit.
func TestStaffSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	f := newFixture(e)
	_, u := e.staffUser(staff.RoleOrganizer)
	browser := e.buyer()
	r := browser.do("POST", "/api/v1/session", map[string]string{"login": u.Login, "password": "wrong password!"})
	require.Equal(t, http.StatusUnauthorized, r.status)
	r = browser.do("POST", "/api/v1/session", map[string]string{"login": "nobody", "password": "correct horse battery"})
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Equal(t, http.StatusUnauthorized, browser.do("GET", "/api/v1/session", nil).status)

	r = browser.do("POST", "/api/v1/session", map[string]string{"login": strings.ToUpper(u.Login), "password": "correct horse battery"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var s struct {
		User      user
		CSRFToken string `json:"csrf_token"`
	}
	r.decode(t, &s)
	require.Equal(t, "organizer", s.User.Role)
	require.NotEmpty(t, s.CSRFToken)
	ck := r.header.Get("Set-Cookie")
	require.Contains(t, ck, "HttpOnly")
	require.Contains(t, ck, "SameSite=Strict")

	r = browser.do("GET", "/api/v1/session", nil)
	require.Equal(t, http.StatusOK, r.status)
	paint := map[string]any{"seats": []string{"B-R1-S1"}, "block": "mixer desk"}
	r = browser.do("POST", "/api/v1/performances/"+f.perf.ID+"/paint", paint)
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, r.problem(t).Type, "csrf")
	r = browser.do("POST", "/api/v1/performances/"+f.perf.ID+"/paint", paint, "X-CSRF-Token", "forged")
	require.Equal(t, http.StatusForbidden, r.status)
	r = browser.do("POST", "/api/v1/performances/"+f.perf.ID+"/paint", paint, "X-CSRF-Token", s.CSRFToken)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	// Reads need no CSRF token.
	require.Equal(t, http.StatusOK, browser.do("GET", "/api/v1/performances/"+f.perf.ID+"/stats", nil).status)

	require.Equal(t, http.StatusForbidden, browser.do("DELETE", "/api/v1/session", nil).status)
	require.Equal(t, http.StatusNoContent, browser.do("DELETE", "/api/v1/session", nil, "X-CSRF-Token", s.CSRFToken).status)
	require.Equal(t, http.StatusUnauthorized, browser.do("GET", "/api/v1/session", nil).status)
	r = browser.do("POST", "/api/v1/performances/"+f.perf.ID+"/paint", paint, "X-CSRF-Token", s.CSRFToken)
	require.Equal(t, http.StatusUnauthorized, r.status)

	// Guessing is throttled per login.
	attacker := e.buyer()
	limited := false
	for i := 0; i < 15 && !limited; i++ {
		r := attacker.do("POST", "/api/v1/session", map[string]string{"login": u.Login, "password": fmt.Sprint("guess-", i)})
		limited = r.status == http.StatusTooManyRequests
	}
	require.True(t, limited, "no rate limit on sign-in")

	// Bad user input is refused and names the field.
	admin := e.staff()
	for _, bad := range []map[string]string{
		{"login": "a", "name": "A", "role": "gate"},
		{"login": "fine", "name": "", "role": "gate"},
		{"login": "fine2", "name": "F", "role": "janitor"},
		{"login": "fine3", "name": "F", "role": "gate", "password": "short"},
	} {
		r := admin.do("POST", "/api/v1/users", bad)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%v: %s", bad, r.body)
	}
	r = admin.do("POST", "/api/v1/users", map[string]string{"login": u.Login, "name": "Dup", "role": "gate"})
	require.Equal(t, http.StatusConflict, r.status)
}

// TestPaintStrokes paints zones, quotas and blocks, checks what each does to
// buyers and the box office, and that bad strokes change nothing.
func TestPaintStrokes(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		f := newFixture(e)
		org, _ := e.staffUser(staff.RoleOrganizer)
		box, _ := e.staffUser(staff.RoleBoxOffice)
		p := "/api/v1/performances/" + f.perf.ID
		paint := func(body any) (int, map[string]any) {
			r := org.do("POST", p+"/paint", body)
			var out map[string]any
			if r.status == http.StatusOK {
				r.decode(t, &out)
			} else {
				r.problem(t)
			}
			return r.status, out
		}

		// A new zone, then a stroke over seats of which one is held and one sold.
		zones := append(f.perf.Zones, hall.Zone{ID: "gold", Name: "Gold", Price: 12000, Currency: "EUR", Color: "#d4af37"})
		r := org.do("PUT", p+"/zones", zones)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		held := f.buyer.do("POST", p+"/holds", map[string]any{"seats": []string{"S-R2-S2"}})
		require.Equal(t, http.StatusCreated, held.status)
		soldHold := f.buyer.do("POST", p+"/holds", map[string]any{"seats": []string{"S-R2-S3"}})
		var sh hold
		soldHold.decode(t, &sh)
		require.Equal(t, http.StatusCreated, f.buyer.do("POST", "/api/v1/orders", map[string]any{"hold_token": sh.Token, "buyer": map[string]string{"name": "S", "email": "s@example.com"}}).status)
		status, out := paint(map[string]any{"seats": []string{"S-R2-S1", "S-R2-S2", "S-R2-S3", "S-R2-S4"}, "zone": "gold"})
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, float64(2), out["changed"])
		require.ElementsMatch(t, []any{
			map[string]any{"seat": "S-R2-S2", "reason": "held"},
			map[string]any{"seat": "S-R2-S3", "reason": "sold"},
		}, out["skipped"])
		var sm struct {
			Seats []struct {
				ID, State, Channel string
				Zone               *string
			}
		}
		r = f.buyer.do("GET", p+"/seatmap", nil)
		r.decode(t, &sm)
		zoneOf := map[string]string{}
		for _, s := range sm.Seats {
			if s.Zone != nil {
				zoneOf[s.ID] = *s.Zone
			}
		}
		require.Equal(t, "gold", zoneOf["S-R2-S1"])
		require.Equal(t, "premium", zoneOf["S-R2-S2"], "a held seat keeps its zone and price")

		// Buying a gold seat costs the gold price.
		r = f.buyer.do("POST", p+"/holds", map[string]any{"seats": []string{"S-R2-S4"}})
		var gh hold
		r.decode(t, &gh)
		r = f.buyer.do("POST", "/api/v1/orders", map[string]any{"hold_token": gh.Token, "buyer": map[string]string{"name": "G", "email": "g@example.com"}})
		var o order
		r.decode(t, &o)
		require.Equal(t, int64(12000), o.Total)

		// A box-office quota: buyers cannot take those seats, the box office can.
		status, out = paint(map[string]any{"seats": []string{"S-R3-S1", "S-R3-S2"}, "channel": "box_office"})
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, float64(2), out["changed"])
		r = f.buyer.do("POST", p+"/holds", map[string]any{"seats": []string{"S-R3-S1"}})
		require.Equal(t, http.StatusConflict, r.status)
		r = box.do("POST", p+"/holds", map[string]any{"seats": []string{"S-R3-S1"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		// A partner contingent is sold only through its channel.
		status, _ = paint(map[string]any{"seats": []string{"S-R4-S1"}, "channel": "partner-acme"})
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, http.StatusConflict, box.do("POST", p+"/holds", map[string]any{"seats": []string{"S-R4-S1"}}).status)
		r = box.do("POST", p+"/holds", map[string]any{"seats": []string{"S-R4-S1"}, "channel": "partner-acme"})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		require.Equal(t, http.StatusUnprocessableEntity, f.buyer.do("POST", p+"/holds", map[string]any{"seats": []string{"S-R4-S2"}, "channel": "partner-acme"}).status)

		// Blocks with reasons; best-available avoids them; unblock frees them.
		status, out = paint(map[string]any{"seats": []string{"S-R1-S14", "S-R1-S15", "S-R1-S16", "S-R1-S17"}, "block": "mixer desk"})
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, float64(4), out["changed"])
		require.Equal(t, http.StatusConflict, f.buyer.do("POST", p+"/holds", map[string]any{"seats": []string{"S-R1-S15"}}).status)
		var compact struct {
			Blocks   [][2]any
			Channels []string
		}
		e.staff().do("GET", p+"/seatmap?format=compact", nil).decode(t, &compact)
		require.Len(t, compact.Blocks, 4)
		require.Equal(t, "mixer desk", compact.Blocks[0][1])
		require.Equal(t, []string{"web", "box_office", "partner-acme"}, compact.Channels)
		compact.Blocks = nil
		f.buyer.do("GET", p+"/seatmap?format=compact", nil).decode(t, &compact)
		require.Empty(t, compact.Blocks, "block reasons are for staff")
		status, out = paint(map[string]any{"seats": []string{"S-R1-S14", "S-R1-S15"}, "unblock": true})
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, float64(2), out["changed"])

		// Stats by zone and channel add up.
		var st struct {
			Counts   map[string]int
			Zones    []map[string]any
			Channels []map[string]any
		}
		box.do("GET", p+"/stats", nil).decode(t, &st)
		require.Equal(t, 800, st.Counts["free"]+st.Counts["held"]+st.Counts["sold"]+st.Counts["blocked"])
		require.Equal(t, 2, st.Counts["blocked"])
		total := 0.0
		for _, ch := range st.Channels {
			total += ch["free"].(float64) + ch["held"].(float64) + ch["sold"].(float64) + ch["blocked"].(float64)
		}
		require.Equal(t, 800.0, total)

		// Bad strokes: 4xx, nothing changed.
		before := e.staff().do("GET", p+"/seatmap", nil).body
		other := e.performance(hall.Arena(), true)
		_ = other
		for _, bad := range []struct {
			body   any
			status int
		}{
			{map[string]any{"seats": []string{"S-R5-S5"}, "zone": "platinum"}, 422},
			{map[string]any{"seats": []string{}, "zone": "gold"}, 422},
			{map[string]any{"seats": []string{"S-R5-S5"}}, 422},
			{map[string]any{"seats": []string{"S-R5-S5"}, "zone": "gold", "block": "x"}, 422},
			{map[string]any{"seats": []string{"001-R1-S1"}, "zone": "gold"}, 422}, // a seat of another hall
			{map[string]any{"seats": []string{"S-R5-S5"}, "channel": "Box Office!"}, 422},
			{map[string]any{"seats": []string{"S-R5-S5"}, "block": ""}, 422},
			{map[string]any{"seats": []string{"S-R5-S5"}, "unblock": false}, 422},
			{`{"seats": ["S-R5-S5"], "zone": "gold"`, 400},
		} {
			r := org.do("POST", p+"/paint", bad.body)
			require.Equal(t, bad.status, r.status, "%v: %s", bad.body, r.body)
			r.problem(t)
		}
		for _, bad := range []any{
			[]hall.Zone{{ID: "a", Name: "A", Price: -5, Currency: "EUR", Color: "#000000"}},
			[]hall.Zone{{ID: "a", Name: "A", Price: 5, Currency: "EUR", Color: "red"}},
			[]hall.Zone{{ID: "a", Name: "A", Price: 5, Currency: "EUR", Color: "#000000"}, {ID: "a", Name: "B", Price: 5, Currency: "EUR", Color: "#000000"}},
			[]hall.Zone{{ID: "a", Name: "A", Price: 5, Currency: "EUR", Color: "#000000"}, {ID: "b", Name: "B", Price: 5, Currency: "USD", Color: "#000000"}},
			f.perf.Zones[:1], // the other zones still have seats
		} {
			r := org.do("PUT", p+"/zones", bad)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%v: %s", bad, r.body)
		}
		require.Equal(t, http.StatusNotFound, org.do("POST", "/api/v1/performances/nope/paint", map[string]any{"seats": []string{"S-R1-S1"}, "zone": "gold"}).status)
		require.JSONEq(t, string(before), string(e.staff().do("GET", p+"/seatmap", nil).body))
	})
}

// TestTemplates saves a set-up and starts a new performance from it.
func TestTemplates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	f := newFixture(e)
	org, _ := e.staffUser(staff.RoleOrganizer)
	p := "/api/v1/performances/" + f.perf.ID
	require.Equal(t, http.StatusOK, org.do("POST", p+"/paint", map[string]any{"seats": []string{"S-R6-S1", "S-R6-S2"}, "block": "fire watch"}).status)
	require.Equal(t, http.StatusOK, org.do("POST", p+"/paint", map[string]any{"seats": []string{"S-R7-S1"}, "channel": "box_office"}).status)
	require.Equal(t, http.StatusOK, org.do("POST", p+"/paint", map[string]any{"seats": []string{"S-R8-S1"}, "zone": "value"}).status)
	r := org.do("POST", "/api/v1/halls/"+f.perf.HallID+"/templates", map[string]string{"name": "Opera night", "performance_id": f.perf.ID})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var tpl struct{ ID, Name string }
	r.decode(t, &tpl)
	var list struct{ Items []struct{ ID, Name string } }
	org.do("GET", "/api/v1/halls/"+f.perf.HallID+"/templates", nil).decode(t, &list)
	require.Len(t, list.Items, 1)

	r = org.do("POST", "/api/v1/performances", map[string]any{"hall_id": f.perf.HallID, "name": "Second night", "starts_at": time.Now().Add(96 * time.Hour).Format(time.RFC3339), "on_sale": true, "template_id": tpl.ID})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var p2 performance
	r.decode(t, &p2)
	require.Equal(t, 2, p2.Counts.Blocked)
	var a, b struct {
		Seats []struct {
			ID, State, Channel string
			Zone               *string
		}
	}
	e.staff().do("GET", p+"/seatmap", nil).decode(t, &a)
	e.staff().do("GET", "/api/v1/performances/"+p2.ID+"/seatmap", nil).decode(t, &b)
	for i := range a.Seats {
		require.Equal(t, a.Seats[i].State, b.Seats[i].State, a.Seats[i].ID)
		require.Equal(t, a.Seats[i].Channel, b.Seats[i].Channel, a.Seats[i].ID)
		require.Equal(t, *a.Seats[i].Zone, *b.Seats[i].Zone, a.Seats[i].ID)
	}

	// Bad template requests change nothing.
	r = org.do("POST", "/api/v1/performances", map[string]any{"hall_id": f.perf.HallID, "name": "Third", "starts_at": time.Now().Add(96 * time.Hour).Format(time.RFC3339), "template_id": "nope"})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	var perfs struct{ Items []performance }
	org.do("GET", "/api/v1/performances?limit=200", nil).decode(t, &perfs)
	require.Len(t, perfs.Items, 2, "a failed create leaves no performance behind")
	other := e.performance(hall.Arena(), false)
	r = org.do("POST", "/api/v1/performances/"+other.ID+"/template", map[string]string{"template_id": tpl.ID})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	r = org.do("POST", "/api/v1/halls/"+other.HallID+"/templates", map[string]string{"name": "X", "performance_id": f.perf.ID})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
}

// TestBoxOfficeDesk: the desk sees every hold, extends and cancels a buyer's,
// turns one into a reservation that is later paid, annulled or left to expire,
// sells at the counter and finds orders.
func TestBoxOfficeDesk(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		f := newFixture(e)
		box, boxUser := e.staffUser(staff.RoleBoxOffice)
		p := "/api/v1/performances/" + f.perf.ID

		h := f.hold()
		var holds struct {
			Items []struct {
				Token, Owner string
				Channels     []string
				ExpiresAt    time.Time `json:"expires_at"`
				Reservation  *struct {
					OrderID string `json:"order_id"`
					Number  string
				}
			}
		}
		box.do("GET", p+"/holds", nil).decode(t, &holds)
		require.Len(t, holds.Items, 1)
		require.Equal(t, h.Token, holds.Items[0].Token)
		require.Equal(t, "buyer", holds.Items[0].Owner, "a buyer's session id stays secret")
		require.Equal(t, []string{"web"}, holds.Items[0].Channels)

		// Extend by 90 minutes: the buyer sees the new deadline.
		r := box.do("POST", "/api/v1/holds/"+h.Token+"/extend", map[string]int{"minutes": 90})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var mine hold
		f.buyer.do("GET", "/api/v1/holds/"+h.Token, nil).decode(t, &mine)
		require.WithinDuration(t, e.clock.Now().Add(90*time.Minute), mine.ExpiresAt, 10*time.Second)
		require.Equal(t, http.StatusUnprocessableEntity, box.do("POST", "/api/v1/holds/"+h.Token+"/extend", map[string]int{"minutes": 100000}).status)
		require.Equal(t, http.StatusUnprocessableEntity, f.buyer.do("POST", "/api/v1/holds/"+h.Token+"/extend", map[string]int{"minutes": 5}).status)
		// Cancel: the buyer's hold is gone, the seat free.
		require.Equal(t, http.StatusNoContent, box.do("DELETE", "/api/v1/holds/"+h.Token, nil).status)
		require.Equal(t, http.StatusNotFound, f.buyer.do("GET", "/api/v1/holds/"+h.Token, nil).status)

		// Reserve a hold for a buyer who pays later.
		h = f.hold()
		r = box.do("POST", "/api/v1/holds/"+h.Token+"/reserve", map[string]any{"days": 3, "buyer": map[string]string{"name": "Rosa Luxus", "email": "rosa@example.com"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var res struct {
			order
			Deadline time.Time
		}
		r.decode(t, &res)
		require.Equal(t, "reserved", res.Status)
		require.WithinDuration(t, e.clock.Now().Add(72*time.Hour), res.Deadline, time.Minute)
		box.do("GET", p+"/holds", nil).decode(t, &holds)
		require.Len(t, holds.Items, 1)
		require.NotNil(t, holds.Items[0].Reservation)
		require.Equal(t, res.ID, holds.Items[0].Reservation.OrderID)
		// The buyer can neither release nor pay it online; it changes through its order.
		require.Equal(t, http.StatusConflict, f.buyer.do("DELETE", "/api/v1/holds/"+h.Token, nil).status)
		require.Equal(t, http.StatusConflict, f.buyer.do("POST", "/api/v1/orders", map[string]any{"hold_token": h.Token, "buyer": map[string]string{"name": "R", "email": "r@example.com"}}).status)
		r = box.do("POST", "/api/v1/orders/"+res.ID+"/extend", map[string]int{"days": 2})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var ext struct{ Deadline time.Time }
		r.decode(t, &ext)
		require.WithinDuration(t, res.Deadline.Add(48*time.Hour), ext.Deadline, time.Second)
		r = box.do("POST", "/api/v1/orders/"+res.ID+"/pay", map[string]string{"method": "card"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var paid struct {
			order
			Payment struct{ Method string }
		}
		r.decode(t, &paid)
		require.Equal(t, "paid", paid.Status)
		require.Equal(t, "card", paid.Payment.Method)
		_, _, sold, _ := e.counts(f.perf.ID)
		require.Equal(t, 1, sold)
		require.Equal(t, http.StatusConflict, box.do("POST", "/api/v1/orders/"+res.ID+"/annul", nil).status, "a paid order is no reservation")

		// Annul another reservation: its seat is free again.
		annul := f.reservation()
		r = box.do("POST", "/api/v1/orders/"+annul+"/annul", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		free, held, _, _ := e.counts(f.perf.ID)
		require.Equal(t, 0, held)
		require.Equal(t, 799, free)

		// Counter sale from the box-office quota, cash, no buyer details.
		require.Equal(t, http.StatusOK, e.staff().do("POST", p+"/paint", map[string]any{"seats": []string{"S-R20-S1", "S-R20-S2"}, "channel": "box_office"}).status)
		r = box.do("POST", p+"/holds", map[string]any{"seats": []string{"S-R20-S1", "S-R20-S2"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var ch hold
		r.decode(t, &ch)
		r = box.do("POST", "/api/v1/orders", map[string]any{"hold_token": ch.Token, "buyer": map[string]string{"name": "", "email": ""}, "payment": map[string]string{"method": "cash"}}, "Idempotency-Key", "till-1")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var counter struct {
			order
			Channel string
			Payment struct{ Method string }
		}
		r.decode(t, &counter)
		require.Equal(t, "cash", counter.Payment.Method)
		require.Equal(t, "box_office", counter.Channel)
		require.Equal(t, http.StatusUnprocessableEntity, f.buyer.do("POST", "/api/v1/orders", map[string]any{"hold_token": f.hold().Token, "buyer": map[string]string{"name": "B", "email": "b@example.com"}, "payment": map[string]string{"method": "cash"}}).status, "buyers do not pay cash")
		// With no payment step (this env has no provider), a web order is
		// recorded as unpaid by design.
		r = f.buyer.do("POST", "/api/v1/orders", map[string]any{"hold_token": f.hold().Token, "buyer": map[string]string{"name": "B", "email": "b@example.com"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var web struct {
			order
			Payment struct{ Method string }
		}
		r.decode(t, &web)
		require.Equal(t, "paid", web.Status)
		require.Equal(t, "none", web.Payment.Method)

		// Search by number, e-mail and name.
		var found struct {
			Holds  []hold
			Orders []order
		}
		box.do("GET", "/api/v1/search?q="+url.QueryEscape(paid.Number), nil).decode(t, &found)
		require.Len(t, found.Orders, 1)
		box.do("GET", "/api/v1/search?q=ROSA@example&performance="+f.perf.ID, nil).decode(t, &found)
		require.Len(t, found.Orders, 1)
		require.Equal(t, res.ID, found.Orders[0].ID)
		last := f.hold()
		box.do("GET", "/api/v1/search?q="+last.Token, nil).decode(t, &found)
		require.Len(t, found.Holds, 1)
		require.Equal(t, http.StatusUnprocessableEntity, box.do("GET", "/api/v1/search?q=x", nil).status)
		_ = boxUser

		// Bad reservation input: 4xx, nothing changed.
		h = f.hold()
		for _, bad := range []map[string]any{
			{"days": 0, "buyer": map[string]string{"name": "R", "email": "r@example.com"}},
			{"days": 61, "buyer": map[string]string{"name": "R", "email": "r@example.com"}},
			{"days": 2, "buyer": map[string]string{"name": "", "email": "r@example.com"}},
			{"days": 2, "buyer": map[string]string{"name": "R", "email": "nope"}},
		} {
			require.Equal(t, http.StatusUnprocessableEntity, box.do("POST", "/api/v1/holds/"+h.Token+"/reserve", bad).status, "%v", bad)
		}
		require.Equal(t, http.StatusNotFound, box.do("POST", "/api/v1/holds/"+f.perf.ID+".nope/reserve", map[string]any{"days": 2, "buyer": map[string]string{"name": "R", "email": "r@example.com"}}).status)
		require.Equal(t, http.StatusUnprocessableEntity, box.do("POST", "/api/v1/orders/"+res.ID+"/pay", map[string]string{"method": "bitcoin"}).status)
		require.Equal(t, http.StatusNotFound, box.do("POST", "/api/v1/orders/nope/annul", nil).status)
	})
}

// TestReservationExpires lets a reservation run past its deadline: the order
// turns expired and the seats go back on sale.
func TestReservationExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	f := newFixture(e)
	id := f.reservation()
	e.clock.Add(4 * 24 * time.Hour)
	require.Eventually(t, func() bool {
		var o order
		e.staff().do("GET", "/api/v1/orders/"+id, nil).decode(t, &o)
		return o.Status == "expired"
	}, 5*time.Second, 20*time.Millisecond)
	// The store ends the order first, then the seats are freed (what gives
	// seats back is written first): they follow a moment later.
	require.Eventually(t, func() bool {
		_, held, _, _ := e.counts(f.perf.ID)
		return held == 0
	}, 5*time.Second, 20*time.Millisecond)
	require.Equal(t, http.StatusConflict, e.staff().do("POST", "/api/v1/orders/"+id+"/pay", map[string]string{"method": "cash"}).status)
	h := history(t, e, id)
	require.Equal(t, []string{"created/staff", "expired/system"}, h.actions())
	require.Equal(t, "deadline passed", h.History[1].Reason)
	require.Equal(t, []string{"reservation", "reservation_ended"}, h.kinds())
}

type orderPage struct {
	History []struct {
		Action, Actor, Reason, Status, Detail string
	}
	Messages []struct{ Kind, To, Subject string }
}

func history(t *testing.T, e *testEnv, id string) orderPage {
	t.Helper()
	r := e.staff().do("GET", "/api/v1/orders/"+id+"/history", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var p orderPage
	r.decode(t, &p)
	return p
}

// actions lists action/actor kind: "extended/staff".
func (p orderPage) actions() []string {
	out := []string{}
	for _, h := range p.History {
		actor, _, _ := strings.Cut(h.Actor, ":")
		out = append(out, h.Action+"/"+actor)
	}
	return out
}

func (p orderPage) kinds() []string {
	out := []string{}
	for _, m := range p.Messages {
		out = append(out, m.Kind)
	}
	return out
}

// TestReservationHistory: every change of a reservation is in its history
// with who and why, and the buyer hears of each.
func TestReservationHistory(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		f := newFixture(e)
		desk, _ := e.staffUser(staff.RoleBoxOffice)
		paid := f.reservation()
		r := desk.do("POST", "/api/v1/orders/"+paid+"/extend", map[string]any{"days": 2, "reason": "asked by phone"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r = desk.do("POST", "/api/v1/orders/"+paid+"/pay", map[string]string{"method": "card"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		h := history(t, e, paid)
		require.Equal(t, []string{"created/staff", "extended/staff", "paid/staff"}, h.actions())
		require.Equal(t, "asked by phone", h.History[1].Reason)
		require.Contains(t, h.History[1].Detail, "deadline")
		require.Equal(t, "paid", h.History[2].Status)
		require.Equal(t, []string{"reservation", "reservation", "confirmation"}, h.kinds())

		annulled := f.reservation()
		r = desk.do("POST", "/api/v1/orders/"+annulled+"/annul", map[string]string{"reason": "duplicate booking"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		h = history(t, e, annulled)
		require.Equal(t, []string{"created/staff", "annulled/staff"}, h.actions())
		require.Equal(t, "duplicate booking", h.History[1].Reason)
		require.Equal(t, []string{"reservation", "reservation_ended"}, h.kinds())
		// A reason too long is refused and changes nothing.
		other := f.reservation()
		r = desk.do("POST", "/api/v1/orders/"+other+"/annul", map[string]string{"reason": strings.Repeat("x", 501)})
		require.Equal(t, http.StatusUnprocessableEntity, r.status)
		require.Equal(t, []string{"created/staff"}, history(t, e, other).actions())
	})
}

// TestTokensOfOthersNeedAdmin: staff manage their own API tokens, only admins
// everyone's; a revoked token stops working at once.
func TestTokensOfOthersNeedAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	org, orgUser := e.staffUser(staff.RoleOrganizer)
	_, boxUser := e.staffUser(staff.RoleBoxOffice)
	require.Equal(t, http.StatusForbidden, org.do("POST", "/api/v1/users/"+boxUser.ID+"/tokens", map[string]string{"name": "x"}).status)
	r := org.do("POST", "/api/v1/users/"+orgUser.ID+"/tokens", map[string]string{"name": "second"})
	require.Equal(t, http.StatusCreated, r.status)
	var tok struct{ ID, Token string }
	r.decode(t, &tok)
	second := e.buyer()
	second.token = tok.Token
	require.Equal(t, http.StatusOK, second.do("GET", "/api/v1/halls", nil).status)
	require.Equal(t, http.StatusNoContent, org.do("DELETE", "/api/v1/users/"+orgUser.ID+"/tokens/"+tok.ID, nil).status)
	require.Equal(t, http.StatusUnauthorized, second.do("GET", "/api/v1/halls", nil).status)
	require.Equal(t, http.StatusNotFound, org.do("DELETE", "/api/v1/users/"+orgUser.ID+"/tokens/"+tok.ID, nil).status)
}

// TestReservationReminder: a day before its deadline the buyer of a
// reservation is reminded, once.
func TestReservationReminder(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		f := newFixture(e)
		id := f.reservation() // three days
		require.Equal(t, []string{"reservation"}, history(t, e, id).kinds())
		// A second reservation, two days from a day later, is due for its
		// reminder two hours after the first: seeing it reminded shows the
		// sweeper looked again after the first one's reminder.
		e.clock.Add(26 * time.Hour)
		h2 := f.hold()
		r := e.staff().do("POST", "/api/v1/holds/"+h2.Token+"/reserve", map[string]any{"days": 2, "buyer": map[string]string{"name": "Una", "email": "una@example.com"}})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var later order
		r.decode(t, &later)
		e.clock.Add(23 * time.Hour)
		require.Eventually(t, func() bool {
			return slices.Contains(history(t, e, id).kinds(), "reminder")
		}, 5*time.Second, 20*time.Millisecond)
		require.Equal(t, []string{"reservation"}, history(t, e, later.ID).kinds(), "not due yet")
		e.clock.Add(2 * time.Hour)
		testkit.Eventually(t, 5*time.Second, "the second reservation reminded", func() bool {
			return slices.Contains(history(t, e, later.ID).kinds(), "reminder")
		})
		h := history(t, e, id)
		require.Equal(t, []string{"reservation", "reminder"}, h.kinds(), "once")
		require.Equal(t, []string{"created/staff", "reminded/system"}, h.actions())
		require.Contains(t, h.Messages[1].Subject, "ends soon")
	})
}

// TestReservationWithCode: a code on a reservation is counted at once and
// given back when the reservation ends unpaid.
func TestReservationWithCode(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b stack) {
		e := newEnv(t, b)
		f := newFixture(e)
		staff := e.staff()
		r := staff.do("POST", "/api/v1/promotions", map[string]any{"code": "DESK10", "name": "Desk", "percent": 10, "max_uses": 1})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		reserve := func(code string) response {
			return staff.do("POST", "/api/v1/holds/"+f.hold().Token+"/reserve", map[string]any{
				"days": 2, "buyer": map[string]string{"name": "Rita", "email": "rita@example.com"}, "voucher_code": code})
		}
		uses := func() int {
			var c codeResp
			staff.do("GET", "/api/v1/vouchers/DESK10", nil).decode(t, &c)
			return c.Uses
		}
		r = reserve("desk10")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var o fullOrder
		r.decode(t, &o)
		require.Equal(t, "reserved", o.Status)
		require.Equal(t, o.Subtotal/10, o.Discount)
		require.Equal(t, o.Subtotal-o.Discount, o.Total)
		require.Equal(t, 1, uses())
		r = reserve("DESK10")
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.body)
		require.Equal(t, "used_up", r.problem(t).Reason)
		r = reserve("NOSUCHCODE")
		require.Equal(t, http.StatusUnprocessableEntity, r.status)
		require.Equal(t, "unknown", r.problem(t).Reason)

		// Annulled: the use comes back, and the next reservation may have it.
		require.Equal(t, http.StatusOK, staff.do("POST", "/api/v1/orders/"+o.ID+"/annul", map[string]string{"reason": "changed plans"}).status)
		require.Equal(t, 0, uses())
		r = reserve("DESK10")
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		r.decode(t, &o)
		// Paid: the discount stays.
		r = staff.do("POST", "/api/v1/orders/"+o.ID+"/pay", map[string]string{"method": "card"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var paid fullOrder
		r.decode(t, &paid)
		require.Equal(t, o.Total, paid.Total)
		require.Equal(t, 1, uses())
	})
}
