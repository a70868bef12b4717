package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/hall"
	"github.com/seatmap/seatmap/staff"
)

type scanOut struct {
	ID           string  `json:"id"`
	Verdict      string  `json:"verdict"`
	Reason       string  `json:"reason"`
	RetryAt      *string `json:"retry_at"`
	SurchargeDue *int64  `json:"surcharge_due"`
	Remaining    *int    `json:"remaining"`
	Holder       string  `json:"holder"`
	Replayed     bool    `json:"replayed"`
	Conflict     string  `json:"conflict"`
}

var nonceSeq atomic.Int64

func nonce() string { return fmt.Sprintf("n-%d-%d", time.Now().UnixNano(), nonceSeq.Add(1)) }

// scanAt scans code at gate g; it asserts a 200 and returns the verdict.
func (c *client) scanAt(t *testing.T, g, code, dir string) scanOut {
	t.Helper()
	r := c.do("POST", "/api/v1/scans", map[string]string{"code": code, "gate_id": g, "direction": dir, "nonce": nonce()})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var out scanOut
	r.decode(t, &out)
	return out
}

func (c *client) newGate(t *testing.T, body string) string {
	t.Helper()
	r := c.do("POST", "/api/v1/gates", body)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var g struct{ ID string }
	r.decode(t, &g)
	return g.ID
}

// passCodes buys n units of a product (-payment none: paid at once) and
// returns the passes' codes.
func passCodes(t *testing.T, e *testEnv, product string, n int) []string {
	t.Helper()
	r := e.buyer().do("POST", "/api/v1/orders", buyBody(item(product, n)))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var o passOrder
	r.decode(t, &o)
	out := make([]string, len(o.Passes))
	for i, p := range o.Passes {
		require.NotNil(t, p.Code)
		out[i] = *p.Code
	}
	return out
}

// 50 parallel scans of one single-entry pass at 2 gates: exactly one grant,
// every scan recorded; round after round (100 on Postgres, 20 on SQLite,
// whose writes are one at a time anyway).
func TestGateGrantsOnce(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			guard, _ := e.staffUser(staff.RoleGate)
			day := org.createProduct(t, `{"kind":"day","name":"Tageskarte","price":1500,"currency":"EUR","channels":["web"],"entries":1}`)
			rounds := 100
			if b.name == embedded.name {
				rounds = 20
			}
			codes := passCodes(t, e, day.ID, rounds)
			gates := []string{org.newGate(t, `{"name":"North"}`), org.newGate(t, `{"name":"South","direction":"in"}`)}
			for round := range rounds {
				var grants, usedUp atomic.Int32
				var wg sync.WaitGroup
				for i := range 50 {
					wg.Go(func() {
						v := guard.scanAt(t, gates[i%2], codes[round], "in")
						switch {
						case v.Verdict == "granted":
							grants.Add(1)
						case v.Reason == "used_up":
							usedUp.Add(1)
						}
					})
				}
				wg.Wait()
				require.Equal(t, int32(1), grants.Load(), "round %d", round)
				require.Equal(t, int32(49), usedUp.Load(), "round %d", round)
			}
			var log struct{ Items []scanOut }
			r := guard.do("GET", "/api/v1/scans?verdict=granted&limit=500", nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.decode(t, &log)
			require.Len(t, log.Items, rounds, "one grant a code in the log")
			var occ struct {
				Zones []struct {
					Zone   string
					Inside int
				}
				Total int
			}
			guard.do("GET", "/api/v1/occupancy", nil).decode(t, &occ)
			require.Equal(t, rounds, occ.Total)
		})
	}
}

