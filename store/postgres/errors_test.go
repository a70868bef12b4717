package postgres

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/internal/faultproxy"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/postgres/pgtest"
)

// TestClassifyRefusedValues: bytes Postgres refuses as text (NUL, invalid
// UTF-8) are the caller's bad input, never an outage; domain answers are
// neither. (Issue 10, item 4: 22021 for an id with a NUL opened the breaker.)
func TestClassifyRefusedValues(t *testing.T) {
	t.Parallel()
	s := open(t, "")
	ctx := context.Background()
	for _, id := range []string{"x\x00y", "\xff"} {
		_, err := s.GetPerformance(ctx, id)
		require.Error(t, err)
		err = s.Classify(err)
		require.ErrorIs(t, err, store.ErrInvalid, "%q", id)
		require.NotErrorIs(t, err, store.ErrUnavailable, "%q", id)
	}
	err := s.CreateHall(ctx, catalog.Hall{ID: "h", Name: "Saal\x00", Layout: []byte(`{}`), Seats: 1})
	require.ErrorIs(t, s.Classify(err), store.ErrInvalid)

	_, err = s.GetPerformance(ctx, "missing")
	err = s.Classify(err)
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NotErrorIs(t, err, store.ErrInvalid)
	require.NotErrorIs(t, err, store.ErrUnavailable)
	require.NoError(t, s.Classify(nil))
}

// TestClassifyUnavailable: a cut line, a line that hangs past the deadline and
// a server that terminates the connection are unavailability.
func TestClassifyUnavailable(t *testing.T) {
	t.Parallel()
	cfg, err := pgx.ParseConfig(pgtest.URL())
	require.NoError(t, err)
	proxy, err := faultproxy.New(net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	s := open(t, pgtest.Schema(t, proxy.Addr())+"&pool_max_conns=1")
	ctx := context.Background()
	get := func(ctx context.Context) error {
		_, err := s.GetPerformance(ctx, "p")
		return err
	}
	require.ErrorIs(t, get(ctx), store.ErrNotFound)

	proxy.SetDown(true)
	err = s.Classify(get(ctx))
	require.ErrorIs(t, err, store.ErrUnavailable)
	require.NotErrorIs(t, err, store.ErrNotFound)
	proxy.SetDown(false)
	require.Eventually(t, func() bool { return s.Ping(ctx) == nil }, 10*time.Second, 20*time.Millisecond)

	proxy.Freeze()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	err = s.Classify(get(short))
	cancel()
	proxy.Thaw()
	require.ErrorIs(t, err, store.ErrUnavailable)
	require.Eventually(t, func() bool { return s.Ping(ctx) == nil }, 10*time.Second, 20*time.Millisecond)

	// The server ends the connection (57P01, admin shutdown, or the line
	// closes under the next query): unavailability too.
	var pid int
	require.NoError(t, s.Pool().QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid))
	admin, err := pgx.Connect(ctx, pgtest.URL())
	require.NoError(t, err)
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "SELECT pg_terminate_backend($1)", pid)
	require.NoError(t, err)
	err = s.Classify(get(ctx))
	require.ErrorIs(t, err, store.ErrUnavailable, "%v", err)
}
