package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/startstop"
	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/store"
)

// fakeOutbox keeps messages in memory with the claim semantics of the
// stores, for tests of the dispatcher's own decisions; the end-to-end tests
// run it against the real stores.
type fakeOutbox struct {
	mu          sync.Mutex
	msgs        []*outbox.Message
	claims      int
	claimErrs   []error // returned by the next claims, one each
	markSentErr []error // returned by the next MarkSent calls, one each
}

func newFakeOutbox(n int, created time.Time) *fakeOutbox {
	f := &fakeOutbox{}
	for i := range n {
		f.msgs = append(f.msgs, &outbox.Message{ID: fmt.Sprintf("m%03d", i), OrderID: "o1", Kind: outbox.KindConfirmation,
			To: "ada@example.com", Subject: "Tickets", Body: "Hello", CreatedAt: created, NextAttempt: created})
	}
	return f
}

func (f *fakeOutbox) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outbox.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.claims++
	if len(f.claimErrs) > 0 {
		err := f.claimErrs[0]
		f.claimErrs = f.claimErrs[1:]
		return nil, err
	}
	var out []outbox.Message
	for _, m := range f.msgs {
		if len(out) == limit {
			break
		}
		if m.SentAt.IsZero() && !m.NextAttempt.After(now) {
			m.Attempts++
			m.NextAttempt = now.Add(lease)
			out = append(out, *m)
		}
	}
	return out, nil
}

func (f *fakeOutbox) find(id string) *outbox.Message {
	for _, m := range f.msgs {
		if m.ID == id {
			return m
		}
	}
	return nil
}

func (f *fakeOutbox) MarkSent(ctx context.Context, id string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.markSentErr) > 0 {
		err := f.markSentErr[0]
		f.markSentErr = f.markSentErr[1:]
		return err
	}
	m := f.find(id)
	if m == nil {
		return store.ErrNotFound
	}
	if m.SentAt.IsZero() {
		m.SentAt = at
	}
	return nil
}

func (f *fakeOutbox) MarkFailed(ctx context.Context, id, reason string, retry time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.find(id)
	switch {
	case m == nil:
		return store.ErrNotFound
	case !m.SentAt.IsZero():
		return outbox.ErrSent
	}
	m.LastError, m.NextAttempt = reason, retry
	return nil
}

func (f *fakeOutbox) get(id string) outbox.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.find(id)
}

func (f *fakeOutbox) claimCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.claims
}

// recorder is a Sender that counts what it was given and answers with fail.
type recorder struct {
	mu   sync.Mutex
	sent map[string]int
	fail func(m outbox.Message, n int) error // n: attempts at m so far, this one included
}

func (r *recorder) Send(ctx context.Context, m outbox.Message) error {
	r.mu.Lock()
	if r.sent == nil {
		r.sent = map[string]int{}
	}
	r.sent[m.ID]++
	n := r.sent[m.ID]
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return fail(m, n)
	}
	return nil
}

func (r *recorder) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent[id]
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.sent {
		n += c
	}
	return n
}

var t0 = time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC)

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// start starts d with fast polling and stops it when the test ends.
func start(t *testing.T, d *Dispatcher) {
	t.Helper()
	if d.PollInterval == 0 {
		d.PollInterval = time.Millisecond
	}
	if d.Logger == nil {
		d.Logger = testLog(t)
	}
	require.NoError(t, d.Start(context.Background()))
	t.Cleanup(d.Stop)
}

// morePolls waits until the dispatcher claimed n more times: any message it
// was going to send again by now, it has.
func morePolls(t *testing.T, f *fakeOutbox, n int) {
	t.Helper()
	target := f.claimCount() + n
	testkit.Eventually(t, 10*time.Second, "more claims", func() bool { return f.claimCount() >= target })
}

func TestDispatcherSendsEachOnce(t *testing.T) {
	t.Parallel()
	out := newFakeOutbox(25, t0)
	clock := testkit.NewClock(t0)
	var rec recorder
	start(t, &Dispatcher{Store: out, Sender: &rec, Batch: 10, Now: clock.Now})
	testkit.Eventually(t, 10*time.Second, "25 messages sent", func() bool { return rec.total() == 25 })
	morePolls(t, out, 5)
	require.Equal(t, 25, rec.total(), "nothing sent twice")
	for _, m := range out.msgs {
		got := out.get(m.ID)
		require.Equal(t, 1, rec.count(m.ID), m.ID)
		require.Equal(t, t0, got.SentAt, m.ID)
		require.Equal(t, 1, got.Attempts, m.ID)
	}
}

