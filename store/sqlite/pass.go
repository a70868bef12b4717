package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
)

const (
	insertPass = `INSERT INTO passes (id, order_id, product_id, product_name, kind, line, unit, price, code, state, personalize,
valid_from, valid_to, personalize_token, created_at, updated_at, holder_name)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16)`
	passColumns = `id, order_id, product_id, product_name, kind, line, unit, price, code, state, personalize,
holder_name, holder_birth_date, valid_from, valid_to, personalize_token, replaced_by, printed_at, created_at, updated_at`
	selectPass           = `SELECT ` + passColumns + ` FROM passes WHERE id = $1`
	selectPassesOfOrders = `SELECT ` + passColumns + ` FROM passes WHERE order_id IN (SELECT value FROM json_each($1))
ORDER BY order_id, line, unit, created_at, id`
	selectPassesByToken = `SELECT ` + passColumns + ` FROM passes WHERE personalize_token = $1 AND personalize_token <> '' ORDER BY line, unit, id`
	// Newest first from the keyset cursor ($4, $5); empty filters match all.
	listPasses = `SELECT ` + passColumns + ` FROM passes
WHERE ($1 = '' OR state = $1) AND ($2 = '' OR product_id = $2) AND ($3 = '' OR order_id = $3)
  AND (created_at, id) < ($4, $5)
ORDER BY created_at DESC, id DESC
LIMIT $6`
	// A pass of an order that ended unpaid is void, as its tickets are.
	voidPasses = `UPDATE passes SET state = 'void', updated_at = $2 WHERE order_id = $1 AND state <> 'void'`
	// A late payment sells the order again: its passes come back in the
	// state they were issued in.
	relivePasses = `UPDATE passes SET updated_at = $2,
  state = CASE WHEN personalize THEN 'awaiting_personalization' ELSE 'handed_over' END
WHERE order_id = $1 AND state = 'void'`
	refundPassesOf = `UPDATE passes SET state = 'void', updated_at = $3
WHERE order_id = $1 AND id IN (SELECT value FROM json_each($2)) AND state <> 'void'`
	// The state guard is the race's referee: a pass printed in between is
	// not matched, so a print is never overwritten.
	personalizePass = `UPDATE passes SET holder_name = $3, holder_birth_date = $4, state = 'personalized', updated_at = $5,
  state_by = 'buyer', state_note = 'holder named'
WHERE id = $1 AND personalize_token = $2 AND personalize_token <> '' AND personalize
  AND state IN ('awaiting_personalization', 'personalized')
RETURNING ` + passColumns
	selectPassOfToken = `SELECT ` + passColumns + ` FROM passes
WHERE id = $1 AND personalize_token = $2 AND personalize_token <> '' AND personalize`
	markPassesPrinted = `UPDATE passes SET state = 'printed', printed_at = $2, updated_at = $2
WHERE id IN (SELECT value FROM json_each($1)) AND state = 'personalized'
RETURNING ` + passColumns
)

