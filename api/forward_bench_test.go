package api_test

import (
	"bytes"
	"io"
	"net/http"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seatmap/seatmap/api"
	"github.com/seatmap/seatmap/hall"
)

// holdBench is a stadium on sale on node A and a way to hold its seats one
// by one as staff (no per-buyer caps), directly on A or through B.
type holdBench struct {
	a, b   *testEnv
	seats  []string
	client *http.Client

	mu   sync.Mutex
	perf string
	next int
}

func newHoldBench(b *testing.B, http1 bool) *holdBench {
	hb := &holdBench{}
	for _, s := range hall.MustCompile(hall.Stadium()).Seats {
		hb.seats = append(hb.seats, s.ID)
	}
	hb.a = newEnv(b, production, func(o *envOptions) {
		o.cluster = &fakeCluster{id: "node-a", secret: clusterSecret, self: true}
	})
	hb.b = newEnv(b, production, func(o *envOptions) {
		o.share, o.cluster = hb.a, &fakeCluster{id: "node-b", secret: clusterSecret, owner: hb.a.url}
		if http1 {
			o.config = api.ForwardOverHTTP1
		}
	})
	tr := hb.a.transport.Clone()
	tr.MaxIdleConnsPerHost = 128
	b.Cleanup(tr.CloseIdleConnections)
	hb.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	hb.perf = hb.a.performance(hall.Stadium(), true).ID
	return hb
}

// seat is the next free seat, on a new stadium when one is sold out.
func (hb *holdBench) seat(b *testing.B) (perf, seat string) {
	hb.mu.Lock()
	defer hb.mu.Unlock()
	if hb.next == len(hb.seats) {
		hb.perf, hb.next = hb.a.performance(hall.Stadium(), true).ID, 0
	}
	hb.next++
	return hb.perf, hb.seats[hb.next-1]
}

// hold holds the next seat; a failure is reported with b.Error (it may run
// on RunParallel's goroutines).
func (hb *holdBench) hold(b *testing.B, on *testEnv) {
	perf, seat := hb.seat(b)
	req, err := http.NewRequest("POST", on.url+"/api/v1/performances/"+perf+"/holds", bytes.NewReader([]byte(`{"seats":["`+seat+`"]}`)))
	if err != nil {
		b.Error(err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+hb.a.admin)
	resp, err := hb.client.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b.Errorf("hold %s: %d", seat, resp.StatusCode)
	}
}

var holdCases = []struct {
	name    string
	http1   bool
	forward bool
}{{"direct", false, false}, {"forwarded-h2c", false, true}, {"forwarded-http1", true, true}}

// BenchmarkForwardHold is one staff hold at a time: directly on the owner,
// and through another node (HTTP/2 to the owner, and HTTP/1.1 for
// comparison). Allocations are the whole process's: client, both nodes.
func BenchmarkForwardHold(b *testing.B) {
	for _, bc := range holdCases {
		hb := newHoldBench(b, bc.http1)
		b.Run(bc.name, func(b *testing.B) {
			on := hb.a
			if bc.forward {
				on = hb.b
			}
			hb.hold(b, on) // warm: connections, the shard
			b.ReportAllocs()
			cpu := processCPU(b)
			for b.Loop() {
				hb.hold(b, on)
			}
			reportCPU(b, cpu)
		})
	}
}

// BenchmarkForwardHoldParallel is 64 clients holding at once: the holds a
// second, and how many connections the forwarding node opened to the owner
// (peer-conns: one, multiplexed, over HTTP/2).
func BenchmarkForwardHoldParallel(b *testing.B) {
	for _, bc := range holdCases {
		hb := newHoldBench(b, bc.http1)
		b.Run(bc.name, func(b *testing.B) {
			on := hb.a
			if bc.forward {
				on = hb.b
			}
			hb.hold(b, on)
			b.ReportAllocs()
			b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			start, cpu := time.Now(), processCPU(b)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					hb.hold(b, on)
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "holds/s")
			reportCPU(b, cpu)
			if bc.forward {
				b.ReportMetric(float64(api.PeerConnections(hb.b.srv)), "peer-conns")
			}
		})
	}
}

// processCPU is the CPU time this process (client and both nodes; not
// Postgres or Redis) has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process's CPU time per operation since since: what
// a hold costs seatd's processes, a forwarded one both nodes, wherever the
// machine's other work makes the wall clock wander.
func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64(processCPU(b)-since)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}
