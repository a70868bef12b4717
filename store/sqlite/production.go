package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
)

const (
	// One guarded statement per move: a pass that left the expected states
	// in between is not matched, so of two racing moves exactly one wins.
	// A block remembers the state it locked; unblock ($3 = '') returns to it.
	movePass = `UPDATE passes SET
  state = CASE WHEN $3 = '' THEN blocked_from ELSE $3 END,
  blocked_from = CASE WHEN $3 = 'blocked' THEN state ELSE '' END,
  state_by = $4, state_note = $5, updated_at = $6
WHERE id = $1 AND state IN (SELECT value FROM json_each($2))
RETURNING ` + passColumns
	// Replace: the old pass is replaced (its code dead) and a new one takes
	// its product, holder, validity and order under a new id and code.
	replaceOld = `UPDATE passes SET state = 'replaced', replaced_by = $3, blocked_from = '',
  state_by = $4, state_note = $5, updated_at = $6
WHERE id = $1 AND state IN (SELECT value FROM json_each($2))
RETURNING ` + passColumns
	replaceNew = `INSERT INTO passes (id, order_id, product_id, product_name, kind, line, unit, price, code, state, personalize,
  holder_name, holder_birth_date, valid_from, valid_to, personalize_token, created_at, updated_at, state_by, state_note)
SELECT $2, order_id, product_id, product_name, kind, line, unit, 0, $3, $4, personalize,
  holder_name, holder_birth_date, valid_from, valid_to, personalize_token, $5, $5, $6, $7
FROM passes WHERE id = $1`
	copyPhoto = `INSERT INTO pass_photos (pass_id, content_type, data, print_data, width, height, updated_at)
SELECT $2, content_type, data, print_data, width, height, updated_at FROM pass_photos WHERE pass_id = $1`
	selectPassHistory = `SELECT at, actor, from_state, to_state, note FROM pass_history WHERE pass_id = $1 ORDER BY id`
	// The photo is written only while the pass takes a holder (one writer:
	// a print is before or after it, whole).
	putPassPhoto = `INSERT INTO pass_photos (pass_id, content_type, data, print_data, width, height, updated_at)
SELECT id, $3, $4, $8, $5, $6, $7 FROM passes
WHERE id = $1 AND personalize_token = $2 AND personalize_token <> '' AND personalize
  AND state IN ('awaiting_personalization', 'personalized')
ON CONFLICT (pass_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data, print_data = excluded.print_data,
  width = excluded.width, height = excluded.height, updated_at = excluded.updated_at`
	selectPassPhoto = `SELECT pass_id, content_type, data, width, height, updated_at FROM pass_photos WHERE pass_id = $1`

	insertPrintBatch = `INSERT INTO print_batches (id, created_by, created_at, count) VALUES ($1, $2, $3, $4)`
	printQueue       = `SELECT id FROM passes WHERE state = 'personalized' ORDER BY created_at, id LIMIT $1`
	printPasses      = `UPDATE passes SET state = 'printed', printed_at = $2, updated_at = $2, state_by = $3, state_note = $4
WHERE id IN (SELECT value FROM json_each($1)) AND state = 'personalized'
RETURNING id`
	insertBatchPasses = `INSERT INTO print_batch_passes (batch_id, position, pass_id)
SELECT $1, key, value FROM json_each($2)`
	selectStates     = `SELECT id, state FROM passes WHERE id IN (SELECT value FROM json_each($1))`
	listPrintBatches = `SELECT id, created_by, created_at, count FROM print_batches ORDER BY created_at DESC, id DESC LIMIT $1`
	selectPrintBatch = `SELECT id, created_by, created_at, count FROM print_batches WHERE id = $1`
	selectBatchIDs   = `SELECT pass_id FROM print_batch_passes WHERE batch_id = $1 ORDER BY position`
	// A page of a batch's passes with their photos as printed, from
	// position $2.
	selectBatchPage = `SELECT b.position, ` + prefixedPassColumns + `, ph.content_type, ph.print_data
FROM print_batch_passes b JOIN passes p ON p.id = b.pass_id LEFT JOIN pass_photos ph ON ph.pass_id = b.pass_id
WHERE b.batch_id = $1 AND b.position >= $2 ORDER BY b.position LIMIT $3`
	prefixedPassColumns = `p.id, p.order_id, p.product_id, p.product_name, p.kind, p.line, p.unit, p.price, p.code, p.state, p.personalize,
p.holder_name, p.holder_birth_date, p.valid_from, p.valid_to, p.personalize_token, p.replaced_by, p.printed_at, p.created_at, p.updated_at`
	selectPassState = `SELECT state FROM passes WHERE id = $1`
)

