package redis

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/lease"
	"github.com/seatmap/seatmap/lease/leasetest"
	"github.com/seatmap/seatmap/lease/redis/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newStore returns a store with its own key prefix, whose keys are removed
// after the test, and the client under it.
func newStore(t testing.TB) (*Store, *goredis.Client) {
	t.Helper()
	c := redistest.Client(t)
	return New(c, Options{Prefix: redistest.Prefix(t)}), c
}

func TestConformance(t *testing.T) {
	leasetest.Run(t, leasetest.Harness{
		New: func(t *testing.T) leasetest.Subject {
			s, _ := newStore(t)
			return leasetest.Subject{Store: s, Now: time.Now}
		},
		Short: 300 * time.Millisecond,
	})
}

func TestMaxSeatsMatchesSuite(t *testing.T) {
	require.Equal(t, leasetest.MaxSeats, MaxSeats)
}

// TestKeys checks the layout other tools and a failed-over node rely on: a key
// per seat holding the token with the lease's deadline, a record, an index, all
// under the prefix and the performance's hash tag.
func TestKeys(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	ctx := t.Context()
	deadline := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	require.NoError(t, s.Acquire(ctx, lease.Lease{Performance: "p1", Token: "tok", Owner: "buyer|7", Seats: []uint32{12, 7}, Expires: deadline}))

	base := s.prefix + "{p1}:"
	var keys []string
	iter := c.Scan(ctx, 0, s.prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	require.NoError(t, iter.Err())
	require.ElementsMatch(t, []string{base + "s:7", base + "s:12", base + "h:tok", base + "holds"}, keys)
	for _, k := range []string{base + "s:7", base + "s:12"} {
		v, err := c.Get(ctx, k).Result()
		require.NoError(t, err)
		require.Equal(t, "tok", v)
	}
	rec, err := c.Get(ctx, base+"h:tok").Result()
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d|7,12|buyer|7", deadline.UnixMilli()), rec)
	for _, k := range keys {
		at, err := c.PExpireTime(ctx, k).Result()
		require.NoError(t, err)
		require.Equal(t, deadline.UnixMilli(), at.Milliseconds(), k)
	}
	members, err := c.SMembers(ctx, base+"holds").Result()
	require.NoError(t, err)
	require.Equal(t, []string{"tok"}, members)

	// Extend moves every deadline; Release removes all but the index.
	later := deadline.Add(time.Hour)
	require.NoError(t, s.Extend(ctx, "p1", "tok", later))
	for _, k := range keys {
		at, err := c.PExpireTime(ctx, k).Result()
		require.NoError(t, err)
		require.Equal(t, later.UnixMilli(), at.Milliseconds(), k)
	}
	require.NoError(t, s.Release(ctx, "p1", "tok"))
	n, err := c.Exists(ctx, keys...).Result()
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestIndexOutlivesLeases checks that the index of a performance expires with
// its longest lease, whichever order leases come and move in.
func TestIndexOutlivesLeases(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	ctx := t.Context()
	index := s.names("p").index
	expiry := func() int64 {
		t.Helper()
		at, err := c.PExpireTime(ctx, index).Result()
		require.NoError(t, err)
		return at.Milliseconds()
	}
	now := time.Now().Truncate(time.Millisecond)
	require.NoError(t, s.Acquire(ctx, lease.Lease{Performance: "p", Token: "a", Seats: []uint32{1}, Expires: now.Add(time.Hour)}))
	require.Equal(t, now.Add(time.Hour).UnixMilli(), expiry(), "the first lease sets it")
	require.NoError(t, s.Acquire(ctx, lease.Lease{Performance: "p", Token: "b", Seats: []uint32{2}, Expires: now.Add(30 * time.Minute)}))
	require.Equal(t, now.Add(time.Hour).UnixMilli(), expiry(), "a shorter lease keeps it")
	require.NoError(t, s.Extend(ctx, "p", "b", now.Add(2*time.Hour)))
	require.Equal(t, now.Add(2*time.Hour).UnixMilli(), expiry(), "a longer one pushes it")
	require.NoError(t, s.Extend(ctx, "p", "b", now.Add(time.Minute)))
	require.Equal(t, now.Add(2*time.Hour).UnixMilli(), expiry(), "an earlier deadline keeps it")
	require.NoError(t, s.Acquire(ctx, lease.Lease{Performance: "p", Token: "c", Seats: []uint32{3}, Expires: now.Add(3 * time.Hour)}))
	require.Equal(t, now.Add(3*time.Hour).UnixMilli(), expiry())

	// An index without a deadline (written by hand) gets one from the next lease.
	index = s.names("q").index
	require.NoError(t, c.SAdd(ctx, index, "gone").Err())
	require.NoError(t, s.Acquire(ctx, lease.Lease{Performance: "q", Token: "d", Seats: []uint32{4}, Expires: now.Add(time.Minute)}))
	require.Equal(t, now.Add(time.Minute).UnixMilli(), expiry())
}

// TestRedisExpiresSeatsItself checks the deadline lives in Redis: after it no
// key of the lease is left, with nobody calling, and List prunes the index.
func TestRedisExpiresSeatsItself(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	ctx := t.Context()
	require.NoError(t, s.Acquire(ctx, lease.Lease{Performance: "p1", Token: "t", Owner: "o", Seats: []uint32{7, 8}, Expires: time.Now().Add(200 * time.Millisecond)}))
	base := s.prefix + "{p1}:"
	require.Eventually(t, func() bool {
		// EXISTS skips lapsed keys; SCAN does not, so the count proves Redis
		// reclaimed them.
		n, err := c.Exists(ctx, base+"s:7", base+"s:8", base+"h:t").Result()
		return err == nil && n == 0
	}, 5*time.Second, 20*time.Millisecond)
	got, err := s.List(ctx, "p1")
	require.NoError(t, err)
	require.Empty(t, got)
	n, err := c.SCard(ctx, base+"holds").Result()
	require.NoError(t, err)
	require.Zero(t, n, "List prunes lapsed tokens from the index")
}

// TestPruneKeepsLiveTokens checks that pruning drops only tokens whose record
// is still gone when the prune runs.
func TestPruneKeepsLiveTokens(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	ctx := t.Context()
	n := s.names("p")
	require.NoError(t, c.SAdd(ctx, n.index, "live", "gone").Err())
	require.NoError(t, c.Set(ctx, n.record("live"), "1|1|o", time.Hour).Err())
	// As if List read both records missing, and "live" was leased meanwhile.
	s.prune(ctx, n, []string{n.record("live"), n.record("gone")}, []any{"live", "gone"})
	members, err := c.SMembers(ctx, n.index).Result()
	require.NoError(t, err)
	require.Equal(t, []string{"live"}, members)
}

// TestWithoutHints runs each operation from a store that did not write the
// lease (another node, or this one after a restart) and one whose hint is
// stale: the scripts ask for the seats they were not given, and the outcome is
// the same.
func TestWithoutHints(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := redistest.Client(t)
	prefix := redistest.Prefix(t)
	a, b := New(c, Options{Prefix: prefix}), New(c, Options{Prefix: prefix})
	hour := time.Now().Add(time.Hour)
	taken := func(seats ...uint32) []uint32 {
		t.Helper()
		var got []uint32
		for _, seat := range seats {
			err := a.Acquire(ctx, lease.Lease{Performance: "p", Token: "probe", Seats: []uint32{seat}, Expires: hour})
			if err == nil {
				require.NoError(t, a.Release(ctx, "p", "probe"))
				continue
			}
			var c *lease.ConflictError
			require.ErrorAs(t, err, &c)
			got = append(got, seat)
		}
		return got
	}

	require.NoError(t, a.Acquire(ctx, lease.Lease{Performance: "p", Token: "t", Seats: []uint32{1, 2, 3}, Expires: hour}))
	// b replaces a's lease with fewer seats: the seats it gives up are freed.
	require.NoError(t, b.Acquire(ctx, lease.Lease{Performance: "p", Token: "t", Seats: []uint32{3, 4}, Expires: hour}))
	require.Equal(t, []uint32{3, 4}, taken(1, 2, 3, 4, 5))
	// a's hint (1, 2, 3) is stale now; a moves the lease to 5.
	require.NoError(t, a.Acquire(ctx, lease.Lease{Performance: "p", Token: "t", Seats: []uint32{5}, Expires: hour}))
	require.Equal(t, []uint32{5}, taken(1, 2, 3, 4, 5))
	// b's hint (3, 4) is stale; b extends, and the seat it did not know moves too.
	later := hour.Add(time.Hour)
	require.NoError(t, b.Extend(ctx, "p", "t", later))
	at, err := c.PExpireTime(ctx, b.names("p").seatPrefix+"5").Result()
	require.NoError(t, err)
	require.Equal(t, later.UnixMilli(), at.Milliseconds())
	// A fresh store releases it, knowing nothing.
	fresh := New(c, Options{Prefix: prefix})
	require.NoError(t, fresh.Release(ctx, "p", "t"))
	require.Empty(t, taken(1, 2, 3, 4, 5))
	got, err := fresh.List(ctx, "p")
	require.NoError(t, err)
	require.Empty(t, got)
	require.ErrorIs(t, a.Extend(ctx, "p", "t", later), lease.ErrNotFound)
}

// TestScriptsDeclareEveryKey watches Redis run the scripts (MONITOR) and checks
// that every key a script touches is one of its KEYS, as Redis Cluster and
// Lua-compatible servers require. Redis 7 logs a script's call before the
// commands it runs, and nothing else runs in between.
func TestScriptsDeclareEveryKey(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := redistest.Client(t)
	prefix := redistest.Prefix(t)
	mon := monitor(t, redistest.Options(t))
	a, b := New(c, Options{Prefix: prefix}), New(c, Options{Prefix: prefix})
	hour := time.Now().Add(time.Hour)
	l := func(tok string, d time.Time, seats ...uint32) lease.Lease {
		return lease.Lease{Performance: "p", Token: tok, Owner: "o", Seats: seats, Expires: d}
	}
	require.NoError(t, a.Acquire(ctx, l("t", hour, 1, 2, 3)))
	require.NoError(t, a.Acquire(ctx, l("t", hour, 2, 3, 4)))                  // replace, hinted
	require.NoError(t, b.Acquire(ctx, l("t", hour, 9)))                        // replace, not hinted
	require.Error(t, b.Acquire(ctx, l("u", hour, 8, 9)))                       // conflict
	require.NoError(t, a.Extend(ctx, "p", "t", hour.Add(time.Hour)))           // stale hint
	require.NoError(t, New(c, Options{Prefix: prefix}).Release(ctx, "p", "t")) // no hint
	require.NoError(t, a.Release(ctx, "p", "t"))                               // already gone
	require.NoError(t, a.Acquire(ctx, l("s", time.Now().Add(100*time.Millisecond), 5)))
	require.Eventually(t, func() bool {
		got, err := a.List(ctx, "p") // prunes s once it lapsed
		return err == nil && len(got) == 0
	}, 5*time.Second, 20*time.Millisecond)
	n, err := c.SCard(ctx, a.names("p").index).Result()
	require.NoError(t, err)
	require.Zero(t, n)

	lines := mon.until(t, c, prefix+"done")
	checked := 0
	var declared map[string]bool // KEYS of the script running; nil between scripts
	for _, line := range lines {
		source, args := parseMonitorLine(t, line)
		switch {
		case source == "lua":
			keys := args[1:2]
			switch strings.ToUpper(args[0]) {
			case "MGET", "DEL", "UNLINK", "EXISTS":
				keys = args[1:]
			}
			for _, k := range keys {
				if !strings.HasPrefix(k, prefix) {
					continue // a parallel test's script
				}
				require.NotNil(t, declared, "script command outside a script of ours: %s", line)
				require.True(t, declared[k], "script touched %s without declaring it: %s", k, line)
				checked++
			}
		case strings.EqualFold(args[0], "evalsha") || strings.EqualFold(args[0], "eval"):
			numKeys, err := strconv.Atoi(args[2])
			require.NoError(t, err, line)
			declared = map[string]bool{}
			for _, k := range args[3 : 3+numKeys] {
				declared[k] = true
			}
		default:
			declared = nil
		}
	}
	require.Greater(t, checked, 30, "the scripts ran under MONITOR")
}

// monitorLog collects what a MONITOR connection reports.
type monitorLog struct {
	mu    sync.Mutex // guards lines
	lines []string
}

// monitor opens a MONITOR connection, closed when the test ends.
func monitor(t *testing.T, opt *goredis.Options) *monitorLog {
	t.Helper()
	conn, err := net.DialTimeout("tcp", opt.Addr, 5*time.Second)
	require.NoError(t, err)
	r := bufio.NewReader(conn)
	send := func(args ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		_, err := conn.Write([]byte(b.String()))
		require.NoError(t, err)
		reply, err := r.ReadString('\n')
		require.NoError(t, err)
		return reply
	}
	if opt.Password != "" {
		auth := []string{"AUTH", opt.Password}
		if opt.Username != "" {
			auth = []string{"AUTH", opt.Username, opt.Password}
		}
		require.Equal(t, "+OK\r\n", send(auth...))
	}
	require.Equal(t, "+OK\r\n", send("MONITOR"))
	m := &monitorLog{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return // closed at the end of the test
			}
			m.mu.Lock()
			m.lines = append(m.lines, strings.TrimSuffix(strings.TrimPrefix(line, "+"), "\r\n"))
			m.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
	})
	return m
}

