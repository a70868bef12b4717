package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/payment/testpay"
	"github.com/seatmap/seatmap/staff"
)

const (
	valueBody    = `{"kind":"value","name":"Wertkarte","price":5000,"currency":"EUR","channels":["web","box_office"]}`
	discountBody = `{"kind":"discount","name":"Rabattkarte","price":900,"currency":"EUR","channels":["web","box_office"],"discount_group":"members","discount_percent":10}`
)

type entryOut struct {
	ID           int64  `json:"id"`
	PassID       string `json:"pass_id"`
	Kind         string `json:"kind"`
	Amount       int64  `json:"amount"`
	Currency     string `json:"currency"`
	BalanceAfter int64  `json:"balance_after"`
	By           string `json:"by"`
	Till         string `json:"till"`
	OrderID      string `json:"order_id"`
}

type ledgerOut struct {
	Balance     int64      `json:"balance"`
	Currency    string     `json:"currency"`
	CreditLimit int64      `json:"credit_limit"`
	Items       []entryOut `json:"items"`
}

// buyPass buys one unit of product on the web (paid at once in -payment
// none) and returns its pass.
func buyPass(t *testing.T, e *testEnv, product string) passOut {
	t.Helper()
	r := e.buyer().do("POST", "/api/v1/orders", buyBody(item(product, 1)))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var o passOrder
	r.decode(t, &o)
	require.Len(t, o.Passes, 1)
	return o.Passes[0]
}

func ledgerOf(t *testing.T, c *client, id string) ledgerOut {
	t.Helper()
	r := c.do("GET", "/api/v1/passes/"+id+"/ledger", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var l ledgerOut
	r.decode(t, &l)
	var sum int64
	for _, e := range l.Items {
		sum += e.Amount
		require.Equal(t, sum, e.BalanceAfter)
	}
	if len(l.Items) > 0 {
		require.Equal(t, sum, l.Balance, "the entries add up to the balance")
	}
	return l
}

// The acceptance: a value card loaded with 50.00 pays 30.00 and
// keeps 20.00; of two parallel debits of 15.00, exactly one succeeds.
func TestValueCardAtTheTill(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			till, tillUser := e.staffUser(staff.RoleBoxOffice)
			gate, _ := e.staffUser(staff.RoleGate)
			counter, _ := e.staffUser(staff.RolePassCounter)
			card := buyPass(t, e, org.createProduct(t, valueBody).ID)
			path := "/api/v1/passes/" + card.ID

			l := ledgerOf(t, till, card.ID)
			require.Equal(t, int64(5000), l.Balance, "loaded with its price")
			require.Empty(t, l.Items, "the account opens at first use")

			r := till.do("POST", path+"/debit", map[string]any{"amount": 3000, "till": "till-1", "note": "café"})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var en entryOut
			r.decode(t, &en)
			require.Equal(t, int64(-3000), en.Amount)
			require.Equal(t, int64(2000), en.BalanceAfter)
			require.Equal(t, "debit", en.Kind)
			require.Equal(t, tillUser.ID, en.By)
			require.Equal(t, "till-1", en.Till)
			l = ledgerOf(t, counter, card.ID)
			require.Equal(t, int64(2000), l.Balance)
			require.Len(t, l.Items, 2)
			require.Equal(t, "top_up", l.Items[0].Kind)
			require.Equal(t, card.OrderID, l.Items[0].OrderID, "the opening value names the order that sold the card")

			var wg sync.WaitGroup
			statuses := make([]response, 2)
			for i := range statuses {
				wg.Go(func() { statuses[i] = till.do("POST", path+"/debit", map[string]any{"amount": 1500}) })
			}
			wg.Wait()
			won := 0
			for _, r := range statuses {
				switch r.status {
				case http.StatusCreated:
					won++
				case http.StatusConflict:
					p := r.problem(t)
					require.Equal(t, "https://seatmap.dev/problems/insufficient-balance", p.Type)
					require.NotNil(t, p.Balance)
					require.Equal(t, int64(500), *p.Balance)
					require.Equal(t, "EUR", p.Currency)
				default:
					t.Fatalf("a parallel debit: %d %s", r.status, r.body)
				}
			}
			require.Equal(t, 1, won, "exactly one of two parallel debits of 15.00 on 20.00")
			require.Equal(t, int64(500), ledgerOf(t, till, card.ID).Balance)

			// The gate debits too; top-ups are money taken at a till.
			r = gate.do("POST", path+"/debit", map[string]any{"amount": 100})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			r = till.do("POST", path+"/top-up", map[string]any{"amount": 1000, "idempotency_key": "t1"})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var first entryOut
			r.decode(t, &first)
			require.Equal(t, int64(1400), first.BalanceAfter)
			r = till.do("POST", path+"/top-up", map[string]any{"amount": 1000}, "Idempotency-Key", "t1")
			require.Equal(t, http.StatusOK, r.status, "a repeat: %s", r.body)
			var again entryOut
			r.decode(t, &again)
			require.Equal(t, first, again)
			r = till.do("POST", path+"/top-up", map[string]any{"amount": 999, "idempotency_key": "t1"})
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "the key of another booking: %s", r.body)
			require.Equal(t, int64(1400), ledgerOf(t, till, card.ID).Balance)

			// Roles: the gate and the pass counter take no money; nobody
			// without credentials does anything.
			for _, c := range []struct {
				who    *client
				path   string
				status int
			}{
				{gate, path + "/top-up", http.StatusForbidden},
				{counter, path + "/top-up", http.StatusForbidden},
				{counter, path + "/debit", http.StatusForbidden},
				{e.buyer(), path + "/debit", http.StatusUnauthorized},
				{e.buyer(), path + "/top-up", http.StatusUnauthorized},
			} {
				r := c.who.do("POST", c.path, map[string]any{"amount": 100})
				require.Equal(t, c.status, r.status, "%s: %s", c.path, r.body)
			}
			require.Equal(t, http.StatusUnauthorized, e.buyer().do("GET", path+"/ledger", nil).status)
			require.Len(t, ledgerOf(t, till, card.ID).Items, 5, "nothing written by the refused")
		})
	}
}

