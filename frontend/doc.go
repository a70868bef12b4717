// Package frontend is the browser app. Buyers get the repertoire, the live seat
// map drawn on a canvas, holds with a countdown, checkout and the order
// confirmation. Staff sign in (#/login) to the performances list, the organizer's
// painter (price zones, quotas and blocks dragged onto the live map, templates,
// start/stop sales, counts) and the box office desk (every hold, extensions,
// cancellations, reservations, counter sales, search).
//
// The app is plain ES modules, one stylesheet and index.html under static/,
// embedded into the binary with go:embed. There is no build step: a fresh clone
// serves a working UI through `go run`, and npm is never needed. Routing happens in
// the URL fragment (#/p/{id}), so the server serves only index.html and the files
// beside it; it needs no fallback route.
//
// Every API path is built in static/paths.js, with ids, tokens and codes
// escaped; a test keeps the other modules from writing one by hand. The buyer
// page and the staff maps keep their seat data current through one live-map
// client, static/live.js: snapshots, deltas, version gaps and resyncs are
// handled there and nowhere else.
//
// The package imports nothing in Go beyond embed and io/fs: it holds files, not
// logic. The server decides how to serve them (api.Config.Static).
package frontend