// The rules through the API on the stack's clock: re-entry lock,
// anti-passback, a time card's surcharge paid at the till.
func TestGateRulesOverTime(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			guard, _ := e.staffUser(staff.RoleGate)
			till, _ := e.staffUser(staff.RoleBoxOffice)
			g := org.newGate(t, `{"name":"Main"}`)

			// Re-entry lock 30 min: in 10:00, out 10:05, in 10:20 denied
			// until 10:30, in 10:31 granted.
			lock := org.createProduct(t, `{"kind":"multi_day","name":"10 Tage","price":9000,"currency":"EUR","channels":["web"],"days":10,"entries":0,"reentry_lock_minutes":30}`)
			code := passCodes(t, e, lock.ID, 1)[0]
			first := e.clock.Now()
			require.Equal(t, "granted", guard.scanAt(t, g, code, "in").Verdict)
			e.clock.Add(5 * time.Minute)
			require.Equal(t, "granted", guard.scanAt(t, g, code, "out").Verdict)
			e.clock.Add(15 * time.Minute)
			v := guard.scanAt(t, g, code, "in")
			require.Equal(t, "reentry_locked", v.Reason)
			retry, err := time.Parse(time.RFC3339, *v.RetryAt)
			require.NoError(t, err)
			require.WithinDuration(t, first.Add(30*time.Minute), retry, 2*time.Second)
			e.clock.Add(11 * time.Minute)
			require.Equal(t, "granted", guard.scanAt(t, g, code, "in").Verdict)

			// Anti-passback: in twice without an exit is refused.
			pb := org.createProduct(t, `{"kind":"multi_day","name":"Passback","price":9000,"currency":"EUR","channels":["web"],"days":10,"entries":0,"anti_passback":true}`)
			code = passCodes(t, e, pb.ID, 1)[0]
			require.Equal(t, "granted", guard.scanAt(t, g, code, "in").Verdict)
			require.Equal(t, "passback", guard.scanAt(t, g, code, "in").Reason)
			require.Equal(t, "granted", guard.scanAt(t, g, code, "out").Verdict)
			require.Equal(t, "granted", guard.scanAt(t, g, code, "in").Verdict)

			// Time card 4 h + 15 min tolerance, 2.00 per started 30 min.
			r := org.do("PUT", "/api/v1/facility", `{"tolerance_minutes":15}`)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			tc := org.createProduct(t, `{"kind":"time","name":"4 Stunden","price":1200,"currency":"EUR","channels":["web"],"duration_minutes":240,"surcharge":200,"surcharge_interval_minutes":30}`)
			codes := passCodes(t, e, tc.ID, 2)
			require.Equal(t, "granted", guard.scanAt(t, g, codes[0], "in").Verdict)
			require.Equal(t, "granted", guard.scanAt(t, g, codes[1], "in").Verdict)
			e.clock.Add(4*time.Hour + 14*time.Minute)
			require.Equal(t, "granted", guard.scanAt(t, g, codes[0], "out").Verdict, "within duration and tolerance")
			e.clock.Add(2 * time.Minute)
			v = guard.scanAt(t, g, codes[1], "out")
			require.Equal(t, "surcharge_due", v.Reason)
			require.Equal(t, int64(200), *v.SurchargeDue)
			var due struct {
				Due      int64
				Currency string
			}
			r = till.do("GET", "/api/v1/surcharges/"+codes[1], nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			r.decode(t, &due)
			require.Equal(t, int64(200), due.Due)
			require.Equal(t, "EUR", due.Currency)
			r = till.do("POST", "/api/v1/surcharges", map[string]any{"code": codes[1], "amount": 100})
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			require.Contains(t, r.problem(t).Type, "surcharge-changed")
			r = till.do("POST", "/api/v1/surcharges", map[string]any{"code": codes[1], "amount": 200})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			require.Equal(t, "granted", guard.scanAt(t, g, codes[1], "out").Verdict, "paid at the till")
			r = till.do("POST", "/api/v1/surcharges", map[string]any{"code": codes[1]})
			require.Equal(t, http.StatusConflict, r.status, "nothing due once out")
		})
	}
}

