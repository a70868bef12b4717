package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/voucher"
)

const (
	codeColumns = `code, kind, batch_id, name, percent, amount, currency, max_uses, uses, state, restrictions, created_by, created_at, updated_at`
	insertCode  = `INSERT INTO codes (` + codeColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $12)`
	selectCode  = `SELECT ` + codeColumns + ` FROM codes WHERE code = $1`
	// insertVouchers writes a batch's vouchers, $1 a JSON array of codes.
	insertVouchers = `INSERT INTO codes (` + codeColumns + `)
SELECT value, 'voucher', $2, $3, $4, $5, $6, 1, 0, $7, $8, $9, $10, $10 FROM json_each($1)`
	// Each filter has its own query, so that each has its index; the cursor
	// is where the scan of the index starts.
	listCodes        = `SELECT ` + codeColumns + ` FROM codes WHERE code > $1 ORDER BY code LIMIT $2`
	listCodesOfKind  = `SELECT ` + codeColumns + ` FROM codes WHERE kind = $3 AND code > $1 ORDER BY code LIMIT $2`
	listCodesOfBatch = `SELECT ` + codeColumns + ` FROM codes WHERE batch_id = $3 AND ($4 = '' OR kind = $4) AND code > $1
ORDER BY code LIMIT $2`
	setCodeState = `UPDATE codes SET state = $2, updated_at = $3 WHERE code = $1`
	// One use, only while the code is available and not used up: racing
	// redemptions take turns on the write connection, and the condition is
	// checked by each in turn.
	redeemCode = `UPDATE codes SET uses = uses + 1, updated_at = $2
