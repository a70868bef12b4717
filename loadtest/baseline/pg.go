package baseline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/seatmap/seatmap/hall"
)

// PG holds seats with Postgres row locks: the way most ticketing back ends are
// written. Every hold is a transaction that locks its seat rows.
type PG struct {
	pool *pgxpool.Pool
	stop context.CancelFunc
	done chan struct{}
}

const pgSchema = `
CREATE TABLE IF NOT EXISTS bl_seats (
    perf     text NOT NULL,
    idx      integer NOT NULL,
    row_idx  integer NOT NULL,
    rank     integer NOT NULL,
    state    text NOT NULL DEFAULT 'free', -- free, held, sold
    token    text,
    expires  timestamptz,
    PRIMARY KEY (perf, idx)
);
CREATE INDEX IF NOT EXISTS bl_seats_open ON bl_seats (perf, rank, row_idx, idx) WHERE state = 'free';
CREATE INDEX IF NOT EXISTS bl_seats_token ON bl_seats (token) WHERE state = 'held';
CREATE TABLE IF NOT EXISTS bl_holds (
    token    text PRIMARY KEY,
    perf     text NOT NULL,
    session  text NOT NULL,
    expires  timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS bl_orders (
    id       text PRIMARY KEY,
    perf     text NOT NULL,
    token    text NOT NULL UNIQUE,
    created  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS bl_tickets (
    order_id text NOT NULL REFERENCES bl_orders (id),
    perf     text NOT NULL,
    idx      integer NOT NULL,
    UNIQUE (perf, idx)
);`

// NewPG connects and creates the tables.
func NewPG(ctx context.Context, dsn string, conns int32) (*PG, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := pool.Exec(ctx, pgSchema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("baseline schema: %w", err)
	}
	sctx, stop := context.WithCancel(context.Background())
	p := &PG{pool: pool, stop: stop, done: make(chan struct{})}
	go p.sweep(sctx)
	return p, nil
}

// sweep frees the seats of expired holds every second, so best-available can
// look for free seats alone, on its partial index.
func (p *PG) sweep(ctx context.Context) {
	defer close(p.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, _ = p.pool.Exec(ctx, `WITH gone AS (DELETE FROM bl_holds WHERE expires < now() RETURNING token)
UPDATE bl_seats SET state = 'free', token = NULL, expires = NULL
WHERE state = 'held' AND token IN (SELECT token FROM gone)`)
	}
}

// Close stops the sweeper and closes the pool.
func (p *PG) Close() {
	p.stop()
	<-p.done
	p.pool.Close()
}

// Ping checks the database.
func (p *PG) Ping(ctx context.Context) error { return p.pool.Ping(ctx) }

// CreatePerformance writes one row per seat, with COPY.
func (p *PG) CreatePerformance(ctx context.Context, h *hall.Hall) (string, error) {
	id := newID("p")
	rows := make([][]any, h.N())
	for i, s := range h.Seats {
		rows[i] = []any{id, int32(i), int32(s.Row), int32(h.Rows[s.Row].Rank)}
	}
	_, err := p.pool.CopyFrom(ctx, pgx.Identifier{"bl_seats"}, []string{"perf", "idx", "row_idx", "rank"}, pgx.CopyFromRows(rows))
	return id, err
}

// States reads every seat's state.
func (p *PG) States(ctx context.Context, perf string, h *hall.Hall) ([]byte, error) {
	out := make([]byte, h.N())
	for i := range out {
		out[i] = '0'
	}
	rows, err := p.pool.Query(ctx, `SELECT idx, state, expires FROM bl_seats WHERE perf = $1 AND state <> 'free'`, perf)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := time.Now()
	for rows.Next() {
		var idx int32
		var state string
		var exp *time.Time
		if err := rows.Scan(&idx, &state, &exp); err != nil {
			return nil, err
		}
		switch {
		case state == "sold":
			out[idx] = '2'
		case exp != nil && exp.After(now):
			out[idx] = '1'
		}
	}
	return out, rows.Err()
}

