package api

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit is a token bucket per key. Zero fields take the defaults; a negative
// PerSecond switches the limit off (load tests from one machine measure the
// engine, not the limiter, and report that limits were off).
type RateLimit struct {
	SessionPerSecond float64 // holds per second per buyer session; default 2
	SessionBurst     int     // default 5
	AddressPerSecond float64 // holds per second per client address; default 50
	AddressBurst     int     // default 100
}

// now is the server's clock (Config.Now): what every rate limit and staff
// session is judged by, so that tests move one clock instead of sleeping.
func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// maxLimiterKeys bounds the memory of the limiter under a flood of new keys.
const maxLimiterKeys = 200_000

type holdLimiter struct {
	cfg       RateLimit
	sessions  *keyedLimiter
	addresses *keyedLimiter
}

func newHoldLimiter(cfg RateLimit) *holdLimiter {
	if cfg.SessionPerSecond == 0 {
		cfg.SessionPerSecond = 2
	}
	if cfg.SessionBurst <= 0 {
		cfg.SessionBurst = 5
	}
	if cfg.AddressPerSecond == 0 {
		cfg.AddressPerSecond = 50
	}
	if cfg.AddressBurst <= 0 {
		cfg.AddressBurst = 100
	}
	return &holdLimiter{
		cfg:       cfg,
		sessions:  newKeyedLimiter(cfg.SessionPerSecond, cfg.SessionBurst),
		addresses: newKeyedLimiter(cfg.AddressPerSecond, cfg.AddressBurst),
	}
}

// allow takes a token for the session and the address; the answer is how long to
// wait when refused.
func (l *holdLimiter) allow(session, address string, now time.Time) (bool, time.Duration) {
	if ok, wait := l.addresses.allow(address, now); !ok {
		return false, wait
	}
	return l.sessions.allow(session, now)
}

type keyedLimiter struct {
	limit rate.Limit
	burst int
	off   bool

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newKeyedLimiter(perSecond float64, burst int) *keyedLimiter {
	return &keyedLimiter{limit: rate.Limit(perSecond), burst: burst, off: perSecond < 0, buckets: map[string]*bucket{}}
}

func (k *keyedLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	if k.off {
		return true, 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.sweep) > time.Minute || len(k.buckets) >= maxLimiterKeys {
		k.forget(now)
	}
	b := k.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(k.limit, k.burst)}
		k.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// forget drops buckets idle long enough to be full again; when that is not
// enough, the oldest go too.
func (k *keyedLimiter) forget(now time.Time) {
	k.sweep = now
	idle := time.Duration(float64(k.burst)/float64(k.limit)*float64(time.Second)) + time.Second
	for key, b := range k.buckets {
		if now.Sub(b.seen) > idle {
			delete(k.buckets, key)
		}
	}
	if len(k.buckets) >= maxLimiterKeys {
		clear(k.buckets)
	}
}

// limited is the 429 answer to a request a limiter refused: detail says what
// was refused, with a %d for the seconds until a token is free again.
func limited(title, detail string, wait time.Duration) *Problem {
	secs := int(wait/time.Second) + 1
	p := problem(http.StatusTooManyRequests, "rate-limited", title, fmt.Sprintf(detail, secs))
	p.RetryAfter = secs
	return p
}
