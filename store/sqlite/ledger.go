package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/gate"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
)

// Value cards' ledger, pass voucher exchange and moving a card to another
// medium (issue 14). Every write here is one transaction on the one write
// connection (BEGIN IMMEDIATE), so writers take turns; the statements that
// decide (the balance's credit-limit guard, the voucher's state guard) are
// guarded UPDATEs all the same, as in the Postgres adapter.

const (
	entryColumns     = `id, pass_id, amount, currency, kind, balance_after, by_staff, till, coalesce(order_id, ''), note, idempotency_key, created_at`
	selectPassOfCode = `SELECT ` + passColumns + ` FROM passes WHERE code = $1`
	selectPassOrder  = `SELECT p.kind, p.state, p.order_id, o.status, o.currency
FROM passes p JOIN orders o ON o.id = p.order_id WHERE p.id = $1`
	selectPassWithOrder = `SELECT ` + passColumns + `, (SELECT status FROM orders o WHERE o.id = passes.order_id),
  (SELECT currency FROM orders o WHERE o.id = passes.order_id)
FROM passes WHERE id = $1`
	openBalance = `INSERT INTO pass_balances (pass_id, balance, currency, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (pass_id) DO NOTHING`
	insertEntry = `INSERT INTO pass_ledger (pass_id, amount, currency, kind, balance_after, by_staff, till, order_id, note, idempotency_key, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, ''), $9, $10, $11)
RETURNING ` + entryColumns
	entryByKey = `SELECT ` + entryColumns + ` FROM pass_ledger WHERE pass_id = $1 AND idempotency_key = $2 AND idempotency_key <> ''`
	// The guard: a debit never takes the balance below minus the credit
	// limit, nothing above the maximum; a top-up is taken even while the
	// balance is below a limit lowered since.
	bookBalance = `UPDATE pass_balances SET balance = balance + $2, updated_at = $3
WHERE pass_id = $1 AND ($2 >= 0 OR balance + $2 >= -$4) AND balance + $2 <= $5
RETURNING balance, currency`
	selectBalance    = `SELECT balance, currency FROM pass_balances WHERE pass_id = $1`
	setBalance       = `UPDATE pass_balances SET balance = $2, updated_at = $3 WHERE pass_id = $1`
	selectLedger     = `SELECT ` + entryColumns + ` FROM pass_ledger WHERE pass_id = $1 AND id > $2 ORDER BY id LIMIT $3`
	insertSinglePass = `INSERT INTO passes (id, order_id, product_id, product_name, kind, line, unit, price, code, state, personalize,
holder_name, holder_birth_date, valid_from, valid_to, personalize_token, replaced_by, printed_at, created_at, updated_at, state_by, state_note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, '', $17, $18, $18, $19, $20)
RETURNING ` + passColumns
	// The voucher's state is the referee: the first exchange replaces it,
	// the others find it replaced.
	exchangeVoucher = `UPDATE passes SET state = 'replaced', replaced_by = $2, updated_at = $3, state_by = $5, state_note = 'exchanged for a pass'
WHERE id = $1 AND kind = 'pass_voucher' AND state = 'handed_over'
  AND EXISTS (SELECT 1 FROM orders o WHERE o.id = passes.order_id AND o.status IN (SELECT value FROM json_each($4)))`
	replacePass = `UPDATE passes SET state = 'replaced', replaced_by = $2, updated_at = $3, state_by = $4, state_note = 'moved to a new card' WHERE id = $1`
)

// shownStatuses are the order statuses whose passes are live (order.CodesShown).
var shownStatuses = stringArray([]string{order.Paid, order.PartRefunded, order.Refunded})

func scanEntry(r scanner) (pass.Entry, error) {
	var e pass.Entry
	var created int64
	err := r.Scan(&e.ID, &e.PassID, &e.Amount, &e.Currency, &e.Kind, &e.BalanceAfter, &e.By, &e.Till, &e.OrderID, &e.Note,
		&e.IdempotencyKey, &created)
	e.CreatedAt = fromMicros(created)
	return e, err
}

// PassByCode returns the pass with a code; store.ErrNotFound if none.
func (s *Store) PassByCode(ctx context.Context, code string) (pass.Pass, error) {
	p, err := scanPass(s.r.QueryRowContext(ctx, selectPassOfCode, code))
	if errors.Is(err, sql.ErrNoRows) {
		return pass.Pass{}, fmt.Errorf("pass by code: %w", store.ErrNotFound)
	}
	if err != nil {
		return pass.Pass{}, fmt.Errorf("pass by code: %w", err)
	}
	return p, nil
}