// rowQuerier is a database or a transaction.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// moveConflict reads the pass a guarded move did not match: not found, or
// a *pass.StateError naming its state.
func moveConflict(ctx context.Context, q rowQuerier, id, move string) error {
	var state string
	err := q.QueryRowContext(ctx, selectPassState, id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s pass %s: %w", move, id, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s pass %s: %w", move, id, err)
	}
	return fmt.Errorf("%s: %w", move, &pass.StateError{ID: id, Move: move, State: state})
}

// MovePass makes move m on pass id in one statement guarded by the pass's
// state, recording actor and note in its history: store.ErrNotFound, or a
// *pass.StateError when the pass is not in a state m leaves from.
func (s *Store) MovePass(ctx context.Context, id string, m pass.Move, actor, note string) (pass.Pass, error) {
	p, err := scanPass(s.w.QueryRowContext(ctx, movePass, id, stringArray(m.From), m.To, actor, note, micros(s.now())))
	if errors.Is(err, sql.ErrNoRows) {
		return pass.Pass{}, moveConflict(ctx, s.r, id, m.Name)
	}
	if err != nil {
		return pass.Pass{}, fmt.Errorf("%s pass %s: %w", m.Name, id, err)
	}
	return p, nil
}

// ReplacePass replaces pass id (in a state of m.From) by a new pass with
// newID and code, in one transaction: the old one replaced, the new one in
// the state pass.ReplacementState gives, with the old one's photo.
func (s *Store) ReplacePass(ctx context.Context, id, newID, code string, m pass.Move, actor, note string) (old, repl pass.Pass, err error) {
	at := micros(s.now())
	err = s.tx(ctx, func(tx *sql.Tx) error {
		old, err = scanPass(tx.QueryRowContext(ctx, replaceOld, id, stringArray(m.From), newID, actor, note, at))
		if errors.Is(err, sql.ErrNoRows) {
			return moveConflict(ctx, tx, id, m.Name)
		}
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, replaceNew, id, newID, code, pass.ReplacementState(old), at, actor, "replaces "+id); err != nil {
			return err
		}
		if repl, err = scanPass(tx.QueryRowContext(ctx, selectPass, newID)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, copyPhoto, id, newID)
		return err
	})
	if err != nil {
		return pass.Pass{}, pass.Pass{}, fmt.Errorf("replace pass %s: %w", id, err)
	}
	return old, repl, nil
}

// PassHistory lists pass id's changes, oldest first.
func (s *Store) PassHistory(ctx context.Context, id string) ([]pass.Change, error) {
	rows, err := s.r.QueryContext(ctx, selectPassHistory, id)
	if err != nil {
		return nil, fmt.Errorf("pass history %s: %w", id, err)
	}
	defer rows.Close()
	out := []pass.Change{}
	for rows.Next() {
		var c pass.Change
		var at int64
		if err := rows.Scan(&at, &c.Actor, &c.From, &c.To, &c.Note); err != nil {
			return nil, fmt.Errorf("pass history %s: %w", id, err)
		}
		c.At = fromMicros(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pass history %s: %w", id, err)
	}
	return out, nil
}

// PutPassPhoto stores the photo of pass ph.PassID, which token must open,
// while it takes a holder: store.ErrNotFound if token opens no such pass,
// store.ErrConflict if it is printed or past it. Nothing is written then.
func (s *Store) PutPassPhoto(ctx context.Context, token string, ph pass.Photo) error {
	res, err := s.w.ExecContext(ctx, putPassPhoto, ph.PassID, token, ph.ContentType, ph.Data, ph.Width, ph.Height, micros(s.now()), ph.PrintData)
	if err != nil {
		return fmt.Errorf("put photo of pass %s: %w", ph.PassID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return nil
	}
	p, err := scanPass(s.r.QueryRowContext(ctx, selectPassOfToken, ph.PassID, token))
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("put photo of pass %s: %w", ph.PassID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("put photo of pass %s: %w", ph.PassID, err)
	}
	return fmt.Errorf("put photo of pass %s (%s): %w", ph.PassID, p.State, store.ErrConflict)
}

// PassPhoto returns the photo of pass id; store.ErrNotFound if it has none.
func (s *Store) PassPhoto(ctx context.Context, id string) (pass.Photo, error) {
	var ph pass.Photo
	var at int64
	err := s.r.QueryRowContext(ctx, selectPassPhoto, id).Scan(&ph.PassID, &ph.ContentType, &ph.Data, &ph.Width, &ph.Height, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return pass.Photo{}, fmt.Errorf("photo of pass %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return pass.Photo{}, fmt.Errorf("photo of pass %s: %w", id, err)
	}
	ph.UpdatedAt = fromMicros(at)
	return ph, nil
}

// CreatePrintBatch prints a batch in one transaction: the passes ids, all
// of which must be personalized (else a *pass.UnprintableError naming the
// others), or with ids nil the oldest personalized passes up to limit
// (pass.ErrNothingToPrint if there is none). They move to printed, recorded
// in their history as printed by b.CreatedBy.
func (s *Store) CreatePrintBatch(ctx context.Context, b pass.PrintBatch, ids []string, limit int) (pass.PrintBatch, error) {
	b.CreatedAt = s.now()
	at := micros(b.CreatedAt)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if ids == nil {
			var err error
			if ids, err = queryStrings(ctx, tx, printQueue, limit); err != nil {
				return err
			}
			if len(ids) == 0 {
				return pass.ErrNothingToPrint
			}
		}
		printed, err := queryStrings(ctx, tx, printPasses, stringArray(ids), at, b.CreatedBy, "print batch "+b.ID)
		if err != nil {
			return err
		}
		if len(printed) != len(ids) {
			return unprintable(ctx, tx, ids, printed)
		}
		b.Passes, b.Count = ids, len(ids)
		if _, err := tx.ExecContext(ctx, insertPrintBatch, b.ID, b.CreatedBy, at, b.Count); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, insertBatchPasses, b.ID, stringArray(ids))
		return err
	})
	if err != nil {
		return pass.PrintBatch{}, fmt.Errorf("print batch %s: %w", b.ID, err)
	}
	return b, nil
}

