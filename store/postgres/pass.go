package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
)

const (
	passColumns = `id, order_id, product_id, product_name, kind, line, unit, price, code, state, personalize,
holder_name, holder_birth_date, valid_from, valid_to, personalize_token, replaced_by, printed_at, created_at, updated_at`
	selectPass           = `SELECT ` + passColumns + ` FROM passes WHERE id = $1`
	selectPassesOfOrders = `SELECT ` + passColumns + ` FROM passes WHERE order_id = ANY($1::text[]) ORDER BY order_id, line, unit, created_at, id`
	selectPassesByToken  = `SELECT ` + passColumns + ` FROM passes WHERE personalize_token = $1 AND personalize_token <> '' ORDER BY line, unit, id`
	// Newest first from the keyset cursor ($4, $5); empty filters match all.
	listPasses = `SELECT ` + passColumns + ` FROM passes
WHERE ($1 = '' OR state = $1) AND ($2 = '' OR product_id = $2) AND ($3 = '' OR order_id = $3)
  AND (created_at, id) < ($4, $5::text)
ORDER BY created_at DESC, id DESC
LIMIT $6`
	// A pass of an order that ended unpaid is void, as its tickets are.
	voidPasses = `UPDATE passes SET state = 'void', updated_at = $2 WHERE order_id = $1 AND state <> 'void'`
	// A late payment sells the order again: its passes come back in the
	// state they were issued in.
	relivePasses = `UPDATE passes SET updated_at = $2,
  state = CASE WHEN personalize THEN 'awaiting_personalization' ELSE 'handed_over' END
WHERE order_id = $1 AND state = 'void'`
	refundPassesOf = `UPDATE passes SET state = 'void', updated_at = $3 WHERE order_id = $1 AND id = ANY($2::text[]) AND state <> 'void'`
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
WHERE id = ANY($1::text[]) AND state = 'personalized'
RETURNING ` + passColumns
)

// passArgs are the arrays insertOrderSQL's passes variant takes.
func passArgs(ps []pass.Pass) []any {
	n := len(ps)
	ids, products, names, kinds := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	lines, units, prices := make([]int32, n), make([]int32, n), make([]int64, n)
	codes, states, personalize := make([]string, n), make([]string, n), make([]bool, n)
	from, to, tokens, holders := make([]pgtype.Date, n), make([]pgtype.Date, n), make([]string, n), make([]string, n)
	for i, p := range ps {
		ids[i], products[i], names[i], kinds[i] = p.ID, p.ProductID, p.ProductName, p.Kind
		lines[i], units[i], prices[i] = int32(p.Line), int32(p.Unit), p.Price
		codes[i], states[i], personalize[i] = p.Code, p.State, p.Personalize
		from[i], to[i], tokens[i], holders[i] = pgDate(p.ValidFrom), pgDate(p.ValidTo), p.PersonalizeToken, p.Holder.Name
	}
	return []any{ids, products, names, kinds, lines, units, prices, codes, states, personalize, from, to, tokens, holders}
}

func pgDate(d pass.Date) pgtype.Date {
	if d.IsZero() {
		return pgtype.Date{}
	}
	return pgtype.Date{Time: time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC), Valid: true}
}

func fromPgDate(d pgtype.Date) pass.Date {
	if !d.Valid {
		return pass.Date{}
	}
	return pass.DateOf(d.Time)
}

func scanPass(r pgx.Row) (pass.Pass, error) {
	var p pass.Pass
	var line, unit int32
	var birth, from, to pgtype.Date
	var printed *time.Time
	err := r.Scan(&p.ID, &p.OrderID, &p.ProductID, &p.ProductName, &p.Kind, &line, &unit, &p.Price, &p.Code, &p.State, &p.Personalize,
		&p.Holder.Name, &birth, &from, &to, &p.PersonalizeToken, &p.ReplacedBy, &printed, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return pass.Pass{}, err
	}
	p.Line, p.Unit = int(line), int(unit)
	p.Holder.BirthDate, p.ValidFrom, p.ValidTo = fromPgDate(birth), fromPgDate(from), fromPgDate(to)
	if printed != nil {
		p.PrintedAt = printed.UTC()
	}
	utc(&p.CreatedAt)
	utc(&p.UpdatedAt)
	return p, nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func queryPasses(ctx context.Context, q querier, query string, args ...any) ([]pass.Pass, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (pass.Pass, error) { return scanPass(r) })
}

// withPasses loads the passes of orders in one query.
func withPasses(ctx context.Context, q querier, orders []order.Order) error {
	if len(orders) == 0 {
		return nil
	}
	ids := make([]string, len(orders))
	at := make(map[string]int, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
		at[o.ID] = i
	}
	ps, err := queryPasses(ctx, q, selectPassesOfOrders, ids)
	if err != nil {
		return err
	}
	for _, p := range ps {
		o := &orders[at[p.OrderID]]
		o.Passes = append(o.Passes, p)
	}
	return nil
}

// GetPass returns a pass; store.ErrNotFound if there is none.
func (s *Store) GetPass(ctx context.Context, id string) (pass.Pass, error) {
	p, err := scanPass(s.pool.QueryRow(ctx, selectPass, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return pass.Pass{}, fmt.Errorf("get pass %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return pass.Pass{}, fmt.Errorf("get pass %s: %w", id, err)
	}
	return p, nil
}

// PassesOfOrder lists an order's passes by line and unit.
func (s *Store) PassesOfOrder(ctx context.Context, orderID string) ([]pass.Pass, error) {
	out, err := queryPasses(ctx, s.pool, selectPassesOfOrders, []string{orderID})
	if err != nil {
		return nil, fmt.Errorf("passes of order %s: %w", orderID, err)
	}
	return out, nil
}

// PassesByToken lists the passes a personalization token opens; none for
// an unknown token.
func (s *Store) PassesByToken(ctx context.Context, token string) ([]pass.Pass, error) {
	out, err := queryPasses(ctx, s.pool, selectPassesByToken, token)
	if err != nil {
		return nil, fmt.Errorf("passes by token: %w", err)
	}
	return out, nil
}

// ListPasses lists passes newest first, keyset-paged.
func (s *Store) ListPasses(ctx context.Context, f pass.PassFilter) ([]pass.Pass, error) {
	out, err := queryPasses(ctx, s.pool, listPasses, f.State, f.ProductID, f.OrderID, bound(f.Before, pgtype.Infinity), f.BeforeID,
		store.ClampLimit(f.Limit))
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
	p, err := scanPass(s.pool.QueryRow(ctx, personalizePass, id, token, h.Name, pgDate(h.BirthDate), s.now()))
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return pass.Pass{}, fmt.Errorf("personalize pass %s: %w", id, err)
	}
	p, err = scanPass(s.pool.QueryRow(ctx, selectPassOfToken, id, token))
	if errors.Is(err, pgx.ErrNoRows) {
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
	out, err := queryPasses(ctx, s.pool, markPassesPrinted, ids, s.now())
	if err != nil {
		return nil, fmt.Errorf("mark passes printed: %w", err)
	}
	return out, nil
}
