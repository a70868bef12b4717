package loadtest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestResultAndComparison(t *testing.T) {
	start := time.Now()
	rec := NewRecorder(start)
	for i := range 10 {
		at := start.Add(time.Duration(i) * 100 * time.Millisecond)
		rec.Op(OpHold+" ok", at, time.Duration(i+1)*time.Millisecond)
		rec.Held(at, 2)
	}
	rec.Ordered(start.Add(time.Second))
	rec.Failed(OpConfirm, &Problem{Status: 0, Type: "network", Detail: "read: connection reset by peer"})
	rec.Failed(OpConfirm, &Problem{Status: 0, Type: "network", Detail: "second"})
	rec.Failed(OpConfirm, &Problem{Status: 503, Type: "unavailable", Detail: "postgres is down"})
	rec.SoldOutAfter(500 * time.Millisecond) // 5 holds (10 seats) came before it: at 0..400 ms and 500 ms
	res := rec.Result(2 * time.Second)
	require.Equal(t, 10, res.Holds)
	require.Equal(t, 20, res.SeatsHeld)
	require.InDelta(t, 5, res.HoldsPerS, 1e-9)
	require.InDelta(t, 0.5, res.SellOutS, 1e-9)
	require.InDelta(t, 24, res.SellOutSeatsPerS, 1e-9) // 12 seats by 0.5 s
	require.True(t, res.SoldOut)
	require.Equal(t, 10.0, res.HoldLatencyMs.Max)
	require.Equal(t, map[string]int{"confirm network": 2, "confirm 503": 1}, res.Errors)
	require.Contains(t, res.ErrorExamples["confirm network"], "connection reset by peer", "the first one is the example")
	var table bytes.Buffer
	WriteTable(&table, res)
	require.Contains(t, table.String(), "e.g. 0 network: read: connection reset by peer")

	slow := res
	slow.HoldsPerS, slow.SeatsHeldPerS, slow.OrdersPerS, slow.SellOutS = 1, 4, 0.25, 0
	var out bytes.Buffer
	WriteComparison(&out, []Named{{Name: "fast", Result: res}, {Name: "slow", Result: slow}})
	text := out.String()
	require.Contains(t, text, "0.50 s")
	require.Contains(t, text, "never")
	require.Contains(t, text, "fast vs slow: seats held/s 2.5×, holds/s 5.0×, orders/s 2.0×; seats held/s while seats were left 6.0×") // 24 to sell-out against 4
	require.Equal(t, 4, strings.Count(text, "\n"), text)
}
