// Package redis keeps hold leases in Redis: the production lease store.
//
// Each leased seat is its own key holding the token, with the lease's deadline
// as its expiry, so Redis frees seats by itself on time. A hold record keeps the
// owner, seats and deadline for rebuilds, and an index set per performance lets
// List find the holds without SCAN. Every key of a performance carries the hash
// tag {performance}, so one Redis Cluster slot holds them all. Each operation is
// one atomic Lua script, run by SHA, that names every key it touches in KEYS.
// Release and Extend are given only a token, so the store remembers the seats
// of the leases it wrote (see hints) to name their keys up front; a lease it
// did not write costs a second round trip. Scripts of concurrent calls share
// pipelines (see batcher): under load many leases cost one round trip and one
// read and write on each side, with no added delay when there is no load.
//
// Needs Redis 7.0 or later (PXAT, PEXPIRETIME).
package redis

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/seatmap/seatmap/internal/fence"
	"github.com/seatmap/seatmap/lease"
)

// MaxSeats bounds the seats of one lease: a script runs alone on its Redis, so
// its length is everybody's latency.
const MaxSeats = 1000

// maxTries bounds the attempts of one operation. A second attempt happens when
// the store's hint of a lease's seats was missing or stale; a third only when
// the same token's lease changed between the first two.
const maxTries = 4

// listBatch is the number of records one MGET of List reads.
const listBatch = 500

var (
	//go:embed acquire.lua
	acquireSrc string
	//go:embed extend.lua
	extendSrc string
	//go:embed release.lua
	releaseSrc string
	//go:embed prune.lua
	pruneSrc string

	acquireScript = goredis.NewScript(acquireSrc)
	extendScript  = goredis.NewScript(extendSrc)
	releaseScript = goredis.NewScript(releaseSrc)
	pruneScript   = goredis.NewScript(pruneSrc)
)

// Options configure a Store.
type Options struct {
	// Prefix starts every key; default "seatmap:". It may not contain braces,
	// which would break the hash tags.
	Prefix string
	// Now is the clock that judges a deadline given to Acquire and Extend
	// (it must be in the future) and when remembered seats lapse; nil:
	// time.Now. Redis frees seats on its own clock, at the deadline the
	// caller gave: the two must agree, so pass the clock the engine runs on.
	Now func() time.Time
}

// Store is a Redis lease store, safe for concurrent use. Its calls share
// pipelines, sent from a goroutine that runs only while calls wait, so a Store
// needs no Close.
type Store struct {
	c      goredis.UniversalClient
	prefix string
	now    func() time.Time
	err    error // a configuration error every call returns
	hints  *hints
	batch  *batcher
}

// New returns a store on client. The caller closes the client.
func New(client goredis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = "seatmap:"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Store{c: client, prefix: opts.Prefix, now: opts.Now, hints: newHints(opts.Now), batch: &batcher{c: client}}
	if strings.ContainsAny(opts.Prefix, "{}") {
		s.err = fmt.Errorf("lease store: key prefix %q contains a brace", opts.Prefix)
	}
	return s
}

func (s *Store) checkPerf(perf string) error {
	switch {
	case s.err != nil:
		return s.err
	case perf == "":
		return fmt.Errorf("performance is empty: %w", lease.ErrInvalid)
	case strings.ContainsAny(perf, "{}"):
		// "}x" would make an empty hash tag and scatter the performance's keys.
		return fmt.Errorf("performance %q contains a brace: %w", perf, lease.ErrInvalid)
	}
	return nil
}

func (s *Store) check(perf, token string) error {
	if err := s.checkPerf(perf); err != nil {
		return err
	}
	if token == "" {
		return fmt.Errorf("token is empty: %w", lease.ErrInvalid)
	}
	return nil
}

func (s *Store) checkDeadline(t time.Time) error {
	if !t.After(s.now()) {
		return fmt.Errorf("deadline %s is not in the future: %w", t.Format(time.RFC3339Nano), lease.ErrInvalid)
	}
	return nil
}

// sortedSeats returns the seats ascending in a new slice, refusing an empty
// list, a long one and repeats.
func sortedSeats(seats []uint32) ([]uint32, error) {
	switch {
	case len(seats) == 0:
		return nil, fmt.Errorf("no seats: %w", lease.ErrInvalid)
	case len(seats) > MaxSeats:
		return nil, fmt.Errorf("%d seats, at most %d: %w", len(seats), MaxSeats, lease.ErrInvalid)
	}
	out := slices.Clone(seats)
	slices.Sort(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, fmt.Errorf("seat %d listed twice: %w", out[i], lease.ErrInvalid)
		}
	}
	return out, nil
}