// passOpen says whether a pass of kind in state, of an order in status, may
// carry a ledger booking.
func passOpen(kind, state, status string) bool {
	return pass.CarriesValue(kind) && pass.InUse(state) && order.CodesShown(order.Order{Status: status})
}

// openAccount opens pass id's account with its opening value, written as its
// first entry, unless it is open.
func openAccount(ctx context.Context, tx *sql.Tx, id, orderID, currency string, opening int64, at time.Time) error {
	res, err := tx.ExecContext(ctx, openBalance, id, opening, currency, micros(at))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 || opening == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, insertEntry, id, opening, currency, pass.EntryTopUp, opening, "", "", orderID, "opening value", "", micros(at))
	return err
}

// BookPass writes a booking on a value or customer card: its account opened
// if need be, the balance moved by one statement guarded by the credit
// limit, and the entry, in one transaction. A booking whose idempotency key
// the pass has used returns that entry and replayed. ErrNotFound for no
// pass, ErrConflict for a pass that carries no value or is not in use (or
// of an unpaid order), *pass.BalanceError when the guard refuses; nothing
// is written then.
func (s *Store) BookPass(ctx context.Context, b pass.Booking) (pass.Entry, bool, error) {
	var out pass.Entry
	replayed := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, replayed, err = bookPass(ctx, tx, b, s.now())
		return err
	})
	if err != nil {
		return pass.Entry{}, false, fmt.Errorf("book %s on pass %s: %w", b.Kind, b.PassID, err)
	}
	return out, replayed, nil
}

// bookPass is BookPass in tx, the caller's transaction (a booking that is
// part of a larger write, such as a scan's automatic debit at the gate). An
// error leaves tx to be rolled back.
func bookPass(ctx context.Context, tx *sql.Tx, b pass.Booking, at time.Time) (pass.Entry, bool, error) {
	var kind, state, orderID, status, currency string
	err := tx.QueryRowContext(ctx, selectPassOrder, b.PassID).Scan(&kind, &state, &orderID, &status, &currency)
	if errors.Is(err, sql.ErrNoRows) {
		return pass.Entry{}, false, store.ErrNotFound
	}
	if err != nil {
		return pass.Entry{}, false, err
	}
	if !passOpen(kind, state, status) {
		return pass.Entry{}, false, fmt.Errorf("a %s pass, %s, of a %s order: %w", kind, state, status, store.ErrConflict)
	}
	if err := openAccount(ctx, tx, b.PassID, orderID, currency, b.Opening, at); err != nil {
		return pass.Entry{}, false, err
	}
	if b.IdempotencyKey != "" {
		e, err := scanEntry(tx.QueryRowContext(ctx, entryByKey, b.PassID, b.IdempotencyKey))
		if err == nil {
			return e, true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return pass.Entry{}, false, err
		}
	}
	var balance int64
	err = tx.QueryRowContext(ctx, bookBalance, b.PassID, b.Amount, micros(at), b.CreditLimit, int64(pass.MaxBalance)).Scan(&balance, &currency)
	if errors.Is(err, sql.ErrNoRows) {
		if err := tx.QueryRowContext(ctx, selectBalance, b.PassID).Scan(&balance, &currency); err != nil {
			return pass.Entry{}, false, err
		}
		return pass.Entry{}, false, &pass.BalanceError{PassID: b.PassID, Balance: balance, CreditLimit: b.CreditLimit, Amount: b.Amount, Currency: currency}
	}
	if err != nil {
		return pass.Entry{}, false, err
	}
	e, err := scanEntry(tx.QueryRowContext(ctx, insertEntry, b.PassID, b.Amount, currency, b.Kind, balance, b.By, b.Till, "", b.Note,
		b.IdempotencyKey, micros(at)))
	return e, false, err
}

// PassBalance returns a pass's balance and its currency; store.ErrNotFound
// while its account is not open.
func (s *Store) PassBalance(ctx context.Context, id string) (int64, string, error) {
	var balance int64
	var currency string
	err := s.r.QueryRowContext(ctx, selectBalance, id).Scan(&balance, &currency)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", fmt.Errorf("balance of pass %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return 0, "", fmt.Errorf("balance of pass %s: %w", id, err)
	}
	return balance, currency, nil
}