// Hold locks the seats' rows (skipping locked ones), checks that every seat
// came back free — the count guard — and marks them held, in one transaction.
func (p *PG) Hold(ctx context.Context, perf string, h *hall.Hall, session string, seats []int, best int, ttl time.Duration) (string, []int, time.Time, error) {
	token := perf + "." + newID("")
	exp := time.Now().Add(ttl)
	var held []int
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if best > 0 {
			// The best rows first; a window of free candidates (expired holds
			// are freed by sweep), locked, then N side by side in one row
			// picked in Go.
			rows, err := tx.Query(ctx, `SELECT idx, row_idx FROM bl_seats
WHERE perf = $1 AND state = 'free'
ORDER BY rank, row_idx, idx LIMIT 400 FOR UPDATE SKIP LOCKED`, perf)
			if err != nil {
				return err
			}
			var idx, rowIdx []int32
			for rows.Next() {
				var i, r int32
				if err := rows.Scan(&i, &r); err != nil {
					return err
				}
				idx, rowIdx = append(idx, i), append(rowIdx, r)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			for start := 0; start+best <= len(idx) && held == nil; start++ {
				ok := true
				for k := 1; k < best && ok; k++ {
					ok = rowIdx[start+k] == rowIdx[start] && idx[start+k] == idx[start]+int32(k)
				}
				if ok {
					for k := 0; k < best; k++ {
						held = append(held, int(idx[start+k]))
					}
				}
			}
			if held == nil {
				return errTaken
			}
		} else {
			want := make([]int32, len(seats))
			for i, s := range seats {
				want[i] = int32(s)
			}
			rows, err := tx.Query(ctx, `SELECT idx FROM bl_seats
WHERE perf = $1 AND idx = ANY($2) AND (state = 'free' OR (state = 'held' AND expires < now()))
FOR UPDATE SKIP LOCKED`, perf, want)
			if err != nil {
				return err
			}
			got, err := pgx.CollectRows(rows, pgx.RowTo[int32])
			if err != nil {
				return err
			}
			if len(got) != len(seats) { // the count guard: all or nothing
				return errTaken
			}
			held = slices.Clone(seats)
		}
		ids := make([]int32, len(held))
		for i, s := range held {
			ids[i] = int32(s)
		}
		if _, err := tx.Exec(ctx, `UPDATE bl_seats SET state = 'held', token = $3, expires = $4 WHERE perf = $1 AND idx = ANY($2)`, perf, ids, token, exp); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO bl_holds (token, perf, session, expires) VALUES ($1, $2, $3, $4)`, token, perf, session, exp)
		return err
	})
	if err != nil {
		return "", nil, time.Time{}, err
	}
	return token, held, exp, nil
}

// Release frees a hold's seats.
func (p *PG) Release(ctx context.Context, perf, session, token string) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM bl_holds WHERE token = $1 AND session = $2`, token, session)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errNotFound
		}
		_, err = tx.Exec(ctx, `UPDATE bl_seats SET state = 'free', token = NULL, expires = NULL WHERE perf = $1 AND token = $2 AND state = 'held'`, perf, token)
		return err
	})
}

// Confirm sells a live hold's seats in one transaction.
func (p *PG) Confirm(ctx context.Context, perf, session, token string, h *hall.Hall) (string, []int, error) {
	id := newID("o")
	var seats []int
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var exp time.Time
		err := tx.QueryRow(ctx, `DELETE FROM bl_holds WHERE token = $1 AND session = $2 RETURNING expires`, token, session).Scan(&exp)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && exp.Before(time.Now())) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE bl_seats SET state = 'sold', expires = NULL WHERE perf = $1 AND token = $2 AND state = 'held' RETURNING idx`, perf, token)
		if err != nil {
			return err
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return err
		}
		if len(got) == 0 {
			return errNotFound
		}
		if _, err := tx.Exec(ctx, `INSERT INTO bl_orders (id, perf, token) VALUES ($1, $2, $3)`, id, perf, token); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO bl_tickets (order_id, perf, idx) SELECT $1, $2, unnest($3::int[])`, id, perf, got); err != nil {
			return err
		}
		for _, s := range got {
			seats = append(seats, int(s))
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	return id, seats, nil
}

// Orders lists the sold orders.
func (p *PG) Orders(ctx context.Context, perf string) ([]Order, error) {
	rows, err := p.pool.Query(ctx, `SELECT o.id, array_agg(t.idx ORDER BY t.idx) FROM bl_orders o JOIN bl_tickets t ON t.order_id = o.id WHERE o.perf = $1 GROUP BY o.id`, perf)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Order, error) {
		var o Order
		var seats []int32
		err := r.Scan(&o.ID, &seats)
		for _, s := range seats {
			o.Seats = append(o.Seats, int(s))
		}
		return o, err
	})
}

// Holds lists live holds.
func (p *PG) Holds(ctx context.Context, perf string) ([]HoldInfo, error) {
	rows, err := p.pool.Query(ctx, `SELECT h.token, h.expires, array_agg(s.idx ORDER BY s.idx) FROM bl_holds h JOIN bl_seats s ON s.token = h.token AND s.state = 'held'
WHERE h.perf = $1 AND h.expires > now() GROUP BY h.token, h.expires`, perf)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (HoldInfo, error) {
		var h HoldInfo
		var seats []int32
		err := r.Scan(&h.Token, &h.Expires, &seats)
		for _, s := range seats {
			h.Seats = append(h.Seats, int(s))
		}
		return h, err
	})
}
