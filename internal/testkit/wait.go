package testkit

import (
	"testing"
	"time"
)

// pollEvery is how often Eventually and WaitFor look again: often enough that
// a wait costs a few milliseconds more than the effect, seldom enough that
// polling does not compete with what it waits for.
const pollEvery = 5 * time.Millisecond

// Eventually polls cond in the calling goroutine until it holds, and fails
// the test (naming what it waited for) when within passes first. Unlike
// require.Eventually it never runs cond after it returns, so cond may use t.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Within(within, cond) {
		t.Fatalf("gave up after %s waiting for %s", within, what)
	}
}

// WaitFor polls f until it returns nil, and fails the test with f's last
// error when within passes first.
func WaitFor(t testing.TB, within time.Duration, what string, f func() error) {
	t.Helper()
	var err error
	if !Within(within, func() bool { err = f(); return err == nil }) {
		t.Fatalf("gave up after %s waiting for %s: %v", within, what, err)
	}
}

// Within polls cond until it holds (true) or within passes (false), for a
// test that reports the failure itself.
func Within(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollEvery)
	}
}
