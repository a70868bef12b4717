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
// # Weight on a phone
//
// A buyer's page loads only buyer modules: app.js imports staff.js (and with
// it the desk, painter, orders, vouchers, reports and staff map, most of the
// app's bytes) with import() on the first staff route, and index.html
// preloads the buyer modules (and the currency list format.js waits for) so
// that they come in one round trip rather than import by import. The seat
// map comes in the packed form (api/openapi.yaml, PackedSeatmap; expanded by
// seatdata.js unpack) and the live socket's snapshots gzipped (live.js).
//
// Caching: the server (api/static.go) reads every file once at start, hashes
// it and gzips it, and serves it with its content hash as ETag and
// Cache-Control: no-cache, so a visit revalidates each file and gets 304s
// without bodies. Not fingerprinted URLs with immutable: with no build step,
// the modules import each other by plain names ('./dom.js'), and
// fingerprinting them would mean rewriting every import at start or an
// inline import map, which the Content-Security-Policy (script-src 'self')
// forbids without a hash. Revalidation meets issue 12's target of a repeat
// visit under 50 KB: 15 files answer 304 in a few hundred bytes each, and the
// packed seat map, validated by an ETag of its bytes, is a 304 too while no
// seat has changed (TestPhoneWeight in cmd/seatd measures it). What it costs
// is requests, not bytes: the preloads send them together.
//
// The package imports nothing in Go beyond embed and io/fs: it holds files, not
// logic. The server decides how to serve them (api.Config.Static).
package frontend
