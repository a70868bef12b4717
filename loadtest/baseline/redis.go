package baseline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"

	"github.com/seatmap/seatmap/hall"
)

// Redis holds seats with one Lua script per all-or-nothing multi-seat hold and
// PX deadlines, and sells them by script plus a Postgres insert guarded by a
// unique index: the usual "fast" design without an in-memory engine.
type Redis struct {
	c      goredis.UniversalClient
	pool   *pgxpool.Pool
	prefix string
}

// KEYS[1] record, KEYS[2] index, KEYS[3..] seat keys; ARGV token, ms, record.
var holdScript = goredis.NewScript(`
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
for i = 3, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return 1`)

// Best-available in one script: KEYS[1] record, KEYS[2] index, KEYS[3..] the
// seat keys of some rows, best first; ARGV token, ms, session, n, then each
// row's first seat index and length. Takes the first n free seats side by side
// and returns their indices, or an empty list.
var bestScript = goredis.NewScript(`
local n = tonumber(ARGV[4])
local k = 3
for r = 5, #ARGV, 2 do
  local first, count = tonumber(ARGV[r]), tonumber(ARGV[r + 1])
  local run = 0
  for i = 0, count - 1 do
    if redis.call('EXISTS', KEYS[k + i]) == 0 then
      run = run + 1
      if run == n then
        local seats = {}
        for j = i - n + 1, i do
          redis.call('SET', KEYS[k + j], ARGV[1], 'PX', ARGV[2])
          seats[#seats + 1] = first + j
        end
        redis.call('SET', KEYS[1], ARGV[3] .. '|' .. table.concat(seats, ','), 'PX', ARGV[2])
        redis.call('SADD', KEYS[2], ARGV[1])
        return seats
      end
    else
      run = 0
    end
  end
  k = k + count
end
return {}`)

// KEYS[1] record, KEYS[2] index, KEYS[3..] seat keys; ARGV token, session, ms.
// Returns 1 when the hold is live, owned by session and has every seat, and
// then pins it: none of its keys expires in less than ms, so the hold cannot
// end (and its seats go to someone else) while its order commits.
var payScript = goredis.NewScript(`
local rec = redis.call('GET', KEYS[1])
if not rec or string.sub(rec, 1, #ARGV[2] + 1) ~= ARGV[2] .. '|' then return 0 end
for i = 3, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[1] then return 0 end
end
local ms = tonumber(ARGV[3])
for i = 1, #KEYS do
  if i ~= 2 and redis.call('PTTL', KEYS[i]) < ms then redis.call('PEXPIRE', KEYS[i], ms) end
end
return 1`)

// KEYS[1] record, KEYS[2] index, KEYS[3..] seat keys; ARGV token, value.
// Marks the seats of a committed order sold, whatever holds them now: the
// order in Postgres is the truth, and its unique index made them its own.
var soldScript = goredis.NewScript(`
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[2]) end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1`)

// KEYS[1] record, KEYS[2] index, KEYS[3..] seat keys; ARGV token, session.
// Frees the seats of a hold owned by session.
var releaseScript = goredis.NewScript(`
local rec = redis.call('GET', KEYS[1])
if not rec or string.sub(rec, 1, #ARGV[2] + 1) ~= ARGV[2] .. '|' then return 0 end
for i = 3, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1`)

const redisSchema = `
CREATE TABLE IF NOT EXISTS blr_orders (id text PRIMARY KEY, perf text NOT NULL, token text NOT NULL UNIQUE, created timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS blr_tickets (order_id text NOT NULL REFERENCES blr_orders (id), perf text NOT NULL, idx integer NOT NULL, UNIQUE (perf, idx));`

// NewRedis uses client for holds and dsn for orders.
func NewRedis(ctx context.Context, c goredis.UniversalClient, dsn, prefix string, conns int32) (*Redis, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := pool.Exec(ctx, redisSchema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("baseline schema: %w", err)
	}
	return &Redis{c: c, pool: pool, prefix: prefix}, nil
}

// Close closes the Postgres pool (the caller closes the Redis client).
func (r *Redis) Close() { r.pool.Close() }

// Ping checks both.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.c.Ping(ctx).Err(); err != nil {
		return err
	}
	return r.pool.Ping(ctx)
}

