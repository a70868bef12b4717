package backend

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/breaker"
	"github.com/seatmap/seatmap/store"
)

// downStore answers every call with an outage, and counts the calls that
// reach it. It embeds Store for the methods a test does not name; calling
// one of those panics, which reflect shows as a method not guarded.
type downStore struct {
	Store
	calls atomic.Int64
}

var errDown = fmt.Errorf("%w: dial tcp: connection refused", store.ErrUnavailable)

func (d *downStore) Classify(err error) error { return err }

func (d *downStore) Ping(context.Context) error {
	d.calls.Add(1)
	return errDown
}

// TestGuardCoversEveryMethod calls every method of a guarded Store whose
// breaker is open: each answers *breaker.UnavailableError without reaching
// the store, so no method was left out of the guard.
func TestGuardCoversEveryMethod(t *testing.T) {
	inner := &downStore{}
	g := Guard(inner, "postgres", time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	// Open the breaker: Ping reaches the store, which is down.
	for range 3 {
		require.Error(t, g.Ping(ctx))
	}
	require.EqualValues(t, 3, inner.calls.Load())

	v := reflect.ValueOf(g)
	typ := reflect.TypeFor[Store]()
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		if m.Name == "Close" || m.Name == "Classify" {
			continue
		}
		fn := v.MethodByName(m.Name)
		args := make([]reflect.Value, fn.Type().NumIn())
		for j := range args {
			args[j] = reflect.Zero(fn.Type().In(j))
		}
		args[0] = reflect.ValueOf(ctx)
		out := fn.Call(args)
		err, _ := out[len(out)-1].Interface().(error)
		require.True(t, breaker.IsUnavailable(err), "%s answered %v", m.Name, err)
	}
	require.EqualValues(t, 3, inner.calls.Load(), "an open breaker calls nothing")
}