// PassLedger lists up to limit entries of a pass's ledger after entry id
// after, oldest first.
func (s *Store) PassLedger(ctx context.Context, id string, after int64, limit int) ([]pass.Entry, error) {
	rows, err := s.r.QueryContext(ctx, selectLedger, id, after, store.ClampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("ledger of pass %s: %w", id, err)
	}
	defer rows.Close()
	out := []pass.Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("ledger of pass %s: %w", id, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger of pass %s: %w", id, err)
	}
	return out, nil
}

func insertPassRow(ctx context.Context, tx *sql.Tx, p pass.Pass, at time.Time, by, note string) (pass.Pass, error) {
	return scanPass(tx.QueryRowContext(ctx, insertSinglePass, p.ID, p.OrderID, p.ProductID, p.ProductName, p.Kind, p.Line, p.Unit,
		p.Price, p.Code, p.State, p.Personalize, p.Holder.Name, p.Holder.BirthDate.String(), p.ValidFrom.String(), p.ValidTo.String(),
		p.PersonalizeToken, nullMicros(p.PrintedAt), micros(at), by, note))
}

// ExchangePassVoucher replaces the pass voucher voucherID by np, a new pass
// handed over at once, in one transaction: one statement guarded by the
// voucher's state (handed over, of a paid order) marks it replaced by np, so
// of racing exchanges exactly one wins. ErrNotFound for no such pass;
// *pass.ReplacedError naming the pass it became once it was exchanged;
// ErrConflict for a pass that is no voucher, or not in use, or of an order
// not paid. Nothing is written then.
func (s *Store) ExchangePassVoucher(ctx context.Context, voucherID string, np pass.Pass, by string) (pass.Pass, error) {
	var out pass.Pass
	err := s.tx(ctx, func(tx *sql.Tx) error {
		at := s.now()
		res, err := tx.ExecContext(ctx, exchangeVoucher, voucherID, np.ID, micros(at), shownStatuses, by)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			v, err := scanPass(tx.QueryRowContext(ctx, selectPass, voucherID))
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return store.ErrNotFound
			case err != nil:
				return err
			case v.State == pass.StateReplaced:
				return &pass.ReplacedError{PassID: v.ID, By: v.ReplacedBy}
			}
			return fmt.Errorf("a %s pass, %s: %w", v.Kind, v.State, store.ErrConflict)
		}
		if !np.PrintedAt.IsZero() {
			np.PrintedAt = at
		}
		out, err = insertPassRow(ctx, tx, np, at, by, "exchanged for a pass voucher")
		return err
	})
	if err != nil {
		return pass.Pass{}, fmt.Errorf("exchange pass voucher %s: %w", voucherID, err)
	}
	return out, nil
}

// TransferPass moves a discount, value or customer card to a new medium in
// one transaction: the new pass (t.NewID, t.NewCode) with the old one's
// product, holder, validity and order line, in the state pass.TransferState
// gives; the old one replaced by it; and a card with value moves its balance
// with a transfer entry on each. ErrNotFound for no such pass,
// *pass.ReplacedError once it was replaced, ErrConflict for a pass of
// another kind or not in use (or of an order not paid).
func (s *Store) TransferPass(ctx context.Context, t pass.Transfer) (pass.Pass, error) {
	var out pass.Pass
	err := s.tx(ctx, func(tx *sql.Tx) error {
		at := s.now()
		var status, currency string
		old, err := scanPass(rowWith{tx.QueryRowContext(ctx, selectPassWithOrder, t.PassID), []any{&status, &currency}})
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if old.State == pass.StateReplaced {
			return &pass.ReplacedError{PassID: old.ID, By: old.ReplacedBy}
		}
		state, ok := pass.TransferState(old.State)
		if !ok || !pass.Transferable(old.Kind) || !order.CodesShown(order.Order{Status: status}) {
			return fmt.Errorf("a %s pass, %s, of a %s order: %w", old.Kind, old.State, status, store.ErrConflict)
		}
		np := old
		np.ID, np.Code, np.State, np.Price, np.PrintedAt, np.ReplacedBy = t.NewID, t.NewCode, state, 0, time.Time{}, ""
		if _, err := tx.ExecContext(ctx, replacePass, old.ID, np.ID, micros(at), t.By); err != nil {
			return err
		}
		if out, err = insertPassRow(ctx, tx, np, at, t.By, "moved from another card"); err != nil {
			return err
		}
		if !pass.CarriesValue(old.Kind) {
			return nil
		}
		return moveBalance(ctx, tx, old, np.ID, currency, t, at)
	})
	if err != nil {
		return pass.Pass{}, fmt.Errorf("transfer pass %s: %w", t.PassID, err)
	}
	return out, nil
}