// Seat tickets: once; a refunded one is refused; at a gate of another
// performance, wrong_performance; the day before, not_valid_today.
func TestGateTickets(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			p := e.performance(hall.Theatre(), true)
			other := e.performance(hall.Theatre(), true)
			o, r := e.buy(p.ID, "", "S-R1-S1", "S-R1-S2")
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var full struct {
				Tickets []struct{ ID, Code, Seat string }
			}
			e.staff().do("GET", "/api/v1/orders/"+o.ID, nil).decode(t, &full)
			codes := map[string]string{}
			for _, tk := range full.Tickets {
				codes[tk.Seat] = tk.Code
			}
			admin := e.staff()
			g := admin.newGate(t, `{"name":"Stalls"}`)
			wrong := admin.newGate(t, fmt.Sprintf(`{"name":"Other show","performance_id":%q}`, other.ID))

			require.Equal(t, "not_valid_today", admin.scanAt(t, g, codes["S-R1-S1"], "in").Reason, "two days early")
			e.clock.Add(48 * time.Hour)
			require.Equal(t, "wrong_performance", admin.scanAt(t, wrong, codes["S-R1-S1"], "in").Reason)
			v := admin.scanAt(t, g, codes["S-R1-S1"], "in")
			require.Equal(t, "granted", v.Verdict)
			require.Equal(t, "Vera Buyer", v.Holder)
			require.Equal(t, "used_up", admin.scanAt(t, g, codes["S-R1-S1"], "in").Reason)

			r = admin.do("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"seats": []string{"S-R1-S2"}, "reason": "ill", "method": "cash"},
				"Idempotency-Key", "gate-refund")
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			require.Equal(t, "refunded", admin.scanAt(t, g, codes["S-R1-S2"], "in").Reason)
			require.Equal(t, "unknown", admin.scanAt(t, g, "NO-SUCH-CODE", "in").Reason)

			// A performance that lets its tickets in again after an exit.
			r = admin.do("POST", "/api/v1/halls", hall.Theatre())
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var h struct{ ID string }
			r.decode(t, &h)
			r = admin.do("POST", "/api/v1/performances", map[string]any{"hall_id": h.ID, "name": "Matinee", "on_sale": true, "reentry": true,
				"starts_at": e.clock.Now().Add(time.Minute).Format(time.RFC3339)})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var again struct {
				ID      string
				Reentry bool
			}
			r.decode(t, &again)
			require.True(t, again.Reentry)
			o2, r := e.buy(again.ID, "", "S-R2-S1")
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var full2 struct{ Tickets []struct{ Code string } }
			e.staff().do("GET", "/api/v1/orders/"+o2.ID, nil).decode(t, &full2)
			code := full2.Tickets[0].Code
			require.Equal(t, "granted", admin.scanAt(t, g, code, "in").Verdict)
			require.Equal(t, "passback", admin.scanAt(t, g, code, "in").Reason, "in twice without an exit")
			require.Equal(t, "granted", admin.scanAt(t, g, code, "out").Verdict)
			require.Equal(t, "granted", admin.scanAt(t, g, code, "in").Verdict, "back in after the interval")
		})
	}
}