func TestValueCardBadInput(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			till, _ := e.staffUser(staff.RoleBoxOffice)
			card := buyPass(t, e, org.createProduct(t, valueBody).ID)
			day := buyPass(t, e, org.createProduct(t, dayBody).ID)
			path := "/api/v1/passes/" + card.ID
			r := till.do("POST", path+"/debit", map[string]any{"amount": 1000})
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)

			for _, c := range []struct {
				name, path string
				body       any
				status     int
				field      string
			}{
				{"amount 0", path + "/debit", `{"amount":0}`, 422, "amount"},
				{"negative amount", path + "/top-up", `{"amount":-500}`, 422, "amount"},
				{"huge amount", path + "/top-up", `{"amount":100000001}`, 422, "amount"},
				{"beyond int64", path + "/debit", `{"amount":1e30}`, 422, ""},
				{"fraction", path + "/debit", `{"amount":12.5}`, 422, ""},
				{"string", path + "/debit", `{"amount":"10"}`, 422, ""},
				{"no amount", path + "/debit", `{}`, 422, "amount"},
				{"unknown field", path + "/debit", `{"amount":1,"currency":"USD"}`, 422, ""},
				{"long key", path + "/debit", fmt.Sprintf(`{"amount":1,"idempotency_key":%q}`, strings.Repeat("k", 65)), 422, "idempotency_key"},
				{"bad till", path + "/debit", `{"amount":1,"till":"till 1"}`, 422, "till"},
				{"long note", path + "/debit", fmt.Sprintf(`{"amount":1,"note":%q}`, strings.Repeat("n", 201)), 422, "note"},
				{"top-up above the maximum", path + "/top-up", `{"amount":100000000}`, 422, "amount"},
				{"debit beyond the balance", path + "/debit", `{"amount":4001}`, 409, ""},
				{"unknown pass", "/api/v1/passes/ps-none/debit", `{"amount":1}`, 404, ""},
				{"a day ticket", "/api/v1/passes/" + day.ID + "/debit", `{"amount":1}`, 409, ""},
				{"a day ticket's ledger", "/api/v1/passes/" + day.ID + "/top-up", `{"amount":1}`, 409, ""},
			} {
				r := till.do("POST", c.path, c.body)
				require.Equal(t, c.status, r.status, "%s: %s", c.name, r.body)
				p := r.problem(t)
				if c.field != "" {
					require.Equal(t, c.field, p.Field, c.name)
				}
			}
			l := ledgerOf(t, till, card.ID)
			require.Equal(t, int64(4000), l.Balance, "nothing changed")
			require.Len(t, l.Items, 2)
			require.Equal(t, http.StatusConflict, till.do("GET", "/api/v1/passes/"+day.ID+"/ledger", nil).status)
			require.Equal(t, http.StatusNotFound, till.do("GET", "/api/v1/passes/ps-none/ledger", nil).status)
			require.Equal(t, http.StatusUnprocessableEntity, till.do("GET", path+"/ledger?after=x", nil).status)
		})
	}
}

