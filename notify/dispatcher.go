package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/seatmap/seatmap/internal/startstop"
	"github.com/seatmap/seatmap/outbox"
)

// Outbox is what a Dispatcher needs of a store; backend.Store has it.
type Outbox interface {
	// ClaimOutbox takes up to limit unsent messages due at now and hides them
	// from other claims until now+lease.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outbox.Message, error)
	// MarkSent records a message as sent: it is never claimed again.
	MarkSent(ctx context.Context, id string, at time.Time) error
	// MarkFailed records a failed attempt; the message is due again at retry.
	// outbox.ErrSent means it was sent meanwhile.
	MarkFailed(ctx context.Context, id, reason string, retry time.Time) error
}

// Sender delivers one message. A nil error means the message was handed
// over for good (a mail server accepted it, a file is on disk). Senders must
// give the same message the same Message-ID on every attempt.
type Sender interface {
	Send(ctx context.Context, m outbox.Message) error
}

// Defaults of the Dispatcher's zero fields.
const (
	DefaultPollInterval = 2 * time.Second
	DefaultLease        = 2 * time.Minute
	DefaultSendTimeout  = 20 * time.Second
	DefaultBatch        = 10
	DefaultMinBackoff   = 5 * time.Second
	DefaultMaxBackoff   = time.Hour
	// DefaultMaxAttempts gives up on a message after about a day of tries
	// (5 s doubling to an hour): a mistyped address is not retried forever.
	DefaultMaxAttempts = 30
	// DefaultRate bounds the messages a dispatcher sends a second. An on-sale
	// queues thousands of confirmations in seconds; sent as fast as they come
	// they took a sixth of seatd's CPU from the sale itself (make loadtest
	// MODE=production), so they trail behind it instead: 26,000 e-mails of a
	// stadium sell-out are out within nine minutes. Normal days never reach
	// the limit.
	DefaultRate = 50
)

// markTimeout bounds recording an outcome, which goes on after Stop so that
// a sent message is marked if at all possible.
const markTimeout = 10 * time.Second

// maxReason is how much of a send error the store keeps.
const maxReason = 1000

// Dispatcher sends what the outbox holds until stopped. Fill in the fields,
// then call Run, or Start and Stop; the fields must not change afterwards.
// One Dispatcher runs one loop, which sends its messages one after the
// other; run more of them (on more nodes) for more throughput.
//
// A message that fails is due again after Backoff(attempts), until
// MaxAttempts: then the dispatcher gives up on it (it is never due again) and
// its last error, visible with the order's e-mails, says so; staff correct
// the address and send the e-mail again.
type Dispatcher struct {
	Store  Outbox
	Sender Sender
	Logger *slog.Logger // nil: discard

	PollInterval time.Duration // how long to wait when the outbox has nothing due
	// Lease is how long a claimed message stays hidden from other claims. A
	// message is only started while its lease has SendTimeout left, so two
	// dispatchers never send it at once unless clocks disagree by more than
	// the margin.
	Lease       time.Duration
	SendTimeout time.Duration // bounds one Send; must be below Lease
	Batch       int           // messages per claim
	// Rate is the most messages sent a second; 0: DefaultRate, negative: no
	// limit.
	Rate float64
	// MaxAttempts is how many failed sends of a message to make before giving
	// up on it; 0: DefaultMaxAttempts, negative: never give up.
	MaxAttempts int
	// Backoff gives the delay before the next attempt after attempts
	// attempts (1 after the first failure). nil: ExponentialBackoff from
	// DefaultMinBackoff to DefaultMaxBackoff.
	Backoff func(attempts int) time.Duration
	Now     func() time.Time // nil: time.Now
	// Render, if set, gives a message its text before it is sent (a
	// confirmation queued without one gets the order as it stands). An
	// error counts as a failed attempt.
	Render func(ctx context.Context, m outbox.Message) (outbox.Message, error)

	life startstop.Runner // Start's loop
}

// ExponentialBackoff doubles the delay from first with each attempt, up to
// limit, and draws each delay from the upper half of its step, so that
// messages that failed together (the mail server was down) do not all come
// back together.
func ExponentialBackoff(first, limit time.Duration) func(attempts int) time.Duration {
	first, limit = max(first, 0), max(first, limit)
	return func(attempts int) time.Duration {
		d := first
		for i := 1; i < attempts && d < limit; i++ {
			d *= 2
		}
		d = min(d, limit)
		return d/2 + rand.N(d/2+1)
	}
}

// run is one loop's settings, the Dispatcher's with the defaults filled in.
type run struct {
	store       Outbox
	sender      Sender
	log         *slog.Logger
	poll        time.Duration
	lease       time.Duration
	sendTimeout time.Duration
	batchSize   int
	backoff     func(attempts int) time.Duration
	now         func() time.Time
	limit       *rate.Limiter // nil: none
	maxAttempts int           // 0: no limit
	render      func(ctx context.Context, m outbox.Message) (outbox.Message, error)
}

