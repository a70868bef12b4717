package engine

import (
	"syscall"
	"time"
)

// timeNow reads the wall clock with gettimeofday, which Go runs through the
// vDSO on linux/amd64: one call of about 25 ns instead of time.Now's two.
// Microseconds are finer than any deadline a hold has.
func timeNow() int64 {
	var tv syscall.Timeval
	if err := syscall.Gettimeofday(&tv); err != nil {
		return time.Now().UnixNano()
	}
	return tv.Nano()
}