// An offline scanner uploads 500 scans, 20 of them a second time (the same
// nonce): 480 recorded, 20 replayed; where the device let someone in whom
// the rules refuse, the conflict is logged and the entry stands.
func TestGateOfflineBatch(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			guard, _ := e.staffUser(staff.RoleGate)
			free := org.createProduct(t, `{"kind":"multi_day","name":"Frei","price":100,"currency":"EUR","channels":["web"],"days":10,"entries":0}`)
			codes := passCodes(t, e, free.ID, 10)
			g := org.newGate(t, `{"name":"Offline"}`)
			start := e.clock.Now().Add(-time.Hour)
			var scans []map[string]string
			for i := range 480 {
				dir := "in"
				if (i/10)%2 == 1 {
					dir = "out"
				}
				scans = append(scans, map[string]string{"code": codes[i%10], "gate_id": g, "direction": dir, "nonce": fmt.Sprintf("off-%d", i),
					"at": start.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano), "verdict": "granted"})
			}
			scans = append(scans, scans[100:120]...) // the upload retried in part
			r := guard.do("POST", "/api/v1/scans/batch", map[string]any{"scans": scans})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var out struct {
				Results                                []struct{ Scan *scanOut }
				Recorded, Replayed, Refused, Conflicts int
			}
			r.decode(t, &out)
			require.Equal(t, 480, out.Recorded)
			require.Equal(t, 20, out.Replayed)
			require.Zero(t, out.Refused)
			require.Zero(t, out.Conflicts, "in and out alternate: the rules agree with the device")
			var log struct{ Items []scanOut }
			guard.do("GET", "/api/v1/scans?gate_id="+g+"&limit=500", nil).decode(t, &log)
			require.Len(t, log.Items, 480)

			// A single-entry pass let in twice offline: the second is a
			// conflict, logged, and stands.
			once := org.createProduct(t, `{"kind":"day","name":"Einmal","price":100,"currency":"EUR","channels":["web"],"entries":1}`)
			code := passCodes(t, e, once.ID, 1)[0]
			// Two minutes apart on one day (a day ticket's day is the day of
			// its first entry: across midnight the second would be expired).
			t2 := e.clock.Now().Add(-time.Minute)
			t1 := t2.Add(-time.Minute)
			if t1.UTC().YearDay() != t2.UTC().YearDay() {
				t1, t2 = t1.Add(-5*time.Minute), t2.Add(-5*time.Minute)
			}
			r = guard.do("POST", "/api/v1/scans/batch", map[string]any{"scans": []map[string]string{
				{"code": code, "gate_id": g, "direction": "in", "nonce": "x1", "at": t1.Format(time.RFC3339Nano), "verdict": "granted"},
				{"code": code, "gate_id": g, "direction": "in", "nonce": "x2", "at": t2.Format(time.RFC3339Nano), "verdict": "granted"},
			}})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			out.Results = nil
			r.decode(t, &out)
			require.Equal(t, 1, out.Conflicts)
			require.Equal(t, "used_up", out.Results[1].Scan.Reason)
			require.Contains(t, out.Results[1].Scan.Conflict, "used_up")
			var conflicts struct{ Items []scanOut }
			guard.do("GET", "/api/v1/scans?conflict=true", nil).decode(t, &conflicts)
			require.Len(t, conflicts.Items, 1)
		})
	}
}