func (d *Dispatcher) settings() (*run, error) {
	if d.Store == nil || d.Sender == nil {
		return nil, errors.New("notify: a dispatcher needs a Store and a Sender")
	}
	r := &run{store: d.Store, sender: d.Sender, log: d.Logger, poll: d.PollInterval, lease: d.Lease,
		sendTimeout: d.SendTimeout, batchSize: d.Batch, backoff: d.Backoff, now: d.Now, render: d.Render}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.poll <= 0 {
		r.poll = DefaultPollInterval
	}
	if r.lease <= 0 {
		r.lease = DefaultLease
	}
	if r.sendTimeout <= 0 {
		r.sendTimeout = min(DefaultSendTimeout, r.lease/2)
	}
	if r.batchSize <= 0 {
		r.batchSize = DefaultBatch
	}
	if r.backoff == nil {
		r.backoff = ExponentialBackoff(DefaultMinBackoff, DefaultMaxBackoff)
	}
	if r.now == nil {
		r.now = time.Now
	}
	switch {
	case d.MaxAttempts == 0:
		r.maxAttempts = DefaultMaxAttempts
	case d.MaxAttempts > 0:
		r.maxAttempts = d.MaxAttempts
	}
	switch {
	case d.Rate == 0:
		r.limit = rate.NewLimiter(DefaultRate, r.batchSize)
	case d.Rate > 0:
		r.limit = rate.NewLimiter(rate.Limit(d.Rate), max(1, min(r.batchSize, int(d.Rate))))
	}
	if r.sendTimeout >= r.lease {
		return nil, fmt.Errorf("notify: the send timeout %s must be below the lease %s", r.sendTimeout, r.lease)
	}
	return r, nil
}

// Run sends due messages until ctx ends, then returns nil. A send under way
// when ctx ends is finished (within SendTimeout) and recorded; the rest of
// its batch stays leased and is due again when the lease ends. Errors of the
// store or the sender are logged and retried, never returned: only bad
// settings are.
func (d *Dispatcher) Run(ctx context.Context) error {
	r, err := d.settings()
	if err != nil {
		return err
	}
	r.loop(ctx)
	return nil
}

// Start checks the settings and runs the dispatcher in the background until
// ctx ends or Stop is called. A started dispatcher must be stopped before it
// is started again.
func (d *Dispatcher) Start(ctx context.Context) error {
	r, err := d.settings()
	if err != nil {
		return err
	}
	if err := d.life.Start(ctx, r.loop); err != nil {
		return fmt.Errorf("notify: dispatcher: %w", err)
	}
	return nil
}

// Stop ends a started dispatcher and waits for it, which takes up to
// SendTimeout when a message is being sent. It does nothing when the
// dispatcher was not started, and may be called twice or concurrently.
func (d *Dispatcher) Stop() { d.life.Stop() }

func (r *run) loop(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		wait := r.poll
		if r.batch(ctx) {
			wait = 0 // a full batch: more may be due
		}
		t.Reset(wait)
	}
}

// batch claims and sends one batch; it reports whether the claim was full.
func (r *run) batch(ctx context.Context) bool {
	ms, err := r.store.ClaimOutbox(ctx, r.now(), r.lease, r.batchSize)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("claim outbox", "err", err)
		}
		return false
	}
	for _, m := range ms {
		if r.limit != nil && r.limit.Wait(ctx) != nil {
			return false // ctx ended; the rest stays leased and comes back
		}
		if ctx.Err() != nil {
			return false
		}
		r.deliver(ctx, m)
	}
	return len(ms) == r.batchSize
}

// deliver sends m and records the outcome. Neither the send nor the record
// is cut short by ctx: cancelling a send the server may already have
// accepted would only make a repeat likelier.
func (r *run) deliver(ctx context.Context, m outbox.Message) {
	log := r.log.With("message", m.ID, "order", m.OrderID, "kind", m.Kind, "attempt", m.Attempts)
	if left := m.NextAttempt.Sub(r.now()); left < r.sendTimeout {
		// Another dispatcher may claim it before this send could end.
		log.Debug("lease too short to send; leaving the message to a later claim", "lease_left", left)
		return
	}
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.sendTimeout)
	var err error
	if r.render != nil {
		var rendered outbox.Message
		if rendered, err = r.render(sendCtx, m); err == nil {
			m = rendered
		}
	}
	if err == nil {
		err = r.sender.Send(sendCtx, m)
	}
	cancel()

	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	now := r.now()
	if err == nil {
		if err := r.store.MarkSent(markCtx, m.ID, now); err != nil {
			log.Error("message sent but not marked sent; it goes out again when its lease ends", "err", err)
			return
		}
		log.Debug("message sent")
		return
	}
	retry, why := now.Add(r.backoff(m.Attempts)), reason(err)
	if r.maxAttempts > 0 && m.Attempts >= r.maxAttempts {
		retry, why = Never, reason(fmt.Errorf("gave up after %d attempts: %w", m.Attempts, err))
		log.Error("giving up on a message", "err", err)
	} else {
		log.Warn("send message", "err", err, "retry_at", retry)
	}
	switch err := r.store.MarkFailed(markCtx, m.ID, why, retry); {
	case errors.Is(err, outbox.ErrSent):
		log.Info("message was sent by another dispatcher meanwhile")
	case err != nil:
		log.Error("mark message failed; it is due again when its lease ends", "err", err)
	}
}

// Never is when a message given up on is due again: not in any lifetime.
var Never = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// reason is err as one line the store keeps, cut to maxReason bytes.
func reason(err error) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(err.Error(), "?")), " ")
	if len(s) <= maxReason {
		return s
	}
	s = s[:maxReason]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