// without returns the seats of old that are not in seats; both are ascending.
func without(old, seats []uint32) []uint32 {
	var out []uint32
	for _, seat := range old {
		if _, found := slices.BinarySearch(seats, seat); !found {
			out = append(out, seat)
		}
	}
	return out
}

// replyFenced is a script's answer to a write fenced by a token that is no
// longer the performance's owner's.
const replyFenced = -2

// OwnerKey names the owner record of a performance, in its slot:
// "<prefix>{<performance>}:owner" holding "<node>|<token>|<address>". The
// cluster package writes it; the lease scripts read it to fence their writes.
func OwnerKey(prefix, perf string) string { return prefix + "{" + perf + "}:owner" }

// fenced appends the owner record to keys when ctx carries perf's fencing
// token, and returns the token for the script (0: not fenced).
func (s *Store) fenced(ctx context.Context, perf string, keys []string) ([]string, uint64) {
	tok, ok := fence.From(ctx, perf)
	if !ok {
		return keys, 0
	}
	return append(keys, OwnerKey(s.prefix, perf)), tok
}

// Acquire takes every seat of l or none, in one script. With a fencing token
// on ctx (fence.With) it writes nothing unless the token is the
// performance's owner's, and returns fence.ErrStale.
func (s *Store) Acquire(ctx context.Context, l lease.Lease) error {
	if err := s.check(l.Performance, l.Token); err != nil {
		return err
	}
	seats, err := sortedSeats(l.Seats)
	if err != nil {
		return err
	}
	if err := s.checkDeadline(l.Expires); err != nil {
		return err
	}
	n := s.names(l.Performance)
	deadline := l.Expires.UnixMilli()
	rec := encodeRecord(deadline, seats, l.Owner)
	recKey := n.record(l.Token)
	old := s.hints.get(recKey)
	for range maxTries {
		keys, tok := s.fenced(ctx, l.Performance, n.leaseKeys(l.Token, seats, without(old, seats)))
		res, err := s.batch.run(ctx, acquireScript, keys, l.Token, deadline, rec, len(seats), n.seatPrefix, tok)
		if err != nil {
			return fmt.Errorf("acquire lease of %s: %w", l.Performance, err)
		}
		switch v := res.(type) {
		case int64:
			if v == replyFenced {
				return fmt.Errorf("acquire lease of %s: %w", l.Performance, fence.ErrStale)
			}
			s.hints.put(recKey, seats, deadline)
			return nil
		case []any:
			c, ok := conflict(seats, v)
			if !ok {
				return fmt.Errorf("acquire lease of %s: unexpected reply %v", l.Performance, res)
			}
			return c
		case string:
			cur, err := parseRecord(l.Performance, l.Token, v)
			if err != nil {
				return fmt.Errorf("acquire lease of %s: %w", l.Performance, err)
			}
			old = cur.Seats
		default:
			return fmt.Errorf("acquire lease of %s: unexpected reply %v", l.Performance, res)
		}
	}
	return fmt.Errorf("acquire lease of %s: gave up after %d attempts, the lease kept changing", l.Performance, maxTries)
}

// conflict reads acquire.lua's refusal: pairs of a seat's position in seats
// and the token holding it.
func conflict(seats []uint32, reply []any) (*lease.ConflictError, bool) {
	if len(reply) == 0 || len(reply)%2 != 0 {
		return nil, false
	}
	c := &lease.ConflictError{Seats: make([]uint32, 0, len(reply)/2), Tokens: make([]string, 0, len(reply)/2)}
	for i := 0; i < len(reply); i += 2 {
		pos, ok1 := reply[i].(int64)
		tok, ok2 := reply[i+1].(string)
		if !ok1 || !ok2 || pos < 0 || int(pos) >= len(seats) {
			return nil, false
		}
		c.Seats = append(c.Seats, seats[pos]) // ascending, as seats are
		c.Tokens = append(c.Tokens, tok)
	}
	return c, true
}