// TestDispatcherKeepsItsRate: a full outbox goes out no faster than Rate, so
// a surge's e-mails trail behind the sale instead of competing with it. The
// bound is a lower one only: a slow machine cannot fail it.
func TestDispatcherKeepsItsRate(t *testing.T) {
	t.Parallel()
	out := newFakeOutbox(30, t0)
	var rec recorder
	began := time.Now()
	start(t, &Dispatcher{Store: out, Sender: &rec, Batch: 10, Rate: 20, Now: testkit.NewClock(t0).Now})
	testkit.Eventually(t, 20*time.Second, "30 messages sent", func() bool { return rec.total() == 30 })
	// A burst of 10, then 20 more at 20 a second: at least a second.
	require.GreaterOrEqual(t, time.Since(began), 950*time.Millisecond)
}

// TestDispatcherRenders: Render gives each message its text before it goes
// out, and a message it cannot render is retried, not sent bare.
func TestDispatcherRenders(t *testing.T) {
	t.Parallel()
	out := newFakeOutbox(3, t0)
	var mu sync.Mutex
	bodies := map[string]string{}
	rec := recorder{fail: func(m outbox.Message, n int) error {
		mu.Lock()
		bodies[m.ID] = m.Body
		mu.Unlock()
		return nil
	}}
	var failed atomic.Bool
	render := func(ctx context.Context, m outbox.Message) (outbox.Message, error) {
		if m.ID == out.msgs[0].ID && failed.CompareAndSwap(false, true) {
			return outbox.Message{}, errors.New("order not readable yet")
		}
		m.Body = "rendered " + m.ID
		return m, nil
	}
	clock := testkit.NewClock(t0)
	start(t, &Dispatcher{Store: out, Sender: &rec, Batch: 10, Now: clock.Now, Render: render,
		Backoff: func(int) time.Duration { return time.Second }, PollInterval: time.Millisecond})
	testkit.Eventually(t, 10*time.Second, "two sent", func() bool { return rec.total() == 2 })
	first := out.get(out.msgs[0].ID)
	require.Equal(t, 0, rec.count(first.ID), "not sent without its text")
	require.Contains(t, first.LastError, "order not readable yet")
	clock.Add(2 * time.Second)
	testkit.Eventually(t, 10*time.Second, "the first sent on its retry", func() bool { return rec.total() == 3 })
	mu.Lock()
	defer mu.Unlock()
	for id, body := range bodies {
		require.Equal(t, "rendered "+id, body)
	}
}

func TestDispatcherRetriesWithBackoff(t *testing.T) {
	t.Parallel()
	out := newFakeOutbox(1, t0)
	clock := testkit.NewClock(t0)
	rec := recorder{fail: func(m outbox.Message, n int) error {
		if n <= 2 {
			return fmt.Errorf("451 4.3.0 try again later\r\n(attempt %d)", n)
		}
		return nil
	}}
	var mu sync.Mutex
	var asked []int
	backoff := func(attempts int) time.Duration {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, attempts)
		return time.Duration(attempts) * 10 * time.Second
	}
	start(t, &Dispatcher{Store: out, Sender: &rec, Backoff: backoff, Now: clock.Now})

	testkit.Eventually(t, 10*time.Second, "the first failure recorded", func() bool { return out.get("m000").LastError != "" })
	m := out.get("m000")
	require.Equal(t, "451 4.3.0 try again later (attempt 1)", m.LastError, "one line")
	require.Equal(t, t0.Add(10*time.Second), m.NextAttempt, "deferred by Backoff(1)")
	morePolls(t, out, 3)
	require.Equal(t, 1, rec.count("m000"), "not sent again before it is due")

	clock.Add(10 * time.Second)
	testkit.Eventually(t, 10*time.Second, "the second attempt", func() bool { return rec.count("m000") == 2 })
	testkit.Eventually(t, 10*time.Second, "the second failure recorded", func() bool {
		return out.get("m000").NextAttempt.Equal(t0.Add(30 * time.Second))
	})
	clock.Add(20 * time.Second)
	testkit.Eventually(t, 10*time.Second, "delivery", func() bool { return !out.get("m000").SentAt.IsZero() })
	morePolls(t, out, 3)
	require.Equal(t, 3, rec.count("m000"), "delivered once, after two failures")
	m = out.get("m000")
	require.Equal(t, 3, m.Attempts)
	require.Equal(t, t0.Add(30*time.Second), m.SentAt)
	mu.Lock()
	require.Equal(t, []int{1, 2}, asked)
	mu.Unlock()
}