// until sends ECHO marker and returns what was monitored before it came back.
func (m *monitorLog) until(t *testing.T, c *goredis.Client, marker string) []string {
	t.Helper()
	require.NoError(t, c.Echo(t.Context(), marker).Err())
	quoted := strconv.Quote(marker)
	var lines []string
	require.Eventually(t, func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		for i, line := range m.lines {
			if strings.HasSuffix(line, quoted) {
				lines = slices.Clone(m.lines[:i])
				return true
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond)
	return lines
}

// parseMonitorLine splits `1700000000.000001 [0 127.0.0.1:5555] "GET" "k"` into
// its source ("127.0.0.1:5555" or "lua") and arguments.
func parseMonitorLine(t *testing.T, line string) (source string, args []string) {
	t.Helper()
	open, closing := strings.IndexByte(line, '['), strings.IndexByte(line, ']')
	require.True(t, open >= 0 && closing > open, line)
	_, source, _ = strings.Cut(line[open+1:closing], " ")
	rest := line[closing+1:]
	for {
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			break
		}
		require.Equal(t, byte('"'), rest[0], line)
		var b strings.Builder
		i := 1
		for ; i < len(rest) && rest[i] != '"'; i++ {
			if rest[i] == '\\' && i+1 < len(rest) {
				i++
				switch rest[i] {
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 't':
					b.WriteByte('\t')
				case 'x':
					v, err := strconv.ParseUint(rest[i+1:i+3], 16, 8)
					require.NoError(t, err, line)
					b.WriteByte(byte(v))
					i += 2
				default:
					b.WriteByte(rest[i])
				}
				continue
			}
			b.WriteByte(rest[i])
		}
		args = append(args, b.String())
		rest = rest[i+1:]
	}
	require.NotEmpty(t, args, line)
	return source, args
}

func TestBraces(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	ctx := t.Context()
	err := s.Acquire(ctx, lease.Lease{Performance: "}a", Token: "t", Seats: []uint32{1}, Expires: time.Now().Add(time.Minute)})
	require.ErrorContains(t, err, "brace")

	bad := New(c, Options{Prefix: "seat{map}:"})
	require.ErrorContains(t, bad.Ping(ctx), "brace")
	require.ErrorContains(t, bad.Acquire(ctx, lease.Lease{Performance: "p", Token: "t", Seats: []uint32{1}, Expires: time.Now().Add(time.Minute)}), "brace")
	require.ErrorContains(t, bad.Release(ctx, "p", "t"), "brace")
	_, err = bad.List(ctx, "p")
	require.ErrorContains(t, err, "brace")
}

func TestDefaultPrefix(t *testing.T) {
	t.Parallel()
	s := New(nil, Options{})
	require.Equal(t, "seatmap:{p}:h:t", s.names("p").record("t"))
}

// TestClock: the store judges the deadlines it is given, and when the seats
// it remembers lapse, by the clock it was given, not by the wall clock.
func TestClock(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(time.Now().Add(time.Hour))
	s := New(redistest.Client(t), Options{Prefix: redistest.Prefix(t), Now: clock.Now})
	ctx := t.Context()
	soon := time.Now().Add(time.Minute) // ahead of the wall clock, behind the store's
	l := lease.Lease{Performance: "p", Token: "t", Owner: "o", Seats: []uint32{1}, Expires: soon}
	require.ErrorIs(t, s.Acquire(ctx, l), lease.ErrInvalid)
	l.Expires = clock.Now().Add(time.Minute)
	require.NoError(t, s.Acquire(ctx, l))
	clock.Add(2 * time.Minute)
	require.ErrorIs(t, s.Extend(ctx, "p", "t", l.Expires.Add(time.Second)), lease.ErrInvalid)
	require.NoError(t, s.Extend(ctx, "p", "t", clock.Now().Add(time.Minute)))
}

// TestHintsLapseOnTheirClock: a sweep drops the hints whose deadline passed
// on the store's clock and keeps the rest.
func TestHintsLapseOnTheirClock(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(time.Date(2030, 3, 1, 19, 30, 0, 0, time.UTC))
	h := newHints(clock.Now)
	soon, later := clock.Now().Add(time.Second).UnixMilli(), clock.Now().Add(time.Hour).UnixMilli()
	for i := range 100 * minSweep {
		deadline := soon
		if i%2 == 0 {
			deadline = later
		}
		h.put(fmt.Sprint("k", i), []uint32{uint32(i)}, deadline)
	}
	clock.Add(time.Minute)
	for i := range len(h.shards) * minSweep {
		h.put(fmt.Sprint("new", i), []uint32{1}, later)
	}
	var kept, lapsed int
	for i := range h.shards {
		for _, v := range h.shards[i].m {
			if v.deadline == soon {
				lapsed++
			} else {
				kept++
			}
		}
	}
	require.Equal(t, 50*minSweep+len(h.shards)*minSweep, kept)
	require.Less(t, lapsed, 50*minSweep/4, "most lapsed hints were swept")
}

// TestRedisDown checks that a store whose Redis does not answer says so, with
// the operation, and never as a domain answer.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	c := goredis.NewClient(&goredis.Options{Addr: testkit.FreeAddr(t), MaxRetries: -1, DialTimeout: time.Second, DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	t.Cleanup(func() { c.Close() })
	s := New(c, Options{})
	ctx := t.Context()

	err := s.Acquire(ctx, lease.Lease{Performance: "p", Token: "t", Seats: []uint32{1}, Expires: time.Now().Add(time.Minute)})
	require.ErrorContains(t, err, "acquire lease of p")
	var conflict *lease.ConflictError
	require.NotErrorAs(t, err, &conflict)
	require.ErrorContains(t, s.Extend(ctx, "p", "t", time.Now().Add(time.Minute)), "extend lease of p")
	require.NotErrorIs(t, s.Extend(ctx, "p", "t", time.Now().Add(time.Minute)), lease.ErrNotFound)
	require.ErrorContains(t, s.Release(ctx, "p", "t"), "release lease of p")
	_, err = s.List(ctx, "p")
	require.ErrorContains(t, err, "list leases of p")
	require.ErrorContains(t, s.Ping(ctx), "ping redis")
}