WHERE code = $1 AND state = 'available' AND (max_uses = 0 OR uses < max_uses)`

	batchColumns = `id, name, prefix, count, percent, amount, currency, restrictions, created_by, created_at`
	insertBatch  = `INSERT INTO voucher_batches (` + batchColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	selectBatch  = `SELECT ` + batchColumns + ` FROM voucher_batches WHERE id = $1`
	listBatches  = `SELECT ` + batchColumns + ` FROM voucher_batches ORDER BY created_at DESC, rowid DESC LIMIT 10000`
)

// maxCodes bounds a page of codes: a whole batch of vouchers, printed at once.
const maxCodes = 10_000

func encodeRestrictions(r voucher.Restrictions) (string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encode restrictions: %w", err)
	}
	return string(b), nil
}

func scanCode(row scanner) (voucher.Code, error) {
	var c voucher.Code
	var batch sql.NullString
	var restrictions string
	var created, updated int64
	err := row.Scan(&c.Code, &c.Kind, &batch, &c.Name, &c.Percent, &c.Amount, &c.Currency, &c.MaxUses, &c.Uses, &c.State,
		&restrictions, &c.CreatedBy, &created, &updated)
	if err != nil {
		return voucher.Code{}, err
	}
	c.BatchID = batch.String
	if err := json.Unmarshal([]byte(restrictions), &c.Restrictions); err != nil {
		return voucher.Code{}, fmt.Errorf("code %s: restrictions: %w", c.Code, err)
	}
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	return c, nil
}

// insertCodeRow writes a new code, unused, in tx. Its kind decides its
// batch and its limit: a voucher belongs to batch and is used once.
func insertCodeRow(ctx context.Context, stmt *sql.Stmt, c voucher.Code, batch string, at time.Time) error {
	if c.Code == "" {
		return errors.New("the code is empty")
	}
	switch c.State {
	case voucher.Prepared, voucher.Available, voucher.Blocked:
	default:
		return fmt.Errorf("code %s: state %q is none of prepared, available, blocked", c.Code, c.State)
	}
	restrictions, err := encodeRestrictions(c.Restrictions)
	if err != nil {
		return err
	}
	var batchID any
	if c.Kind == voucher.KindVoucher {
		batchID, c.MaxUses = batch, 1
	}
	_, err = stmt.ExecContext(ctx, c.Code, c.Kind, batchID, c.Name, c.Percent, c.Amount, c.Currency, c.MaxUses,
		c.State, restrictions, c.CreatedBy, micros(at))
	if isUnique(err) {
		return fmt.Errorf("code %s: %w", c.Code, store.ErrDuplicate)
	}
	return err
}

// CreatePromotion stores a promotion, unused; a code that any voucher or
// promotion has gives ErrDuplicate.
func (s *Store) CreatePromotion(ctx context.Context, c voucher.Code) error {
	c.Kind = voucher.KindPromotion
	err := s.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, insertCode)
		if err != nil {
			return err
		}
		defer stmt.Close()
		return insertCodeRow(ctx, stmt, c, "", s.now())
	})
	if err != nil {
		return fmt.Errorf("create promotion %s: %w", c.Code, err)
	}
	return nil
}

// CreateVoucherBatch stores a batch and its vouchers in one transaction: one
// taken code and none is written. Each voucher is used at most once and takes
// its value, restrictions and author from the batch, its state from codes
// (available when empty); Count is the number of codes.
func (s *Store) CreateVoucherBatch(ctx context.Context, b voucher.Batch, codes []voucher.Code) error {
	restrictions, err := encodeRestrictions(b.Restrictions)
	if err != nil {
		return fmt.Errorf("create voucher batch %s: %w", b.ID, err)
	}
	at := s.now()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, insertBatch, b.ID, b.Name, b.Prefix, len(codes), b.Percent, b.Amount, b.Currency, restrictions,
			b.CreatedBy, micros(at))
		if isUnique(err) {
			return fmt.Errorf("batch %s: %w", b.ID, store.ErrDuplicate)
		}
		if err != nil {
			return err
		}
		names := make([]string, len(codes))
		state := voucher.Available
		for i, c := range codes {
			if c.Code == "" {
				return errors.New("a code is empty")
			}
			names[i], state = c.Code, cmp.Or(c.State, state)
		}
		data, err := json.Marshal(names)
		if err != nil {
			return err
		}
		// One statement for the whole batch: 10,000 single inserts cost
		// seconds where this costs tens of milliseconds.
		_, err = tx.ExecContext(ctx, insertVouchers, string(data), b.ID, b.Name, b.Percent, b.Amount, b.Currency, state,
			restrictions, b.CreatedBy, micros(at))
		if isUnique(err) {
			return fmt.Errorf("batch %s: %w", b.ID, store.ErrDuplicate)
		}
		if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create voucher batch %s: %w", b.ID, err)
	}
	return nil
}

func scanBatch(row scanner) (voucher.Batch, error) {
	var b voucher.Batch
	var restrictions string
	var created int64
	err := row.Scan(&b.ID, &b.Name, &b.Prefix, &b.Count, &b.Percent, &b.Amount, &b.Currency, &restrictions, &b.CreatedBy, &created)
	if err != nil {
		return voucher.Batch{}, err
	}
	if err := json.Unmarshal([]byte(restrictions), &b.Restrictions); err != nil {
		return voucher.Batch{}, fmt.Errorf("batch %s: restrictions: %w", b.ID, err)
	}
	b.CreatedAt = fromMicros(created)
	return b, nil
}

// GetVoucherBatch returns a batch without its codes (see ListCodes).
func (s *Store) GetVoucherBatch(ctx context.Context, id string) (voucher.Batch, error) {
	b, err := scanBatch(s.r.QueryRowContext(ctx, selectBatch, id))
	if errors.Is(err, sql.ErrNoRows) {
		return voucher.Batch{}, fmt.Errorf("get voucher batch %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return voucher.Batch{}, fmt.Errorf("get voucher batch %s: %w", id, err)
	}
	return b, nil
}

// ListVoucherBatches lists batches, newest first.
func (s *Store) ListVoucherBatches(ctx context.Context) ([]voucher.Batch, error) {
	rows, err := s.r.QueryContext(ctx, listBatches)
	if err != nil {
		return nil, fmt.Errorf("list voucher batches: %w", err)
	}
	defer rows.Close()
	var out []voucher.Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, fmt.Errorf("list voucher batches: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list voucher batches: %w", err)
	}
	return out, nil
}

// GetCode returns a voucher or promotion by its exact code.
func (s *Store) GetCode(ctx context.Context, code string) (voucher.Code, error) {
	c, err := scanCode(s.r.QueryRowContext(ctx, selectCode, code))
	if errors.Is(err, sql.ErrNoRows) {
		return voucher.Code{}, fmt.Errorf("get code %s: %w", code, store.ErrNotFound)
	}
	if err != nil {
		return voucher.Code{}, fmt.Errorf("get code %s: %w", code, err)
	}
	return c, nil
}

// ListCodes lists codes by code, keyset-paged; a limit out of 1..10000 is
// 10000.
func (s *Store) ListCodes(ctx context.Context, f voucher.Filter) ([]voucher.Code, error) {
	limit := f.Limit
	if limit <= 0 || limit > maxCodes {
		limit = maxCodes
	}
	query, args := listCodes, []any{f.After, limit}
	switch {
	case f.BatchID != "":
		query, args = listCodesOfBatch, append(args, f.BatchID, f.Kind)
	case f.Kind != "":
		query, args = listCodesOfKind, append(args, f.Kind)
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list codes: %w", err)
	}
	defer rows.Close()
	var out []voucher.Code
	for rows.Next() {
		c, err := scanCode(rows)
		if err != nil {
			return nil, fmt.Errorf("list codes: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list codes: %w", err)
	}
	return out, nil
}

// SetCodeState moves a code between the stored states (see
// store.CodeMoveAllowed).
func (s *Store) SetCodeState(ctx context.Context, code, state string) (voucher.Code, error) {
	var c voucher.Code
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanCode(tx.QueryRowContext(ctx, selectCode, code))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !voucher.MoveAllowed(c.State, state) {
			return fmt.Errorf("%s to %q: %w", c.Status(), state, store.ErrConflict)
		}
		c.State, c.UpdatedAt = state, s.now()
		_, err = tx.ExecContext(ctx, setCodeState, code, state, micros(c.UpdatedAt))
		return err
	})
	if err != nil {
		return voucher.Code{}, fmt.Errorf("set state of code %s: %w", code, err)
	}
	return c, nil
}

// redeem takes one use of code in tx, or says with a *store.CodeError why it
// cannot: unknown, not available, or used up.
func redeem(ctx context.Context, tx *sql.Tx, code string, at time.Time) error {
	res, err := tx.ExecContext(ctx, redeemCode, code, micros(at))
	if err != nil {
		return fmt.Errorf("redeem code %s: %w", code, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("redeem code %s: %w", code, err)
	} else if n == 1 {
		return nil
	}
	c, err := scanCode(tx.QueryRowContext(ctx, selectCode, code))
	if errors.Is(err, sql.ErrNoRows) {
		return &voucher.CodeError{Code: code}
	}
	if err != nil {
		return fmt.Errorf("redeem code %s: %w", code, err)
	}
	return &voucher.CodeError{Code: code, Status: c.Status()}
}