func (r *Redis) seatKey(perf string, i int) string {
	return r.prefix + "{" + perf + "}:s:" + strconv.Itoa(i)
}
func (r *Redis) recKey(perf, tok string) string { return r.prefix + "{" + perf + "}:h:" + tok }
func (r *Redis) indexKey(perf string) string    { return r.prefix + "{" + perf + "}:holds" }

func (r *Redis) keys(perf, token string, seats []int) []string {
	keys := []string{r.recKey(perf, token), r.indexKey(perf)}
	for _, s := range seats {
		keys = append(keys, r.seatKey(perf, s))
	}
	return keys
}

// CreatePerformance needs nothing in Redis: a missing seat key is a free seat.
func (r *Redis) CreatePerformance(context.Context, *hall.Hall) (string, error) {
	return newID("p"), nil
}

// States reads every seat key, in chunks.
func (r *Redis) States(ctx context.Context, perf string, h *hall.Hall) ([]byte, error) {
	out := make([]byte, h.N())
	for from := 0; from < h.N(); from += 5000 {
		to := min(from+5000, h.N())
		keys := make([]string, 0, to-from)
		for i := from; i < to; i++ {
			keys = append(keys, r.seatKey(perf, i))
		}
		vals, err := r.c.MGet(ctx, keys...).Result()
		if err != nil {
			return nil, err
		}
		for k, v := range vals {
			switch s, _ := v.(string); {
			case v == nil:
				out[from+k] = '0'
			case strings.HasPrefix(s, "sold:"):
				out[from+k] = '2'
			default:
				out[from+k] = '1'
			}
		}
	}
	return out, nil
}

// Hold takes explicit seats with one script; best-available looks for n free
// seats side by side row by row (best rows first) and then takes them the same
// way, trying again when someone was faster.
func (r *Redis) Hold(ctx context.Context, perf string, h *hall.Hall, session string, seats []int, best int, ttl time.Duration) (string, []int, time.Time, error) {
	token := perf + "." + newID("")
	exp := time.Now().Add(ttl)
	take := func(seats []int) (bool, error) {
		rec := session + "|" + joinInts(seats)
		ok, err := holdScript.Run(ctx, r.c, r.keys(perf, token, seats), token, ttl.Milliseconds(), rec).Int()
		return ok == 1, err
	}
	if best == 0 {
		ok, err := take(seats)
		if err != nil {
			return "", nil, time.Time{}, err
		}
		if !ok {
			return "", nil, time.Time{}, errTaken
		}
		return token, seats, exp, nil
	}
	// Best-available as a competent engineer would write it: the rows best
	// first in groups, each group searched and taken by one script, so a
	// filling hall costs a round trip per twenty rows rather than per row.
	var group []hall.RowInfo
	searched := 0
	flush := func() (string, []int, error) {
		defer func() { group = group[:0] }()
		keys := []string{r.recKey(perf, token), r.indexKey(perf)}
		args := []any{token, ttl.Milliseconds(), session, best}
		for _, row := range group {
			args = append(args, row.First, row.Count)
			for k := range row.Count {
				keys = append(keys, r.seatKey(perf, int(row.First+k)))
			}
		}
		got, err := bestScript.Run(ctx, r.c, keys, args...).Int64Slice()
		if err != nil || len(got) == 0 {
			return "", nil, err
		}
		held := make([]int, len(got))
		for i, v := range got {
			held[i] = int(v)
		}
		return token, held, nil
	}
	for _, ri := range h.RowsByRank {
		row := h.Rows[ri]
		if int(row.Count) < best {
			continue
		}
		if searched++; searched > bestRowsSearched {
			break
		}
		if group = append(group, row); len(group) == bestRowsPerScript {
			if tok, held, err := flush(); err != nil || tok != "" {
				return tok, held, exp, err
			}
		}
	}
	if len(group) > 0 {
		if tok, held, err := flush(); err != nil || tok != "" {
			return tok, held, exp, err
		}
	}
	return "", nil, time.Time{}, errTaken
}

