package postgres

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkNumberTickets times one round of the numberer: the tickets of 500
// queued orders (2–4 seats each, as a surge's) numbered in one transaction,
// on a performance that already holds the numbers of the rounds before.
// go test -run '^$' -bench BenchmarkNumberTickets -benchtime 20x ./store/postgres/
func BenchmarkNumberTickets(b *testing.B) {
	ctx := context.Background()
	s := open(b, "")
	const perRound = 500
	performance(b, s, "p", benchSeats)
	next := 0
	tickets := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for range perRound {
			i := next % benchPerfOrders
			next++
			first := uint32(i) * benchSlot
			seats := []uint32{first, first + 1, first + 2, first + 3}[:2+i%3]
			if _, err := s.CreateOrder(ctx, newOrder(fmt.Sprint("o", next), "p", seats...)); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		n, err := s.NumberTickets(ctx, perRound)
		if err != nil {
			b.Fatal(err)
		}
		tickets += n
	}
	b.ReportMetric(float64(tickets)/b.Elapsed().Seconds(), "tickets/s")
	b.ReportMetric(float64(tickets)/float64(b.N), "tickets/round")
}