// The acceptance: 20 parallel exchanges of one pass voucher give
// exactly one pass; the other 19 get a clear 409.
func TestPassVoucherExchange(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			counter, _ := e.staffUser(staff.RolePassCounter)
			gate, _ := e.staffUser(staff.RoleGate)
			annual := org.createProduct(t, annualBody)
			voucher := org.createProduct(t, fmt.Sprintf(`{"kind":"pass_voucher","name":"Jahreskarten-Gutschein","price":8900,"currency":"EUR",
				"channels":["web","box_office"],"exchange_for":%q}`, annual.ID))
			block := org.createProduct(t, `{"kind":"block","name":"10er-Block","price":8000,"currency":"EUR","channels":["web"],"cards":10}`)
			r := org.do("POST", "/api/v1/products", fmt.Sprintf(`{"kind":"pass_voucher","name":"Gutschein","price":8000,"currency":"EUR",
				"channels":["web"],"exchange_for":%q}`, block.ID))
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "a voucher becomes one pass, not a block: %s", r.body)
			require.Equal(t, "exchange_for", r.problem(t).Field)
			v := buyPass(t, e, voucher.ID)
			require.Equal(t, "handed_over", v.State, "a voucher's code is the voucher")
			require.NotNil(t, v.Code)
			// As a person types it: lower case, in groups.
			typed := strings.ToLower((*v.Code)[:4] + " " + (*v.Code)[4:])
			path := "/api/v1/pass-vouchers/" + strings.ReplaceAll(typed, " ", "%20") + "/exchange"
			holder := map[string]any{"holder": map[string]string{"name": "Ada Lovelace", "birth_date": "1990-12-10"}}

			for _, c := range []struct {
				name   string
				who    *client
				path   string
				body   any
				status int
			}{
				{"no holder", counter, path, `{}`, 422},
				{"bad birth date", counter, path, `{"holder":{"name":"Ada","birth_date":"1990-13-01"}}`, 422},
				{"empty name", counter, path, `{"holder":{"name":" ","birth_date":"1990-12-01"}}`, 422},
				{"unknown code", counter, "/api/v1/pass-vouchers/NOSUCHCODE/exchange", holder, 404},
				{"the gate", gate, path, holder, 403},
				{"nobody", e.buyer(), path, holder, 401},
			} {
				r := c.who.do("POST", c.path, c.body)
				require.Equal(t, c.status, r.status, "%s: %s", c.name, r.body)
			}

			const n = 20
			var wg sync.WaitGroup
			rs := make([]response, n)
			for i := range n {
				wg.Go(func() { rs[i] = counter.do("POST", path, holder) })
			}
			wg.Wait()
			var won passOut
			for _, r := range rs {
				if r.status == http.StatusCreated {
					require.Empty(t, won.ID, "two exchanges won")
					r.decode(t, &won)
				}
			}
			require.NotEmpty(t, won.ID, "no exchange won")
			for _, r := range rs {
				if r.status != http.StatusCreated {
					require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
					p := r.problem(t)
					require.Equal(t, "https://seatmap.dev/problems/voucher-exchanged", p.Type)
					require.Equal(t, "Voucher already exchanged", p.Title)
					require.Equal(t, won.ID, p.Pass, "the 409 names the pass the voucher became")
				}
			}
			require.Equal(t, annual.ID, won.ProductID)
			require.Equal(t, "handed_over", won.State, "printed and handed over at once")
			require.NotNil(t, won.Code)
			require.NotEqual(t, *v.Code, *won.Code)
			require.Equal(t, int64(0), won.Price, "the voucher was paid for")

			// The counter reads passes and prints the QR code.
			r = counter.do("GET", "/api/v1/passes/"+v.ID, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var old passOut
			r.decode(t, &old)
			require.Equal(t, "replaced", old.State)
			require.Equal(t, http.StatusOK, counter.do("GET", "/api/v1/passes?state=replaced", nil).status)
			r = counter.do("GET", "/api/v1/passes/"+won.ID+"/qr.svg", nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			require.Equal(t, "image/svg+xml", r.header.Get("Content-Type"))
			require.Equal(t, http.StatusConflict, counter.do("GET", "/api/v1/passes/"+v.ID+"/qr.svg", nil).status, "a replaced voucher admits no one")
			r = counter.do("GET", "/api/v1/pass-codes/"+strings.ReplaceAll(typed, " ", "%20"), nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)

			// Refunds: the voucher is not refunded itself; the pass it
			// became gives back the voucher's price.
			refunds := "/api/v1/orders/" + v.OrderID + "/refunds"
			r = e.staff().do("POST", refunds, map[string]any{"passes": []string{v.ID}, "reason": "test"}, "Idempotency-Key", "r1")
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			r = e.staff().do("POST", refunds, map[string]any{"passes": []string{won.ID}, "reason": "test"}, "Idempotency-Key", "r2")
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var rf struct{ Refund struct{ Amount int64 } }
			r.decode(t, &rf)
			require.Equal(t, int64(8900), rf.Refund.Amount)
			require.Equal(t, http.StatusConflict, counter.do("GET", "/api/v1/passes/"+won.ID+"/qr.svg", nil).status, "a refunded pass has no QR code")

			// Another pass's code is no voucher.
			day := buyPass(t, e, org.createProduct(t, dayBody).ID)
			r = counter.do("POST", "/api/v1/pass-vouchers/"+*day.Code+"/exchange", holder)
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			require.Equal(t, "https://seatmap.dev/problems/not-a-pass-voucher", r.problem(t).Type)
		})
	}
}