// Bad input gets clear answers and records nothing twice; roles are
// checked.
func TestGateBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded)
	org, _ := e.staffUser(staff.RoleOrganizer)
	guard, _ := e.staffUser(staff.RoleGate)
	till, _ := e.staffUser(staff.RoleBoxOffice)
	g := org.newGate(t, `{"name":"Main"}`)
	day := org.createProduct(t, `{"kind":"day","name":"Tageskarte","price":1500,"currency":"EUR","channels":["web"],"entries":1}`)
	code := passCodes(t, e, day.ID, 1)[0]

	for _, tc := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"unknown gate", map[string]string{"code": code, "gate_id": "gt-missing", "direction": "in", "nonce": "a"}, http.StatusNotFound, ""},
		{"empty code", map[string]string{"code": " ", "gate_id": g, "direction": "in", "nonce": "b"}, http.StatusUnprocessableEntity, "code"},
		{"10 KB code", map[string]string{"code": strings.Repeat("A", 10<<10), "gate_id": g, "direction": "in", "nonce": "c"}, http.StatusUnprocessableEntity, "code"},
		{"no nonce", map[string]string{"code": code, "gate_id": g, "direction": "in"}, http.StatusUnprocessableEntity, "nonce"},
		{"sideways", map[string]string{"code": code, "gate_id": g, "direction": "up", "nonce": "d"}, http.StatusUnprocessableEntity, "direction"},
	} {
		r := guard.do("POST", "/api/v1/scans", tc.body)
		require.Equal(t, tc.status, r.status, "%s: %s", tc.name, r.body)
		if tc.field != "" {
			require.Equal(t, tc.field, r.problem(t).Field, tc.name)
		}
	}
	r := guard.do("POST", "/api/v1/gates", `{"name":"Mine"}`)
	require.Equal(t, http.StatusForbidden, r.status, "the gate role does not make gates")
	r = org.do("POST", "/api/v1/gates", `{"name":"Spa","zones":["spa"]}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "a zone the facility does not have")
	require.Equal(t, "zones[0]", r.problem(t).Field)
	r = till.do("POST", "/api/v1/scans", map[string]string{"code": code, "gate_id": g, "direction": "in", "nonce": "e"})
	require.Equal(t, http.StatusForbidden, r.status, "the box office does not scan")
	r = e.buyer().do("POST", "/api/v1/scans", map[string]string{"code": code, "gate_id": g, "direction": "in", "nonce": "f"})
	require.Equal(t, http.StatusUnauthorized, r.status)

	// A replayed nonce: the same answer, recorded once; another code
	// under it: 409.
	body := map[string]string{"code": code, "gate_id": g, "direction": "in", "nonce": "same"}
	var first, again scanOut
	guard.do("POST", "/api/v1/scans", body).decode(t, &first)
	r = guard.do("POST", "/api/v1/scans", body)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	r.decode(t, &again)
	require.Equal(t, first.ID, again.ID)
	require.Equal(t, "granted", again.Verdict, "the first answer, not a used_up")
	r = guard.do("POST", "/api/v1/scans", map[string]string{"code": "OTHER", "gate_id": g, "direction": "in", "nonce": "same"})
	require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
	var log struct{ Items []scanOut }
	guard.do("GET", "/api/v1/scans?limit=100", nil).decode(t, &log)
	require.Len(t, log.Items, 1, "only the one good scan is recorded")
}

// A staff card, given in the user administration: granted twice without an
// exit when the facility is closed all week (opening hours and passback do
// not apply), denied once blocked.
func TestGateStaffCard(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			admin := e.staff()
			guard, guardUser := e.staffUser(staff.RoleGate)
			card := admin.createProduct(t, `{"kind":"staff","name":"Mitarbeiterkarte","price":0,"currency":"EUR","valid_to":"2099-12-31"}`)
			day := admin.createProduct(t, `{"kind":"day","name":"Tageskarte","price":1500,"currency":"EUR","channels":["web"],"entries":0}`)
			closed := map[string]any{}
			for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
				closed[d] = map[string]any{"closed": true}
			}
			r := admin.do("PUT", "/api/v1/facility", map[string]any{"hours": closed})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			g := admin.newGate(t, `{"name":"Staff door"}`)

			r = admin.do("POST", "/api/v1/users/"+guardUser.ID+"/staff-card", map[string]string{"product_id": day.ID})
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "only a staff product is a staff card")
			r = guard.do("POST", "/api/v1/users/"+guardUser.ID+"/staff-card", map[string]string{"product_id": card.ID})
			require.Equal(t, http.StatusForbidden, r.status, "admins give staff cards")
			r = admin.do("POST", "/api/v1/users/u-missing/staff-card", map[string]string{"product_id": card.ID})
			require.Equal(t, http.StatusNotFound, r.status)
			r = admin.do("POST", "/api/v1/users/"+guardUser.ID+"/staff-card", map[string]string{"product_id": card.ID})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var p passOut
			r.decode(t, &p)
			require.Equal(t, "handed_over", p.State)
			require.NotNil(t, p.Code)

			v := guard.scanAt(t, g, *p.Code, "in")
			require.Equal(t, "granted", v.Verdict, v.Reason)
			require.Equal(t, "Test "+guardUser.Login, v.Holder)
			require.Equal(t, "granted", guard.scanAt(t, g, *p.Code, "in").Verdict, "again, without an exit")
			dayCode := passCodes(t, e, day.ID, 1)[0]
			require.Equal(t, "outside_opening_hours", guard.scanAt(t, g, dayCode, "in").Reason, "a visitor's day ticket is refused")
			r = admin.do("POST", "/api/v1/passes/"+p.ID+"/block", map[string]string{})
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			require.Equal(t, "locked", guard.scanAt(t, g, *p.Code, "in").Reason)
		})
	}
}

// Entitlements: a pool ticket enters the spa only with one; a visit's ends
// at the exit, a permanent one stays (on a multi-use pass only).
func TestGateEntitlements(t *testing.T) {
	t.Parallel()
	e := newEnv(t, production)
	org, _ := e.staffUser(staff.RoleOrganizer)
	counter, _ := e.staffUser(staff.RolePassCounter)
	r := org.do("PUT", "/api/v1/facility", `{"zones":[{"id":"pool","name":"Pool"},{"id":"spa","name":"Spa"}]}`)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	spaGate := org.newGate(t, `{"name":"Spa door","zones":["spa"]}`)
	day := org.createProduct(t, `{"kind":"day","name":"Pool","price":900,"currency":"EUR","channels":["web"],"entries":0,"zones":["pool"]}`)
	season := org.createProduct(t, `{"kind":"multi_day","name":"Pool 10","price":9000,"currency":"EUR","channels":["web"],"days":10,"entries":0,"zones":["pool"]}`)
	visit := org.createProduct(t, `{"kind":"entitlement","name":"Spa today","price":500,"currency":"EUR","channels":["box_office"],"zones":["spa"]}`)
	always := org.createProduct(t, `{"kind":"entitlement","name":"Spa always","price":5000,"currency":"EUR","channels":["box_office"],"zones":["spa"],"permanent":true}`)

	var o passOrder
	r = e.buyer().do("POST", "/api/v1/orders", buyBody(item(day.ID, 1), item(season.ID, 1)))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	r.decode(t, &o)
	dayPass, seasonPass := o.Passes[0], o.Passes[1]
	require.Equal(t, "no_zone", org.scanAt(t, spaGate, *dayPass.Code, "in").Reason)
	r = counter.do("POST", "/api/v1/passes/"+dayPass.ID+"/entitlements", map[string]string{"product_id": always.ID})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "a day ticket takes no permanent entitlement: %s", r.body)
	r = counter.do("POST", "/api/v1/passes/"+dayPass.ID+"/entitlements", map[string]string{"product_id": day.ID})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "not an entitlement")
	r = counter.do("POST", "/api/v1/passes/"+dayPass.ID+"/entitlements", map[string]string{"product_id": visit.ID})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, "granted", org.scanAt(t, spaGate, *dayPass.Code, "in").Verdict, "with this visit's entitlement")
	require.Equal(t, "granted", org.scanAt(t, spaGate, *dayPass.Code, "out").Verdict)
	require.Equal(t, "no_zone", org.scanAt(t, spaGate, *dayPass.Code, "in").Reason, "the visit ended at the exit")

	r = counter.do("POST", "/api/v1/passes/"+seasonPass.ID+"/entitlements", map[string]string{"product_id": always.ID})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, "granted", org.scanAt(t, spaGate, *seasonPass.Code, "in").Verdict)
	require.Equal(t, "granted", org.scanAt(t, spaGate, *seasonPass.Code, "out").Verdict)
	require.Equal(t, "granted", org.scanAt(t, spaGate, *seasonPass.Code, "in").Verdict, "a permanent entitlement stays")
	r = e.buyer().do("POST", "/api/v1/passes/"+seasonPass.ID+"/entitlements", map[string]string{"product_id": always.ID})
	require.Equal(t, http.StatusUnauthorized, r.status)
}