// moveBalance moves the balance of card old (its account opened with
// t.Opening if it is not) to the new pass newID, in tx, the caller's
// transaction: a transfer entry on each, old's balance 0. Any replacement
// of a card that carries value (a move to another medium, a lost card
// replaced) moves its balance so.
func moveBalance(ctx context.Context, tx *sql.Tx, old pass.Pass, newID, currency string, t pass.Transfer, at time.Time) error {
	if err := openAccount(ctx, tx, old.ID, old.OrderID, currency, t.Opening, at); err != nil {
		return err
	}
	var balance int64
	if err := tx.QueryRowContext(ctx, selectBalance, old.ID).Scan(&balance, &currency); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, setBalance, old.ID, 0, micros(at)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, insertEntry, old.ID, -balance, currency, pass.EntryTransfer, 0, t.By, t.Till, "", "to pass "+newID, "",
		micros(at)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, openBalance, newID, balance, currency, micros(at)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, insertEntry, newID, balance, currency, pass.EntryTransfer, balance, t.By, t.Till, "", "from pass "+old.ID, "",
		micros(at))
	return err
}

// rowWith is a row whose trailing columns go to more.
type rowWith struct {
	scanner
	more []any
}

func (r rowWith) Scan(dest ...any) error { return r.scanner.Scan(append(dest, r.more...)...) }

// The gate's automatic debit (seed 002, "Aufzahlung"): a value or customer
// card whose product books another at entry enters by that product's rules,
// paid from its balance.

// withDebit fills in what an automatic debit needs of a card f found at the
// gate: the product it books and the card's balance (its opening value
// while its account is not open). Other codes are left as they are.
func (s *Store) withDebit(ctx context.Context, f *gate.Found) error {
	p := f.Pass
	if p == nil || !pass.CarriesValue(p.Kind) || f.Product.Rules.AutoDebitProduct == "" {
		return nil
	}
	dp, err := s.GetProduct(ctx, f.Product.Rules.AutoDebitProduct)
	if errors.Is(err, store.ErrNotFound) {
		return nil // booking nothing, the card gives no entry
	}
	if err != nil {
		return fmt.Errorf("automatic debit's product: %w", err)
	}
	f.DebitProduct = &dp
	f.Balance, _, err = s.PassBalance(ctx, p.ID)
	if errors.Is(err, store.ErrNotFound) {
		f.Balance, err = f.Product.OpeningValue(*p), nil
	}
	return err
}

// scanDebit books a granted scan's automatic debit in tx, the scan's own
// transaction, with the scan's id as the idempotency key. When the balance
// no longer allows it (a till debited the card since it was looked up) the
// scan is denied for the credit limit and the usage stays u; a scanner that
// let the person in offline has its entry booked all the same, beyond the
// limit: the person is in.
func (s *Store) scanDebit(ctx context.Context, tx *sql.Tx, rec gate.Record, u gate.Usage, v gate.Verdict, next gate.Usage,
	at time.Time) (gate.Verdict, gate.Usage, error) {
	if !v.OK() || v.Debit <= 0 || v.PassID == "" {
		return v, next, nil
	}
	p, err := scanPass(tx.QueryRowContext(ctx, selectPass, v.PassID))
	if err != nil {
		return v, next, fmt.Errorf("automatic debit's card: %w", err)
	}
	pr, err := s.GetProduct(ctx, p.ProductID)
	if err != nil {
		return v, next, fmt.Errorf("automatic debit's card: %w", err)
	}
	b := pass.Booking{PassID: p.ID, Kind: pass.EntryDebit, Amount: -v.Debit, CreditLimit: pr.Rules.CreditLimit, Opening: pr.OpeningValue(p),
		By: rec.By, Note: "entry at gate " + rec.Scan.GateID, IdempotencyKey: "scan:" + rec.ID}
	if rec.Device == gate.Granted {
		b.CreditLimit = pass.MaxBalance
	}
	_, _, err = bookPass(ctx, tx, b, at)
	var low *pass.BalanceError
	if errors.As(err, &low) {
		return gate.Verdict{Verdict: gate.Denied, Reason: gate.ReasonInsufficientFunds, Kind: v.Kind, PassID: v.PassID, Holder: v.Holder}, u, nil
	}
	return v, next, err
}