// A voucher of an order not yet paid is not there for the counter.
func TestPassVoucherOfAnUnpaidOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, embedded, func(o *envOptions) { o.payments = testpay.New() })
	org, _ := e.staffUser(staff.RoleOrganizer)
	counter, _ := e.staffUser(staff.RolePassCounter)
	annual := org.createProduct(t, annualBody)
	voucher := org.createProduct(t, fmt.Sprintf(`{"kind":"pass_voucher","name":"Gutschein","price":8900,"currency":"EUR","channels":["web"],"exchange_for":%q}`, annual.ID))
	r := e.buyer().do("POST", "/api/v1/orders", buyBody(item(voucher.ID, 1)))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var o passOrder
	r.decode(t, &o)
	require.Equal(t, "pending_payment", o.Status)
	var page struct{ Items []passOut }
	e.staff().do("GET", "/api/v1/passes?order="+o.ID, nil).decode(t, &page)
	require.Len(t, page.Items, 1)
	code := *page.Items[0].Code
	r = counter.do("POST", "/api/v1/pass-vouchers/"+code+"/exchange", map[string]any{"holder": map[string]string{"name": "Ada", "birth_date": "1990-01-01"}})
	require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
	e.staff().do("GET", "/api/v1/passes?order="+o.ID, nil).decode(t, &page)
	require.Equal(t, "handed_over", page.Items[0].State, "nothing changed")
}

