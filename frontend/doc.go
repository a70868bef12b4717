// Package frontend is the browser app. Buyers get the repertoire, the live seat
// map drawn on a canvas, holds with a countdown, checkout and the order
// confirmation; with a payment provider, the payment step (static/pay.js: the
// test provider's approve and decline, or Stripe's Payment Element loaded on
// demand) in the hold panel and on the order page. Staff sign in (#/login) to
// the performances list, the organizer's painter (price zones, quotas and
// blocks dragged onto the live map, templates, start/stop sales, counts) and
// the box office desk (every hold, extensions, cancellations, reservations,
// counter sales, search).
//
// The app is plain ES modules, one stylesheet and index.html under static/,
// embedded into the binary with go:embed. There is no build step for anyone
// who clones the repository: seatd bundles the modules at start (build.go,
// esbuild as a Go library, some 60 ms) and serves the bundle. Routing happens
// in the URL fragment (#/p/{id}), so the server serves only index.html and the
// files it names; it needs no fallback route.
//
// Every API path is built in static/paths.js, with ids, tokens and codes
// escaped; a test keeps the other modules from writing one by hand. The buyer
// page and the staff maps keep their seat data current through one live-map
// client, static/live.js: snapshots, deltas, version gaps and resyncs are
// handled there and nowhere else.
//
// # Weight on a phone
//
// What a phone fetches and when, measured by TestPhoneWeight in cmd/seatd
// (BENCHMARKS.md, issue 12):
//
//   - Few requests. HTTP/1.1 gives a page six connections; fifteen modules
//     took three round trips. Build bundles them into the entry
//     (assets/app-<hash>.js) and the chunks it imports, which index.html
//     preloads; staff.js and what only it imports (desk, painter, orders,
//     vouchers, reports, staff map, session, catalog, halls: most of the
//     app's bytes) come in a chunk that only import() on a staff route loads.
//   - Data first. early.js, loaded async on its own and imported by app.js
//     (it runs once, whichever arrives first), asks for the performance and
//     its packed seat map the moment it runs; api.get takes those answers
//     (prefetch.js). The venue's time zone and the currencies' decimals come
//     written into index.html (the boot element, filled by api/static.go):
//     no request and no wait before a page renders.
//   - Caching. Everything under assets/ is named by its content and kept a
//     year (Cache-Control: immutable); index.html is revalidated by its
//     ETag on every visit, so a new release is picked up at once. A repeat
//     visit costs index.html's 304 and the page's data.
//   - First frame. firstdraw.js, written into index.html as a classic
//     script after the boot data (with the seat data, the painting code and
//     the page's frame bundled in: some 10 KB of the page gzipped), puts the
//     page's frame in once it is parsed and draws a small hall's map as soon
//     as its data has arrived, at the size the layout gives the map's box
//     (read in a ResizeObserver: no layout forced). app.js, the entry, loads
//     the rest of the app (main.js, preloaded: fetched and compiled
//     meanwhile) only once that frame is drawn, and the seat-map page takes
//     the frame over: the same elements, the map painted again by the same
//     code, so nothing moves. On a phone this saves the app's evaluation and
//     the page's building, some 300 ms of CPU, before the map shows.
//   - Work. The seat map arrives packed (api/openapi.yaml, PackedSeatmap;
//     expanded by seatdata.js into typed arrays, seat ids and numbers made
//     only when first asked for) and the live socket's snapshots gzipped.
//
// The package holds the files and builds them (Build); the server decides how
// to serve them (api.Config.Static).
package frontend
