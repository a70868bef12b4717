package livebus

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/engine"
)

// cpuTime is the process's user and system CPU so far.
func cpuTime(t testing.TB) time.Duration {
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLiveLag drives 1,000 one-seat holds a second on a stadium owner
// for two seconds per iteration and measures, for every hold, the time until
// a mirror on the same Redis shows it (what a hub room on another node would
// read next): p50 and p99, frames published a second, and this process's CPU
// per hold (the owner's hold, the publisher, the receive loop and the
// mirror's apply; Redis's own CPU is not in it). One case per Publisher
// Interval, and "none": the holds and their pacing alone, without publishing,
// the CPU to subtract.
//
//	go test -run XXX -bench BenchmarkLiveLag -benchtime 1x ./livebus/
func BenchmarkLiveLag(b *testing.B) {
	const rate, seconds = 1000, 2
	for _, interval := range []time.Duration{0, time.Microsecond, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond} {
		name := fmt.Sprintf("interval=%v", interval)
		if interval == 0 {
			name = "none"
		}
		b.Run(name, func(b *testing.B) {
			if interval == 0 {
				baseline(b, rate, seconds)
				return
			}
			e := newEnv(b, envOptions{hall: stadium})
			e.pub = NewPublisher(PublisherOptions{Redis: e.rc, Prefix: e.prefix, Interval: interval, Logger: slog.New(slog.DiscardHandler)})
			e.publish(b)
			_, owner := e.owner.current()
			mirror, err := e.mirrors[0].Shard(context.Background(), "p")
			require.NoError(b, err)

			heldAt := make([]atomic.Int64, stadium.N())
			lags := make(chan time.Duration, rate*seconds*2)
			sig, unsub := mirror.Subscribe()
			defer unsub()
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				v := mirror.Version()
				var buf []engine.Change
				for {
					select {
					case <-stop:
						return
					case <-sig:
					}
					now := time.Now().UnixNano()
					var err error
					buf, v, err = mirror.Since(v, buf[:0])
					if err != nil {
						panic(err)
					}
					for _, c := range buf {
						if c.Kind == engine.StateChange && c.State == engine.Held {
							lags <- time.Duration(now - heldAt[c.Seat].Load())
						}
					}
				}
			}()

			var all []time.Duration
			var cpu time.Duration
			frames := e.mirrors[0].Stats().Frames
			seat := uint32(0)
			for b.Loop() {
				cpu0 := cpuTime(b)
				start := time.Now()
				for i := range rate * seconds {
					if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
						time.Sleep(d)
					}
					heldAt[seat].Store(time.Now().UnixNano())
					_, err := owner.Hold(engine.HoldRequest{Token: fmt.Sprint(seat), Owner: "o", Seats: []uint32{seat}, Expires: time.Now().Add(time.Hour)}, nil)
					require.NoError(b, err)
					seat++
				}
				for range rate * seconds {
					select {
					case lag := <-lags:
						all = append(all, lag)
					case <-time.After(10 * time.Second):
						b.Fatalf("only %d of %d holds reached the mirror", len(all), rate*seconds)
					}
				}
				cpu += cpuTime(b) - cpu0
			}
			close(stop)
			<-done
			slices.Sort(all)
			frames = e.mirrors[0].Stats().Frames - frames
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(frames)/float64(b.N*seconds), "frames/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(len(all)), "cpu-µs/hold")
			b.ReportMetric(0, "ns/op") // the loop's time is the schedule's, not a cost
		})
	}
}

// baseline is BenchmarkLiveLag's load without publishing.
func baseline(b *testing.B, rate, seconds int) {
	owner := engine.NewShard(engine.Config{Hall: stadium})
	var cpu time.Duration
	holds := 0
	seat := uint32(0)
	for b.Loop() {
		cpu0 := cpuTime(b)
		start := time.Now()
		for i := range rate * seconds {
			if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
				time.Sleep(d)
			}
			_, err := owner.Hold(engine.HoldRequest{Token: fmt.Sprint(seat), Owner: "o", Seats: []uint32{seat}, Expires: time.Now().Add(time.Hour)}, nil)
			require.NoError(b, err)
			seat++
			holds++
		}
		cpu += cpuTime(b) - cpu0
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(holds), "cpu-µs/hold")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkFrame is the codec's share: encoding a frame of 10 one-seat
// changes (about what 1,000 holds a second put in a 5 ms window) and
// decoding it, and applying it to a stadium mirror.
func BenchmarkFrame(b *testing.B) {
	f := frame{perf: "0b9c0d59-6e5e-4f7e-9a8e-3d1f2b7c4a10", token: 12, from: 1000, to: 1010}
	for i := range 10 {
		f.changes = append(f.changes, engine.Change{Seat: uint32(70_000 + 37*i), State: engine.Held})
	}
	var buf []byte
	var got frame
	m := engine.NewMirror(engine.Config{Hall: stadium})
	b.ReportAllocs()
	for b.Loop() {
		buf = appendFrame(buf[:0], &f)
		if err := parseFrame(buf, &got); err != nil {
			b.Fatal(err)
		}
		for i := range got.changes {
			got.changes[i].State ^= 1 // held, then free, then held...
		}
		f.changes, got.changes = got.changes, f.changes
		if _, err := m.ApplyChanges(f.changes); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(buf)), "bytes/frame")
}

// BenchmarkSnapshot is what a fetch costs the owner and the mirror for a
// stadium: read, encode, decode.
func BenchmarkSnapshot(b *testing.B) {
	shard := engine.NewShard(engine.Config{Hall: stadium})
	for seat := uint32(0); seat < uint32(stadium.N()); seat += 3 {
		_, _, _ = shard.MarkSold([]uint32{seat})
	}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		data, err := SnapshotOf(1, shard).MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		var s Snapshot
		if err := s.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "bytes")
}