// bestRowsPerScript is how many rows one best-available script searches, and
// bestRowsSearched how many rows a request searches at most: searching a
// whole stadium seat key by seat key near its sell-out would stall Redis (a
// script runs alone) for everybody, so beyond the best hundred rows the buyer
// is told to pick on the map, as such systems do.
const (
	bestRowsPerScript = 20
	bestRowsSearched  = 100
)

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func (r *Redis) record(ctx context.Context, perf, token string) (string, []int, error) {
	rec, err := r.c.Get(ctx, r.recKey(perf, token)).Result()
	if errors.Is(err, goredis.Nil) {
		return "", nil, errNotFound
	}
	if err != nil {
		return "", nil, err
	}
	session, list, _ := strings.Cut(rec, "|")
	var seats []int
	for _, f := range strings.Split(list, ",") {
		if n, err := strconv.Atoi(f); err == nil {
			seats = append(seats, n)
		}
	}
	return session, seats, nil
}

// Release frees a hold.
func (r *Redis) Release(ctx context.Context, perf, session, token string) error {
	_, seats, err := r.record(ctx, perf, token)
	if err != nil {
		return err
	}
	ok, err := releaseScript.Run(ctx, r.c, r.keys(perf, token, seats), token, session).Int()
	if err != nil {
		return err
	}
	if ok == 0 {
		return errNotFound
	}
	return nil
}

// confirmWindow is how long a confirm may take once its hold is checked: the
// hold is pinned for it, and the commit and the marking of the seats run
// within it whatever becomes of the buyer's request.
const confirmWindow = 30 * time.Second

// Confirm checks and pins the hold by script, inserts the order (the unique
// index on seats is the guard), then marks the seats sold by script.
//
// Once the hold is pinned the confirm is the server's, not the request's: a
// request that goes (the load tester cuts a target off mid-surge) must not
// cancel the commit, because a commit cannot be taken back once Postgres has
// it; cancelling only loses its answer, and the seats of an order that did
// commit would stay held in Redis.
func (r *Redis) Confirm(ctx context.Context, perf, session, token string, h *hall.Hall) (string, []int, error) {
	_, seats, err := r.record(ctx, perf, token)
	if err != nil {
		return "", nil, err
	}
	keys := r.keys(perf, token, seats)
	ok, err := payScript.Run(ctx, r.c, keys, token, session, confirmWindow.Milliseconds()).Int()
	if err != nil {
		return "", nil, err
	}
	if ok == 0 {
		return "", nil, errNotFound
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), confirmWindow)
	defer cancel()
	id := newID("o")
	ids := make([]int32, len(seats))
	for i, s := range seats {
		ids[i] = int32(s)
	}
	err = pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO blr_orders (id, perf, token) VALUES ($1, $2, $3)`, id, perf, token); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO blr_tickets (order_id, perf, idx) SELECT $1, $2, unnest($3::int[])`, id, perf, ids)
		return err
	})
	if err != nil {
		// The commit's answer may be what failed: the order is what Postgres has.
		if qerr := r.pool.QueryRow(ctx, `SELECT id FROM blr_orders WHERE token = $1`, token).Scan(&id); qerr != nil {
			return "", nil, fmt.Errorf("confirm %s: %w", token, err)
		}
	}
	if _, err := soldScript.Run(ctx, r.c, keys, token, "sold:"+id).Result(); err != nil {
		return "", nil, fmt.Errorf("mark the seats of order %s sold: %w", id, err)
	}
	return id, slices.Clone(seats), nil
}

// Orders lists sold orders from Postgres.
func (r *Redis) Orders(ctx context.Context, perf string) ([]Order, error) {
	rows, err := r.pool.Query(ctx, `SELECT o.id, array_agg(t.idx ORDER BY t.idx) FROM blr_orders o JOIN blr_tickets t ON t.order_id = o.id WHERE o.perf = $1 GROUP BY o.id`, perf)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Order, error) {
		var o Order
		var seats []int32
		err := row.Scan(&o.ID, &seats)
		for _, s := range seats {
			o.Seats = append(o.Seats, int(s))
		}
		return o, err
	})
}

// Holds lists live holds.
func (r *Redis) Holds(ctx context.Context, perf string) ([]HoldInfo, error) {
	tokens, err := r.c.SMembers(ctx, r.indexKey(perf)).Result()
	if err != nil {
		return nil, err
	}
	var out []HoldInfo
	for _, tok := range tokens {
		_, seats, err := r.record(ctx, perf, tok)
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ttl, err := r.c.PTTL(ctx, r.recKey(perf, tok)).Result()
		if err != nil || ttl < 0 {
			continue
		}
		out = append(out, HoldInfo{Token: tok, Seats: seats, Expires: time.Now().Add(ttl)})
	}
	return out, nil
}