// Rabatt übertragen: a discount card moves to another medium and stays a
// discount card; a value card's balance and ledger go on.
func TestTransferCard(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			till, _ := e.staffUser(staff.RoleBoxOffice)
			gate, _ := e.staffUser(staff.RoleGate)
			discount := org.createProduct(t, discountBody)
			c := buyPass(t, e, discount.ID)
			r := till.do("POST", "/api/v1/passes/"+c.ID+"/transfer", nil)
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var np passOut
			r.decode(t, &np)
			require.Equal(t, discount.ID, np.ProductID, "a discount card stays a discount card")
			require.Equal(t, c.OrderID, np.OrderID)
			require.NotEqual(t, *c.Code, *np.Code)
			require.Equal(t, "/api/v1/passes/"+np.ID, r.header.Get("Location"))
			var old passOut
			till.do("GET", "/api/v1/passes/"+c.ID, nil).decode(t, &old)
			require.Equal(t, "replaced", old.State)
			r = till.do("POST", "/api/v1/passes/"+c.ID+"/transfer", `{"till":"till-2"}`)
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			p := r.problem(t)
			require.Equal(t, "https://seatmap.dev/problems/pass-not-in-use", p.Type)
			require.Equal(t, np.ID, p.Pass)

			value := buyPass(t, e, org.createProduct(t, valueBody).ID)
			require.Equal(t, http.StatusCreated, till.do("POST", "/api/v1/passes/"+value.ID+"/debit", map[string]any{"amount": 1200}).status)
			r = till.do("POST", "/api/v1/passes/"+value.ID+"/transfer", `{"till":"till-2"}`)
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			var nv passOut
			r.decode(t, &nv)
			l := ledgerOf(t, till, nv.ID)
			require.Equal(t, int64(3800), l.Balance)
			require.Len(t, l.Items, 1)
			require.Equal(t, "transfer", l.Items[0].Kind)
			require.Equal(t, "till-2", l.Items[0].Till)
			require.Equal(t, int64(0), ledgerOf(t, till, value.ID).Balance)
			r = till.do("POST", "/api/v1/passes/"+value.ID+"/debit", map[string]any{"amount": 1})
			require.Equal(t, http.StatusConflict, r.status, "the old card pays no more: %s", r.body)

			day := buyPass(t, e, org.createProduct(t, dayBody).ID)
			r = till.do("POST", "/api/v1/passes/"+day.ID+"/transfer", nil)
			require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
			require.Equal(t, "https://seatmap.dev/problems/pass-not-transferable", r.problem(t).Type)
			require.Equal(t, http.StatusForbidden, gate.do("POST", "/api/v1/passes/"+nv.ID+"/transfer", nil).status)
			require.Equal(t, http.StatusUnauthorized, e.buyer().do("POST", "/api/v1/passes/"+nv.ID+"/transfer", nil).status)
			require.Equal(t, http.StatusNotFound, till.do("POST", "/api/v1/passes/ps-none/transfer", nil).status)
		})
	}
}

// The gate's automatic debit: a value card whose product books a day
// ticket at each entry enters while its balance pays for it; each entry is
// a debit on its ledger, by the gate's staff member.
func TestAutomaticDebitAtTheGate(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			org, _ := e.staffUser(staff.RoleOrganizer)
			gateStaff, gateUser := e.staffUser(staff.RoleGate)
			day := org.createProduct(t, `{"kind":"day","name":"Tageseintritt","price":1500,"currency":"EUR","channels":["box_office"],"entries":0}`)
			value := org.createProduct(t, fmt.Sprintf(`{"kind":"value","name":"Wertkarte","price":5000,"currency":"EUR","channels":["web"],"auto_debit_product":%q}`, day.ID))
			card := buyPass(t, e, value.ID)
			g := org.newGate(t, `{"name":"Main"}`)
			for i, want := range []int64{3500, 2000, 500} {
				v := gateStaff.scanAt(t, g, *card.Code, "in")
				require.Equal(t, "granted", v.Verdict, "entry %d: %+v", i, v)
				require.Equal(t, want, ledgerOf(t, gateStaff, card.ID).Balance)
				require.Equal(t, "granted", gateStaff.scanAt(t, g, *card.Code, "out").Verdict)
			}
			v := gateStaff.scanAt(t, g, *card.Code, "in")
			require.Equal(t, "denied", v.Verdict)
			require.Equal(t, "credit_limit", v.Reason)
			l := ledgerOf(t, gateStaff, card.ID)
			require.Equal(t, int64(500), l.Balance)
			require.Len(t, l.Items, 4, "the opening value and three entries")
			require.Equal(t, gateUser.ID, l.Items[3].By)
		})
	}
}
