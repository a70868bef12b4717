package main

import (
	"net/http"
	"net/http/pprof"
	"runtime"
)

// pprofMux serves the Go profiles. Turning it on also samples contention (one
// in 100 mutex waits; about one blocking event per millisecond spent blocked),
// so /debug/pprof/mutex and /debug/pprof/block show where requests wait rather
// than where they run. Sampled sparsely: at one event per 10 µs the
// bookkeeping showed up in the very CPU profiles it sat beside.
func pprofMux() *http.ServeMux {
	runtime.SetMutexProfileFraction(100)
	runtime.SetBlockProfileRate(1_000_000)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
