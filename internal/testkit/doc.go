// Package testkit is what seatmap's tests share instead of a copy per
// package: waiting for an asynchronous effect by polling with a deadline
// (Eventually, WaitFor), a settable clock (Clock) or one that runs with the
// wall clock from where the test puts it (Skewed) for whatever takes a
// func() time.Time, an address nothing listens on (FreeAddr), and the
// contract every start/stop part keeps (StartStop). For tests only; it
// imports nothing of seatmap but internal/startstop.
package testkit