// Extend moves a live lease's deadline, in one script when this store wrote
// the lease.
func (s *Store) Extend(ctx context.Context, perf, token string, expires time.Time) error {
	if err := s.check(perf, token); err != nil {
		return err
	}
	if err := s.checkDeadline(expires); err != nil {
		return err
	}
	n := s.names(perf)
	deadline := expires.UnixMilli()
	recKey := n.record(token)
	seats := s.hints.get(recKey)
	for range maxTries {
		keys, tok := s.fenced(ctx, perf, n.leaseKeys(token, seats, nil))
		res, err := s.batch.run(ctx, extendScript, keys, token, deadline, n.seatPrefix, tok)
		if err != nil {
			return fmt.Errorf("extend lease of %s: %w", perf, err)
		}
		switch v := res.(type) {
		case int64:
			if v == replyFenced {
				return fmt.Errorf("extend lease of %s: %w", perf, fence.ErrStale)
			}
			if v == 0 {
				s.hints.drop(recKey)
				return fmt.Errorf("extend lease of %s: %w", perf, lease.ErrNotFound)
			}
			s.hints.setDeadline(recKey, deadline)
			return nil
		case string:
			cur, err := parseRecord(perf, token, v)
			if err != nil {
				return fmt.Errorf("extend lease of %s: %w", perf, err)
			}
			seats = cur.Seats
			s.hints.put(recKey, seats, cur.Expires.UnixMilli())
		default:
			return fmt.Errorf("extend lease of %s: unexpected reply %v", perf, res)
		}
	}
	return fmt.Errorf("extend lease of %s: gave up after %d attempts, the lease kept changing", perf, maxTries)
}

// Release drops a lease and frees its seats, in one script when this store
// wrote the lease. A missing lease is not an error.
func (s *Store) Release(ctx context.Context, perf, token string) error {
	if err := s.check(perf, token); err != nil {
		return err
	}
	n := s.names(perf)
	recKey := n.record(token)
	seats := s.hints.get(recKey)
	for range maxTries {
		keys, tok := s.fenced(ctx, perf, n.leaseKeys(token, seats, nil))
		res, err := s.batch.run(ctx, releaseScript, keys, token, n.seatPrefix, tok)
		if err != nil {
			return fmt.Errorf("release lease of %s: %w", perf, err)
		}
		switch v := res.(type) {
		case int64:
			if v == replyFenced {
				return fmt.Errorf("release lease of %s: %w", perf, fence.ErrStale)
			}
			s.hints.drop(recKey)
			return nil
		case string:
			cur, err := parseRecord(perf, token, v)
			if err != nil {
				return fmt.Errorf("release lease of %s: %w", perf, err)
			}
			seats = cur.Seats
		default:
			return fmt.Errorf("release lease of %s: unexpected reply %v", perf, res)
		}
	}
	return fmt.Errorf("release lease of %s: gave up after %d attempts, the lease kept changing", perf, maxTries)
}

// List returns the live leases of a performance: the index, then every record
// in one pipeline of MGETs. Tokens whose record lapsed leave the index.
func (s *Store) List(ctx context.Context, perf string) ([]lease.Lease, error) {
	if err := s.checkPerf(perf); err != nil {
		return nil, err
	}
	n := s.names(perf)
	tokens, err := s.c.SMembers(ctx, n.index).Result()
	if err != nil {
		return nil, fmt.Errorf("list leases of %s: %w", perf, err)
	}
	if len(tokens) == 0 {
		return nil, nil
	}
	keys := make([]string, len(tokens))
	for i, tok := range tokens {
		keys[i] = n.record(tok)
	}
	cmds := make([]*goredis.SliceCmd, 0, (len(keys)+listBatch-1)/listBatch)
	_, err = s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for batch := range slices.Chunk(keys, listBatch) {
			cmds = append(cmds, p.MGet(ctx, batch...))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list leases of %s: %w", perf, err)
	}
	out := make([]lease.Lease, 0, len(tokens))
	var goneKeys []string
	var goneTokens []any
	for b, cmd := range cmds {
		for j, v := range cmd.Val() {
			i := b*listBatch + j
			rec, ok := v.(string)
			if !ok {
				goneKeys = append(goneKeys, keys[i])
				goneTokens = append(goneTokens, tokens[i])
				continue
			}
			l, err := parseRecord(perf, tokens[i], rec)
			if err != nil {
				return nil, fmt.Errorf("list leases of %s: %w", perf, err)
			}
			out = append(out, l)
		}
	}
	s.prune(ctx, n, goneKeys, goneTokens)
	return out, nil
}

// prune drops lapsed tokens from the index of a performance. It is tidying
// only: a token left behind costs a read in the next List, so a failure here
// does not fail the List that found the tokens.
func (s *Store) prune(ctx context.Context, n names, keys []string, tokens []any) {
	for i := 0; i < len(keys); i += listBatch {
		j := min(i+listBatch, len(keys))
		if err := pruneScript.Run(ctx, s.c, append([]string{n.index}, keys[i:j]...), tokens[i:j]...).Err(); err != nil {
			return
		}
	}
}

// Ping checks the connection and the configuration.
func (s *Store) Ping(ctx context.Context) error {
	if s.err != nil {
		return s.err
	}
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}
