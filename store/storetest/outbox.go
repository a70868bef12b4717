package storetest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/order"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/store"
	"github.com/seatmap/seatmap/store/backend"
)

// notifying is o with an order confirmation to queue.
func (f *fixture) notifying(o order.Order) order.Order {
	o.Origin = order.Change{Actor: "buyer", Notify: &outbox.Message{
		ID: f.id("msg-"), OrderID: o.ID, Kind: outbox.KindConfirmation, To: o.BuyerEmail,
		Subject: "Ihre Karten für " + o.Number, Body: "Grüße,\nseatmap\n",
	}}
	return o
}

// queued creates n paid orders with a confirmation each and returns their
// messages as queued.
func (f *fixture) queued(t *testing.T, s backend.Store, n int) []outbox.Message {
	t.Helper()
	ctx := context.Background()
	p := f.perf(t, s, f.hall(t, s), day)
	out := make([]outbox.Message, n)
	for i := range n {
		o := f.notifying(f.order(p, "s", "", uint32(i)))
		_, err := s.CreateOrder(ctx, o)
		require.NoError(t, err)
		out[i] = *o.Origin.Notify
	}
	return out
}

// claimAt is the moment the outbox tests claim at: after every message they
// queued (stamped with the stores' wall clock), on a whole microsecond, so
// that times read back compare equal.
func claimAt() time.Time { return time.Now().Add(time.Second).Truncate(time.Microsecond).UTC() }

