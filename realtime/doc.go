// Package realtime streams live seat maps over WebSockets: one room per
// performance with sockets, a snapshot on join, then coalesced, versioned
// deltas read from the engine's change log. A client that cannot keep up is
// closed with a documented code; it never slows a hold or another client.
//
// realtime imports engine, coder/websocket and internal/startstop (the Hub's
// Start and Stop); never the store, seating, the HTTP router or a metrics
// library (counters are methods and Options hooks).
//
// # Shape
//
// Hub (hub.go) keeps rooms in 64 registries split by performance id. A room is
// made by the first socket of a performance and ends with the last, cancelling
// its engine subscription. Its goroutine waits for the shard's signal, then
// reads Since(version) at most once per Interval, sorts the changes into one
// frame, encodes it once, and hands the same []byte to every client's queue
// without blocking. Each client (client.go, writer.go) has one writer
// goroutine draining a bounded queue, each write bounded by WriteTimeout, and
// a reader goroutine for resync requests and pongs. Frames are in frames.go,
// close codes in closecodes.go.
//
// Every frame is one write per socket, and on loopback a write costs the
// server about 12 µs of CPU (the kernel delivers it on the writer's time), so
// a room paces itself to Options.FrameRate writes a second in all: a room of
// more than FrameRate×Interval sockets widens its window to
// sockets/FrameRate (10,000 sockets at the default 50,000: a frame every
// 200 ms). The frames get bigger, not more numerous.
//
// # Joining without gaps
//
// A room keeps its own picture of every seat at the version its clients have
// (the snapshot it loaded, moved forward by each delta it sends). A joiner is
// registered and handed that picture's snapshot under the room's lock, and
// every frame the room sends starts at that version, so a client registered at
// version V gets every change after V exactly once. Joiners never read the
// shard (holds are not held up by a surge of them), and the encoded snapshot
// is reused until the room's version moves, so thousands of joiners cost one
// encoding per Interval, not one each. When the shard's log no longer reaches
// back to the room's version (engine.ErrGap) the room reloads the picture and
// sends everyone a snapshot.
//
// # Slow clients
//
// A client whose queue is full when a frame comes, or whose write or ping
// takes longer than WriteTimeout, is closed with CloseSlow (4008). Holds never
// wait on clients: the engine's signal does not block and neither do sends to
// queues. The close code reaches a slow client only once it reads what is
// ahead of it; one that never reads sees the connection drop.
//
// # Compression
//
// Sockets use permessage-deflate without context takeover. BenchmarkSnapshotWrite
// sends a mid-sale 80,000-seat stadium snapshot (293 KB of JSON) over a real
// socket; per write, on a shared 2-core machine: no compression puts 293 KB on
// the wire in about 0.2 ms; no context takeover 13.8 KB in about 0.8 to 1.4 ms;
// context takeover the same 13.8 KB in the same time (a 32 KB window does not
// help a 293 KB message), but every socket keeps its deflate writer for life:
// 1.27 MB per socket pair against 0.08 MB without takeover. So no context
// takeover: a twentieth of the bytes for about 1 ms of CPU per snapshot, and
// no per-socket cost at rest. Frames under 64 KB go uncompressed: that is
// every delta but the most extreme (a delta is shared by every socket of the
// room, and compressing it once per socket would cost more than all the holds
// behind it; see compressThreshold), while snapshots are compressed.
// coder/websocket compresses per socket and offers no prepared messages, so
// a snapshot shared by many joiners would be encoded once but compressed once
// for each. Clients that open with ?snapshot=gzip (the browser app does) get
// it gzipped by the room instead, once per version, as a binary message:
// BenchmarkSnapshotWrite/gzip-once puts the same 13.8 KB on the wire for
// about a tenth of the per-socket write time (0.09-0.22 ms against 1.1 ms),
// the room paying one gzip of a few ms per version. Such a snapshot is under
// compressThreshold, so the socket does not deflate it again.
//
// # Locks
//
// Hub.mu (shared by ServeWS and Start, exclusive only in shutdown), then a
// hubShard's mu, then a room's mu, then the engine shard's own lock (the room
// reads the shard while holding its mu; the engine never calls back). The
// hub's startstop.Runner is never called with Hub.mu held. A client has no
// lock: its close reason is set once through a sync.Once.
package realtime