func scanPass(r scanner) (pass.Pass, error) {
	var p pass.Pass
	var birth, from, to string
	var printed sql.NullInt64
	var created, updated int64
	err := r.Scan(&p.ID, &p.OrderID, &p.ProductID, &p.ProductName, &p.Kind, &p.Line, &p.Unit, &p.Price, &p.Code, &p.State, &p.Personalize,
		&p.Holder.Name, &birth, &from, &to, &p.PersonalizeToken, &p.ReplacedBy, &printed, &created, &updated)
	if err != nil {
		return pass.Pass{}, err
	}
	for _, d := range []struct {
		s   string
		dst *pass.Date
	}{{birth, &p.Holder.BirthDate}, {from, &p.ValidFrom}, {to, &p.ValidTo}} {
		if *d.dst, err = pass.ParseDate(d.s); err != nil {
			return pass.Pass{}, fmt.Errorf("pass %s: %w", p.ID, err)
		}
	}
	if printed.Valid {
		p.PrintedAt = fromMicros(printed.Int64)
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return p, nil
}

// rowsQuerier is a database or a transaction.
type rowsQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryPasses(ctx context.Context, q rowsQuerier, query string, args ...any) ([]pass.Pass, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []pass.Pass{}
	for rows.Next() {
		p, err := scanPass(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// withPasses loads the passes of orders in one query.
func withPasses(ctx context.Context, q rowsQuerier, orders []order.Order) error {
	if len(orders) == 0 {
		return nil
	}
	ids := make([]string, len(orders))
	at := make(map[string]int, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
		at[o.ID] = i
	}
	idsJSON, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	ps, err := queryPasses(ctx, q, selectPassesOfOrders, string(idsJSON))
	if err != nil {
		return err
	}
	for _, p := range ps {
		o := &orders[at[p.OrderID]]
		o.Passes = append(o.Passes, p)
	}
	return nil
}

// insertPasses writes an order's passes in tx, the order's transaction.
func insertPasses(ctx context.Context, st *sql.Stmt, o order.Order) error {
	for _, p := range o.Passes {
		_, err := st.ExecContext(ctx, p.ID, o.ID, p.ProductID, p.ProductName, p.Kind, p.Line, p.Unit, p.Price, p.Code, p.State,
			p.Personalize, p.ValidFrom.String(), p.ValidTo.String(), p.PersonalizeToken, micros(o.CreatedAt), p.Holder.Name)
		if err != nil {
			return fmt.Errorf("pass %s: %w", p.ID, err)
		}
	}
	return nil
}

func stringArray(ids []string) string {
	if ids == nil {
		return "[]"
	}
	b, _ := json.Marshal(ids) // a []string always marshals
	return string(b)
}

// GetPass returns a pass; store.ErrNotFound if there is none.
func (s *Store) GetPass(ctx context.Context, id string) (pass.Pass, error) {
	p, err := scanPass(s.r.QueryRowContext(ctx, selectPass, id))
	if errors.Is(err, sql.ErrNoRows) {
		return pass.Pass{}, fmt.Errorf("get pass %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return pass.Pass{}, fmt.Errorf("get pass %s: %w", id, err)
	}
	return p, nil
}

// PassesOfOrder lists an order's passes by line and unit.
func (s *Store) PassesOfOrder(ctx context.Context, orderID string) ([]pass.Pass, error) {
	out, err := queryPasses(ctx, s.r, selectPassesOfOrders, stringArray([]string{orderID}))
	if err != nil {
		return nil, fmt.Errorf("passes of order %s: %w", orderID, err)
	}
	return out, nil
}

// PassesByToken lists the passes a personalization token opens; none for
// an unknown token.
func (s *Store) PassesByToken(ctx context.Context, token string) ([]pass.Pass, error) {
	out, err := queryPasses(ctx, s.r, selectPassesByToken, token)
	if err != nil {
		return nil, fmt.Errorf("passes by token: %w", err)
	}
	return out, nil
}

// ListPasses lists passes newest first, keyset-paged.
func (s *Store) ListPasses(ctx context.Context, f pass.PassFilter) ([]pass.Pass, error) {
	before, beforeID := int64(math.MaxInt64), ""
	if !f.Before.IsZero() {
		before, beforeID = micros(f.Before), f.BeforeID
	}
	out, err := queryPasses(ctx, s.r, listPasses, f.State, f.ProductID, f.OrderID, before, beforeID, store.ClampLimit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list passes: %w", err)
	}
	return out, nil
}

// PersonalizePass names the holder of the pass id that token opens and
// makes it personalized, in one statement guarded by its state:
// store.ErrNotFound if token opens no such pass, store.ErrConflict if the
// pass is past personalization (printed or later). Nothing is written then.
func (s *Store) PersonalizePass(ctx context.Context, token, id string, h pass.Holder) (pass.Pass, error) {
	p, err := scanPass(s.w.QueryRowContext(ctx, personalizePass, id, token, h.Name, h.BirthDate.String(), micros(s.now())))
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return pass.Pass{}, fmt.Errorf("personalize pass %s: %w", id, err)
	}
	p, err = scanPass(s.r.QueryRowContext(ctx, selectPassOfToken, id, token))
	if errors.Is(err, sql.ErrNoRows) {
		return pass.Pass{}, fmt.Errorf("personalize pass %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return pass.Pass{}, fmt.Errorf("personalize pass %s: %w", id, err)
	}
	return pass.Pass{}, fmt.Errorf("personalize pass %s (%s): %w", id, p.State, store.ErrConflict)
}

// MarkPassesPrinted moves the personalized passes among ids to printed and
// returns them; the others are left as they are.
func (s *Store) MarkPassesPrinted(ctx context.Context, ids []string) ([]pass.Pass, error) {
	out, err := queryPasses(ctx, s.w, markPassesPrinted, stringArray(ids), micros(s.now()))
	if err != nil {
		return nil, fmt.Errorf("mark passes printed: %w", err)
	}
	return out, nil
}
