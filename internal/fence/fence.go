// Package fence carries an owner's fencing token to the writes that depend on
// its engine shard (issue 18). A node that owns a performance holds a token
// that only grows from one owner to the next; it puts the token on the
// context of every write the shard decided (a hold's lease, an order, a paint
// stroke), and the lease store and the store refuse the write, in the same
// script or transaction that would make it, when the performance's current
// token is newer. So an owner that was paused past its lease and lost the
// performance can never sell, hold or paint again.
//
// A context without a token (one node; staff writes that do not depend on a
// shard) is written as before.
package fence

import (
	"context"
	"errors"
)

// ErrStale is returned by a write whose token is older than the
// performance's current one: another node owns the performance now. The
// request may be retried; it will reach the new owner.
var ErrStale = errors.New("ownership of the performance moved to another node")

type key struct{}

type token struct {
	perf  string
	value uint64
}

// With returns ctx carrying the token v of performance perf. A zero v
// carries nothing.
func With(ctx context.Context, perf string, v uint64) context.Context {
	if v == 0 {
		return ctx
	}
	return context.WithValue(ctx, key{}, token{perf: perf, value: v})
}

// From returns the token ctx carries for performance perf, if any. A token of
// another performance does not count: a write of perf is never fenced by the
// token of a request about something else.
func From(ctx context.Context, perf string) (uint64, bool) {
	t, ok := ctx.Value(key{}).(token)
	if !ok || t.perf != perf {
		return 0, false
	}
	return t.value, true
}
