//go:build unix

package main

import "syscall"

// raiseFileLimit lifts the soft limit on open files to the hard limit (Go's
// runtime does so too on some systems; doing it here makes it so on all) and
// returns the limit in force.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	if l.Cur < l.Max {
		want := l
		want.Cur = want.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err == nil {
			l = want
		}
	}
	return uint64(l.Cur), nil
}
