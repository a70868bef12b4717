// Package redis keeps hold leases in Redis: the production lease store.
//
// Each leased seat is its own key holding the token, with the lease's deadline
// as its expiry, so Redis frees seats by itself on time. A hold record keeps the
// owner and seats for rebuilds, and an index set per performance lets List find
// the holds without SCAN. Every key of a performance carries the hash tag
// {performance}, so one Redis Cluster slot holds them all and each operation is
// one atomic script. The scripts reach the seat keys of an existing record by
// name: they stay in the same slot, as Redis Cluster requires in practice.
package redis

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/seatmap/seatmap/lease"
)

// MaxSeats bounds the seats of one lease.
const MaxSeats = 1000

var (
	//go:embed acquire.lua
	acquireSrc string
	//go:embed extend.lua
	extendSrc string
	//go:embed release.lua
	releaseSrc string

	acquireScript = goredis.NewScript(acquireSrc)
	extendScript  = goredis.NewScript(extendSrc)
	releaseScript = goredis.NewScript(releaseSrc)
)

// Options configure a Store.
type Options struct {
	// Prefix starts every key; default "seatmap:".
	Prefix string
}

// Store is a Redis lease store, safe for concurrent use.
type Store struct {
	c      goredis.UniversalClient
	prefix string
}

// New returns a store on client. The caller closes the client.
func New(c goredis.UniversalClient, o Options) *Store {
	if o.Prefix == "" {
		o.Prefix = "seatmap:"
	}
	return &Store{c: c, prefix: o.Prefix}
}

func (s *Store) base(perf string) string         { return s.prefix + "{" + perf + "}:" }
func (s *Store) holdKey(perf, tok string) string { return s.base(perf) + "h:" + tok }
func (s *Store) indexKey(perf string) string     { return s.base(perf) + "holds" }
func (s *Store) seatPrefix(perf string) string   { return s.base(perf) + "s:" }

// record is "<deadline ms>|<seat,seat,...>|<owner>": the owner goes last because it
// is the one free-form part.
func record(l lease.Lease) string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(l.Expires.UnixMilli(), 10))
	b.WriteByte('|')
	for i, seat := range l.Seats {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(seat), 10))
	}
	b.WriteByte('|')
	b.WriteString(l.Owner)
	return b.String()
}

func parseRecord(perf, token, rec string) (lease.Lease, error) {
	exp, rest, ok1 := strings.Cut(rec, "|")
	seats, owner, ok2 := strings.Cut(rest, "|")
	ms, err := strconv.ParseInt(exp, 10, 64)
	if !ok1 || !ok2 || err != nil {
		return lease.Lease{}, fmt.Errorf("malformed lease record %q", rec)
	}
	l := lease.Lease{Performance: perf, Token: token, Owner: owner, Expires: time.UnixMilli(ms).UTC()}
	for _, f := range strings.Split(seats, ",") {
		if f == "" {
			continue
		}
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return lease.Lease{}, fmt.Errorf("malformed seat in lease record %q", rec)
		}
		l.Seats = append(l.Seats, uint32(n))
	}
	return l, nil
}

func validToken(perf, token string) error {
	switch {
	case perf == "":
		return errors.New("lease: empty performance")
	case token == "":
		return errors.New("lease: empty token")
	case strings.ContainsAny(perf, "{}"):
		return errors.New("lease: performance id may not contain braces")
	}
	return nil
}

// Acquire takes every seat of l or none, in one script.
func (s *Store) Acquire(ctx context.Context, l lease.Lease) error {
	if err := validToken(l.Performance, l.Token); err != nil {
		return err
	}
	switch {
	case len(l.Seats) == 0:
		return errors.New("lease: no seats")
	case len(l.Seats) > MaxSeats:
		return fmt.Errorf("lease: %d seats is more than %d", len(l.Seats), MaxSeats)
	case !l.Expires.After(time.Now()):
		return fmt.Errorf("lease: deadline %s is not in the future", l.Expires.Format(time.RFC3339Nano))
	}
	keys := make([]string, 2, 2+len(l.Seats))
	keys[0], keys[1] = s.holdKey(l.Performance, l.Token), s.indexKey(l.Performance)
	sp := s.seatPrefix(l.Performance)
	for _, seat := range l.Seats {
		keys = append(keys, sp+strconv.FormatUint(uint64(seat), 10))
	}
	res, err := acquireScript.Run(ctx, s.c, keys, l.Token, l.Expires.UnixMilli(), record(l), sp).Int64Slice()
	if err != nil {
		return fmt.Errorf("acquire lease in redis: %w", err)
	}
	if len(res) == 0 || res[0] == 0 {
		return nil
	}
	conflict := make([]uint32, 0, len(res)-1)
	for _, i := range res[1:] {
		conflict = append(conflict, l.Seats[i])
	}
	slices.Sort(conflict)
	return &lease.ConflictError{Seats: slices.Compact(conflict)}
}

// Extend moves a live lease's deadline.
func (s *Store) Extend(ctx context.Context, perf, token string, expires time.Time) error {
	if err := validToken(perf, token); err != nil {
		return err
	}
	if !expires.After(time.Now()) {
		return fmt.Errorf("lease: deadline %s is not in the future", expires.Format(time.RFC3339Nano))
	}
	n, err := extendScript.Run(ctx, s.c, []string{s.holdKey(perf, token), s.indexKey(perf)}, token, expires.UnixMilli(), s.seatPrefix(perf)).Int64()
	if err != nil {
		return fmt.Errorf("extend lease in redis: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("extend lease: %w", lease.ErrNotFound)
	}
	return nil
}

// Release drops a lease; a missing one is not an error.
func (s *Store) Release(ctx context.Context, perf, token string) error {
	if err := validToken(perf, token); err != nil {
		return err
	}
	if err := releaseScript.Run(ctx, s.c, []string{s.holdKey(perf, token), s.indexKey(perf)}, token, s.seatPrefix(perf)).Err(); err != nil {
		return fmt.Errorf("release lease in redis: %w", err)
	}
	return nil
}

// List returns the live leases of a performance: the index, then every record in
// one pipeline; tokens whose record expired are pruned from the index.
func (s *Store) List(ctx context.Context, perf string) ([]lease.Lease, error) {
	tokens, err := s.c.SMembers(ctx, s.indexKey(perf)).Result()
	if err != nil {
		return nil, fmt.Errorf("list leases in redis: %w", err)
	}
	if len(tokens) == 0 {
		return nil, nil
	}
	cmds := make([]*goredis.StringCmd, len(tokens))
	_, err = s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, tok := range tokens {
			cmds[i] = p.Get(ctx, s.holdKey(perf, tok))
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("list leases in redis: %w", err)
	}
	out := make([]lease.Lease, 0, len(tokens))
	var gone []any
	for i, cmd := range cmds {
		rec, err := cmd.Result()
		if errors.Is(err, goredis.Nil) {
			gone = append(gone, tokens[i])
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list leases in redis: %w", err)
		}
		l, err := parseRecord(perf, tokens[i], rec)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if len(gone) > 0 {
		// Best effort: a stale token costs one GET on the next List.
		_ = s.c.SRem(ctx, s.indexKey(perf), gone...).Err()
	}
	return out, nil
}

// Ping checks the connection.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}