func queryStrings(ctx context.Context, q rowsQuerier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// unprintable names the passes of ids that were not printed, and their
// states, read in tx (whose update is then rolled back).
func unprintable(ctx context.Context, tx *sql.Tx, ids, printed []string) error {
	done := make(map[string]bool, len(printed))
	for _, id := range printed {
		done[id] = true
	}
	rows, err := tx.QueryContext(ctx, selectStates, stringArray(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	states := map[string]string{}
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			return err
		}
		states[id] = st
	}
	if err := rows.Err(); err != nil {
		return err
	}
	out := &pass.UnprintableError{}
	for _, id := range ids {
		if !done[id] {
			out.Passes = append(out.Passes, pass.PassState{ID: id, State: states[id]})
		}
	}
	return out
}

// ListPrintBatches lists batches newest first, without their passes.
func (s *Store) ListPrintBatches(ctx context.Context, limit int) ([]pass.PrintBatch, error) {
	rows, err := s.r.QueryContext(ctx, listPrintBatches, store.ClampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list print batches: %w", err)
	}
	defer rows.Close()
	out := []pass.PrintBatch{}
	for rows.Next() {
		var b pass.PrintBatch
		var at int64
		if err := rows.Scan(&b.ID, &b.CreatedBy, &at, &b.Count); err != nil {
			return nil, fmt.Errorf("list print batches: %w", err)
		}
		b.CreatedAt = fromMicros(at)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list print batches: %w", err)
	}
	return out, nil
}

// GetPrintBatch returns a batch with its passes' ids in print order.
func (s *Store) GetPrintBatch(ctx context.Context, id string) (pass.PrintBatch, error) {
	var b pass.PrintBatch
	var at int64
	err := s.r.QueryRowContext(ctx, selectPrintBatch, id).Scan(&b.ID, &b.CreatedBy, &at, &b.Count)
	if errors.Is(err, sql.ErrNoRows) {
		return pass.PrintBatch{}, fmt.Errorf("print batch %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return pass.PrintBatch{}, fmt.Errorf("print batch %s: %w", id, err)
	}
	b.CreatedAt = fromMicros(at)
	if b.Passes, err = queryStrings(ctx, s.r, selectBatchIDs, id); err != nil {
		return pass.PrintBatch{}, fmt.Errorf("print batch %s: %w", id, err)
	}
	return b, nil
}

// PrintBatchPage returns up to limit of batch id's passes from position
// from on, in print order, each with its photo as printed (Photo.Data is
// the print rendition; zero if none): a batch is read a page at a time,
// never whole.
func (s *Store) PrintBatchPage(ctx context.Context, id string, from, limit int) ([]pass.PrintItem, error) {
	rows, err := s.r.QueryContext(ctx, selectBatchPage, id, from, limit)
	if err != nil {
		return nil, fmt.Errorf("print batch %s page: %w", id, err)
	}
	defer rows.Close()
	out := []pass.PrintItem{}
	for rows.Next() {
		var it pass.PrintItem
		var ct sql.NullString
		var data []byte
		p, err := scanPass(prefixRow{rows, &it.Position, &ct, &data})
		if err != nil {
			return nil, fmt.Errorf("print batch %s page: %w", id, err)
		}
		it.Pass = p
		if ct.Valid {
			it.Photo = pass.Photo{PassID: p.ID, ContentType: ct.String, Data: data}
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("print batch %s page: %w", id, err)
	}
	return out, nil
}

// prefixRow scans a position before a pass's columns and a photo's after.
type prefixRow struct {
	r        scanner
	position *int
	ct       *sql.NullString
	data     *[]byte
}

func (p prefixRow) Scan(dest ...any) error {
	all := append([]any{p.position}, dest...)
	return p.r.Scan(append(all, p.ct, p.data)...)
}
