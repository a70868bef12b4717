// Package realtime streams live seat maps over WebSockets: one room per
// performance with watchers, a snapshot on join, then coalesced, versioned deltas
// read from the engine's change log. A watcher that cannot keep up is closed with
// a documented code; it never slows a hold or another watcher.
//
// realtime imports engine and coder/websocket; never the store or HTTP routers.
package realtime