// TestDispatcherGivesUp: after MaxAttempts failures a message is never due
// again, and its last error says the dispatcher gave up.
func TestDispatcherGivesUp(t *testing.T) {
	t.Parallel()
	out := newFakeOutbox(1, t0)
	clock := testkit.NewClock(t0)
	rec := recorder{fail: func(outbox.Message, int) error { return errors.New("550 5.1.1 no such mailbox") }}
	start(t, &Dispatcher{Store: out, Sender: &rec, MaxAttempts: 3, Now: clock.Now,
		Backoff: func(int) time.Duration { return time.Second }, PollInterval: time.Millisecond})
	for n := 1; n <= 3; n++ {
		testkit.Eventually(t, 10*time.Second, fmt.Sprint("attempt ", n), func() bool { return rec.count("m000") == n })
		testkit.Eventually(t, 10*time.Second, "its failure recorded", func() bool { return out.get("m000").LastError != "" && out.get("m000").Attempts == n })
		clock.Add(2 * time.Second)
	}
	testkit.Eventually(t, 10*time.Second, "given up", func() bool { return strings.HasPrefix(out.get("m000").LastError, "gave up after 3 attempts") })
	m := out.get("m000")
	require.Contains(t, m.LastError, "550 5.1.1 no such mailbox")
	require.Equal(t, Never, m.NextAttempt)
	clock.Add(1000 * time.Hour)
	morePolls(t, out, 5)
	require.Equal(t, 3, rec.count("m000"), "never tried again")
}

// TestDispatcherMarkSentLost: the one way a message goes out twice. The
// mail server took it, the store did not hear of it; when the lease ends it
// is sent again, with the same id, which is its Message-ID.
func TestDispatcherMarkSentLost(t *testing.T) {
	t.Parallel()
	out := newFakeOutbox(1, t0)
	out.markSentErr = []error{errors.New("connection reset")}
	clock := testkit.NewClock(t0)
	var rec recorder
	start(t, &Dispatcher{Store: out, Sender: &rec, Lease: time.Minute, Now: clock.Now})
	testkit.Eventually(t, 10*time.Second, "the first send", func() bool { return rec.count("m000") == 1 })
	morePolls(t, out, 3)
	require.Equal(t, 1, rec.count("m000"), "leased: not sent again meanwhile")
	require.True(t, out.get("m000").SentAt.IsZero())

	clock.Add(time.Minute)
	testkit.Eventually(t, 10*time.Second, "marked sent", func() bool { return !out.get("m000").SentAt.IsZero() })
	morePolls(t, out, 3)
	require.Equal(t, 2, rec.count("m000"))
}

func TestDispatcherSkipsWhatItsLeaseCannotCover(t *testing.T) {
	t.Parallel()
	out := newFakeOutbox(3, t0)
	clock := testkit.NewClock(t0)
	// Each send takes 25 s of the 60 s lease: the third would start with 10 s
	// left, less than a send may take, and another node could claim it then.
	rec := recorder{fail: func(outbox.Message, int) error { clock.Add(25 * time.Second); return nil }}
	start(t, &Dispatcher{Store: out, Sender: &rec, Lease: time.Minute, SendTimeout: 20 * time.Second, Batch: 3, Now: clock.Now})
	testkit.Eventually(t, 10*time.Second, "two sent", func() bool { return rec.total() == 2 })
	morePolls(t, out, 3)
	require.Equal(t, 0, rec.count("m002"), "left to a later claim")
	require.Equal(t, 1, out.get("m002").Attempts)

	clock.Add(10 * time.Second) // the lease ends
	testkit.Eventually(t, 10*time.Second, "the third sent", func() bool { return !out.get("m002").SentAt.IsZero() })
	require.Equal(t, 1, rec.count("m002"))
	require.Equal(t, 2, out.get("m002").Attempts)
}

