// Package loadtest drives a running seatd — or a baseline built the textbook way
// — through its real HTTP API and WebSockets, never through Go calls into the
// engine: a surge of buyers arriving on a curve, or a recorded trace replayed.
// It measures throughput, latencies and live-map lag, and ends every run with an
// audit of the store that fails the run on any double sale. Its buyers may pay
// through seatd's built-in test provider (Options.Pay): approve, decline or
// abandon; the audit then also checks payments against orders.
//
// loadtest imports only the standard library, coder/websocket and progressbar;
// it speaks the API as any client would.
package loadtest
