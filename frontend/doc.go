// Package frontend is the buyer's browser app: the repertoire, the live seat map
// drawn on a canvas, holds with a countdown, checkout and the order confirmation.
//
// The app is plain ES modules, one stylesheet and index.html under static/,
// embedded into the binary with go:embed. There is no build step: a fresh clone
// serves a working UI through `go run`, and npm is never needed. Routing happens in
// the URL fragment (#/p/{id}), so the server serves only index.html and the files
// beside it; it needs no fallback route.
//
// The package imports nothing in Go beyond embed and io/fs: it holds files, not
// logic. The server decides how to serve them (api.Config.Static).
package frontend