func BenchmarkAcquireRelease4(b *testing.B) {
	s, _ := newStore(b)
	ctx := context.Background()
	l := lease.Lease{Performance: "bench", Token: "t", Owner: "o", Seats: []uint32{1, 2, 3, 4}, Expires: time.Now().Add(time.Hour)}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Acquire(ctx, l); err != nil {
			b.Fatal(err)
		}
		if err := s.Release(ctx, "bench", "t"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAcquireRelease4Parallel models an on-sale surge: 128 callers per
// CPU (256 on 2 cores), each holding and releasing 4 seats of one of 64
// performances. It reports holds/s (Acquire+Release pairs) and the latency of
// each call.
func BenchmarkAcquireRelease4Parallel(b *testing.B) {
	s, _ := newStore(b)
	ctx := context.Background()
	var (
		mu    sync.Mutex // guards next and lat
		next  int
		lat   []time.Duration
		start = time.Now()
	)
	b.SetParallelism(128) // callers wait on the network, not on a CPU
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		id := next
		next++
		mu.Unlock()
		l := lease.Lease{Performance: fmt.Sprint("bench", id%64), Token: fmt.Sprint("t", id), Owner: "o", Seats: []uint32{uint32(4 * id), uint32(4*id + 1), uint32(4*id + 2), uint32(4*id + 3)}, Expires: time.Now().Add(time.Hour)}
		var mine []time.Duration
		defer func() {
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
		for pb.Next() {
			t0 := time.Now()
			if err := s.Acquire(ctx, l); err != nil {
				b.Error(err)
				return
			}
			t1 := time.Now()
			if err := s.Release(ctx, l.Performance, l.Token); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, t1.Sub(t0), time.Since(t1))
		}
	})
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "holds/s")
	if len(lat) > 0 {
		slices.Sort(lat)
		pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
		b.ReportMetric(pct(0.5), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
	}
}