func TestDispatcherKeepsPollingAfterStoreErrors(t *testing.T) {
	t.Parallel()
	out := newFakeOutbox(1, t0)
	out.claimErrs = []error{errors.New("database down"), errors.New("database down")}
	var rec recorder
	start(t, &Dispatcher{Store: out, Sender: &rec, Now: testkit.NewClock(t0).Now})
	testkit.Eventually(t, 10*time.Second, "sent once the store answers", func() bool { return rec.count("m000") == 1 })
}

// TestDispatcherStopFinishesTheSendUnderWay: stopping does not cut off a
// send (which the server may have accepted already) and records it; the rest
// of the batch waits for a later claim.
func TestDispatcherStopFinishesTheSendUnderWay(t *testing.T) {
	t.Parallel()
	out := newFakeOutbox(2, t0)
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	rec := recorder{fail: func(outbox.Message, int) error {
		once.Do(func() { close(started) })
		<-release
		return nil
	}}
	d := &Dispatcher{Store: out, Sender: &rec, Batch: 2, Now: testkit.NewClock(t0).Now, Logger: testLog(t), PollInterval: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, d.Start(ctx))
	<-started
	cancel()
	stopped := make(chan struct{})
	go func() { d.Stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("Stop returned while a send was under way")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	<-stopped
	require.False(t, out.get("m000").SentAt.IsZero(), "the send under way is recorded")
	require.Equal(t, 1, rec.total(), "nothing else started after the stop")
	d.Stop() // again: nothing
}

func TestDispatcherSettings(t *testing.T) {
	t.Parallel()
	out, rec := newFakeOutbox(0, t0), &recorder{}
	for _, c := range []struct {
		name string
		d    *Dispatcher
		want string
	}{
		{"no store", &Dispatcher{Sender: rec}, "needs a Store"},
		{"no sender", &Dispatcher{Store: out}, "needs a Store and a Sender"},
		{"send timeout not below lease", &Dispatcher{Store: out, Sender: rec, Lease: time.Minute, SendTimeout: time.Minute}, "below the lease"},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.ErrorContains(t, c.d.Run(context.Background()), c.want)
			require.ErrorContains(t, c.d.Start(context.Background()), c.want)
			c.d.Stop()
		})
	}
	t.Run("short lease: shorter send timeout", func(t *testing.T) {
		r, err := (&Dispatcher{Store: out, Sender: rec, Lease: 10 * time.Second}).settings()
		require.NoError(t, err)
		require.Equal(t, 5*time.Second, r.sendTimeout)
	})
	t.Run("started twice", func(t *testing.T) {
		d := &Dispatcher{Store: out, Sender: rec, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		require.NoError(t, d.Start(context.Background()))
		defer d.Stop()
		require.ErrorContains(t, d.Start(context.Background()), "already started")
	})
}

// TestDispatcherStartStopContract: the dispatcher keeps the start/stop
// contract every long-running part keeps.
func TestDispatcherStartStopContract(t *testing.T) {
	t.Parallel()
	testkit.StartStop(t, func(t *testing.T) startstop.Service {
		return &Dispatcher{Store: newFakeOutbox(3, t0), Sender: &recorder{}, PollInterval: time.Millisecond, Logger: testLog(t)}
	})
}

func TestExponentialBackoff(t *testing.T) {
	t.Parallel()
	b := ExponentialBackoff(5*time.Second, time.Hour)
	step := 5 * time.Second
	for attempts := 1; attempts <= 40; attempts++ {
		for range 50 {
			d := b(attempts)
			require.GreaterOrEqual(t, d, step/2, "attempt %d", attempts)
			require.LessOrEqual(t, d, step, "attempt %d", attempts)
		}
		step = min(2*step, time.Hour)
	}
	var seen []time.Duration
	for range 20 {
		seen = append(seen, b(3))
	}
	slices.Sort(seen)
	require.NotEqual(t, seen[0], seen[len(seen)-1], "jittered")
	require.Equal(t, time.Duration(0), ExponentialBackoff(0, 0)(3))
}

func TestReason(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a b c", reason(errors.New("a\r\n b\tc ")))
	long := reason(errors.New(strings.Repeat("é", 2*maxReason)))
	require.LessOrEqual(t, len(long), maxReason)
	require.True(t, strings.HasPrefix(strings.Repeat("é", maxReason), long))
	require.Equal(t, "bad ? byte", reason(errors.New("bad \xff byte")))
}