func ids(ms []outbox.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func claim(t *testing.T, s backend.Store, now time.Time, lease time.Duration, limit int) []outbox.Message {
	t.Helper()
	ms, err := s.ClaimOutbox(context.Background(), now, lease, limit)
	require.NoError(t, err)
	return ms
}

func runOutbox(t *testing.T, f *fixture, open func(t *testing.T) backend.Store, openWith func(t *testing.T, now func() time.Time) backend.Store) {
	ctx := context.Background()

	t.Run("OutboxClaimQueued", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		queued := f.queued(t, s, 1)[0]
		p := f.perf(t, s, f.hall(t, s), day)
		quiet := f.order(p, "s", "", 1)
		_, err := s.CreateOrder(ctx, quiet)
		require.NoError(t, err)

		require.Empty(t, claim(t, s, time.Now().Add(-time.Hour), time.Minute, 10), "not due before it was queued")
		now := claimAt()
		got := claim(t, s, now, time.Minute, 10)
		require.Len(t, got, 1, "an order without Notify queues nothing")
		m := got[0]
		require.Equal(t, queued.ID, m.ID)
		require.Equal(t, queued.OrderID, m.OrderID)
		require.Equal(t, outbox.KindConfirmation, m.Kind)
		require.Equal(t, queued.To, m.To)
		require.Equal(t, queued.Subject, m.Subject)
		require.Equal(t, queued.Body, m.Body)
		require.WithinDuration(t, time.Now(), m.CreatedAt, time.Minute)
		require.Equal(t, 1, m.Attempts, "the claim counts")
		require.True(t, now.Add(time.Minute).Equal(m.NextAttempt), "leased until %v, got %v", now.Add(time.Minute), m.NextAttempt)
		require.True(t, m.SentAt.IsZero())
		require.Empty(t, m.LastError)
		requireUTC(t, m.CreatedAt, m.NextAttempt)
		msgs, err := s.OrderMessages(ctx, quiet.ID)
		require.NoError(t, err)
		require.Empty(t, msgs)
	})

	t.Run("OutboxLease", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		m := f.queued(t, s, 1)[0]
		now, lease := claimAt(), 30*time.Second
		require.Equal(t, []string{m.ID}, ids(claim(t, s, now, lease, 10)))
		require.Empty(t, claim(t, s, now, lease, 10), "hidden while leased")
		require.Empty(t, claim(t, s, now.Add(lease-time.Microsecond), lease, 10), "hidden until the lease ends")
		again := claim(t, s, now.Add(lease), lease, 10)
		require.Equal(t, []string{m.ID}, ids(again), "due again once the lease ends: its dispatcher died")
		require.Equal(t, 2, again[0].Attempts)
	})

	t.Run("OutboxLimitOldestFirst", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		queued := f.queued(t, s, 5)
		now := claimAt()
		first := claim(t, s, now, time.Minute, 3)
		require.Len(t, first, 3)
		rest := claim(t, s, now, time.Minute, 3)
		require.Len(t, rest, 2)
		all := append(first, rest...)
		require.True(t, slices.IsSortedFunc(all, func(a, b outbox.Message) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		}), "oldest first, and the oldest in the first claim")
		require.ElementsMatch(t, ids(queued), ids(all))
		_, err := s.ClaimOutbox(ctx, now, time.Minute, 0)
		require.Error(t, err)
		_, err = s.ClaimOutbox(ctx, now, 0, 10)
		require.Error(t, err)
	})

	t.Run("OutboxConcurrentClaims", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		queued := f.queued(t, s, 40)
		now := claimAt()
		var mu sync.Mutex
		owner := map[string]int{}
		var wg sync.WaitGroup
		for c := range 8 {
			wg.Go(func() {
				for {
					ms, err := s.ClaimOutbox(ctx, now, time.Minute, 3)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ms) == 0 {
						return
					}
					mu.Lock()
					for _, m := range ms {
						if prev, ok := owner[m.ID]; ok {
							t.Errorf("%s claimed by claimers %d and %d", m.ID, prev, c)
						}
						owner[m.ID] = c
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		require.Len(t, owner, len(queued), "every message claimed, each once")
		require.Empty(t, claim(t, s, now, time.Minute, 100))
	})

	t.Run("OutboxMarkFailed", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		m := f.queued(t, s, 1)[0]
		now := claimAt()
		claim(t, s, now, time.Minute, 10)
		retry := now.Add(time.Hour)
		require.NoError(t, s.MarkFailed(ctx, m.ID, "451 try again later", retry))
		msgs, err := s.OrderMessages(ctx, m.OrderID)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		require.Equal(t, "451 try again later", msgs[0].LastError)
		require.True(t, retry.Equal(msgs[0].NextAttempt), "due at %v, got %v", retry, msgs[0].NextAttempt)
		require.Equal(t, 1, msgs[0].Attempts)
		require.True(t, msgs[0].SentAt.IsZero())

		require.Empty(t, claim(t, s, now.Add(time.Minute), time.Minute, 10), "deferred past its lease")
		again := claim(t, s, retry, time.Minute, 10)
		require.Equal(t, []string{m.ID}, ids(again))
		require.Equal(t, 2, again[0].Attempts)
		require.Equal(t, "451 try again later", again[0].LastError, "the last error stays until the next one")

		require.ErrorIs(t, s.MarkFailed(ctx, "missing", "x", retry), store.ErrNotFound)

		// Given up on: due in the year 9999, which both stores keep exactly.
		never := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
		require.NoError(t, s.MarkFailed(ctx, m.ID, "gave up after 2 attempts", never))
		require.Empty(t, claim(t, s, retry.Add(100*365*24*time.Hour), time.Minute, 10), "never due again")
		msgs, err = s.OrderMessages(ctx, m.OrderID)
		require.NoError(t, err)
		require.True(t, never.Equal(msgs[0].NextAttempt), "got %v", msgs[0].NextAttempt)
	})

	t.Run("OutboxMarkSent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		m := f.queued(t, s, 1)[0]
		now := claimAt()
		claim(t, s, now, time.Minute, 10)
		sent := now.Add(time.Second)
		require.NoError(t, s.MarkSent(ctx, m.ID, sent))
		require.Empty(t, claim(t, s, now.Add(365*24*time.Hour), time.Minute, 10), "a sent message is never claimed again")

		require.NoError(t, s.MarkSent(ctx, m.ID, sent.Add(time.Hour)), "MarkSent is idempotent")
		require.ErrorIs(t, s.MarkFailed(ctx, m.ID, "late failure", now), outbox.ErrSent,
			"a failure reported after another dispatcher's success does not revive it")
		require.Empty(t, claim(t, s, now.Add(365*24*time.Hour), time.Minute, 10))
		msgs, err := s.OrderMessages(ctx, m.OrderID)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		require.True(t, sent.Equal(msgs[0].SentAt), "the first time stays: %v, got %v", sent, msgs[0].SentAt)
		require.Empty(t, msgs[0].LastError)
		requireUTC(t, msgs[0].SentAt)

		require.ErrorIs(t, s.MarkSent(ctx, "missing", sent), store.ErrNotFound)
	})

	t.Run("OutboxOrderMessages", func(t *testing.T) {
		t.Parallel()
		// A clock of its own, at the wall clock's time so that claimAt is
		// after every message queued.
		clock := testkit.NewClock(time.Now().UTC().Truncate(time.Microsecond))
		s := openWith(t, clock.Now)
		queued := f.queued(t, s, 2)
		mine, other := queued[0], queued[1]
		resend := outbox.Message{ID: f.id("msg-"), OrderID: mine.OrderID, Kind: outbox.KindResend, To: "ada@example.org",
			Subject: "Again", Body: "Once more"}
		// Apart from the first message, so that oldest first is decided by
		// time.
		clock.Add(2 * time.Millisecond)
		require.NoError(t, s.RecordOrderEvent(ctx, mine.OrderID, order.ActionResent, "to ada@example.org",
			order.Change{Actor: "staff:desk", Notify: &resend}))

		now := claimAt()
		for _, m := range claim(t, s, now, time.Minute, 10) {
			if m.ID == mine.ID {
				require.NoError(t, s.MarkSent(ctx, m.ID, now))
			}
		}
		msgs, err := s.OrderMessages(ctx, mine.OrderID)
		require.NoError(t, err)
		require.Equal(t, []string{mine.ID, resend.ID}, ids(msgs), "oldest first, only this order's")
		require.Equal(t, outbox.KindConfirmation, msgs[0].Kind)
		require.True(t, now.Equal(msgs[0].SentAt))
		require.Equal(t, 1, msgs[0].Attempts)
		require.Equal(t, outbox.KindResend, msgs[1].Kind)
		require.Equal(t, "ada@example.org", msgs[1].To)
		require.True(t, msgs[1].SentAt.IsZero())
		require.Equal(t, 1, msgs[1].Attempts)
		for _, m := range msgs {
			require.Equal(t, mine.OrderID, m.OrderID)
			requireUTC(t, m.CreatedAt, m.NextAttempt)
		}
		theirs, err := s.OrderMessages(ctx, other.OrderID)
		require.NoError(t, err)
		require.Equal(t, []string{other.ID}, ids(theirs))
		none, err := s.OrderMessages(ctx, "missing")
		require.NoError(t, err)
		require.Empty(t, none)
	})
}
