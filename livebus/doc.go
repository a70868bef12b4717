// Package livebus carries live seat maps across seatd nodes (issue 18): the
// node that owns a performance publishes its shard's changes to Redis, and
// every node serves its WebSockets from a mirror shard fed by them, so that a
// hub room never cares who owns its performance or when ownership moves.
//
// livebus imports engine, hall, internal/startstop and go-redis (a
// redis.UniversalClient: one Redis or a Redis Cluster); never the store,
// seating, api or realtime (Mirrors satisfies realtime.Shards by shape).
//
// # Publisher
//
// Publisher.Publish runs one goroutine per owned performance: it waits for
// the shard's signal, reads Since(last), and PUBLISHes one binary frame
// {perf, token, from, to, changes} (frame.go) to <prefix>live:{<perf>}, at
// most one per Interval (DefaultInterval 5 ms). token is the owner's fencing
// token. It never drops changes: a failed PUBLISH is retried with what has
// piled up since, and when the shard's change log no longer reaches back
// (engine.ErrGap) it publishes a reset, which makes mirrors fetch a snapshot.
// It starts with a reset too, so a new owner's mirrors switch to it at once,
// and after Beat (1 s) without a change it publishes a beat, its token and
// version and no changes: a mirror whose picture is behind it lost a frame.
//
// # Mirrors
//
// Mirrors keeps an engine mirror shard (engine.NewMirror) per performance
// some hub asked for, all on one Redis subscription connection (channels
// added and removed as mirrors come and go). A mirror is made on first ask:
// SUBSCRIBE and wait for Redis to confirm it, fetch a snapshot from the owner
// (Options.Fetch, FetchHTTP over Handler), then apply the frames that arrived
// meanwhile. Pub/sub delivers at most once, so every frame is checked against
// the owner's (token, version) the picture is at:
//
//   - same token, from ≤ at < to: applied as one mirror version (frames are
//     absolute, so one that overlaps the picture applies whole);
//   - to ≤ at: already in the picture, ignored;
//   - a token older than any seen: an owner that lost its lease, ignored;
//   - a gap (from > at; a beat is a frame from the owner's version to
//     itself), a reset, or a newer token (failover: the new owner's versions
//     start over): fetch a snapshot, buffering frames meanwhile.
//
// A snapshot that differs from the picture in few seats (at most one in
// eight) is applied as ordinary changes, so hub rooms send a delta; a bigger
// one resets the mirror's seats (engine ResetStates), which rooms see as
// engine.ErrGap and answer by sending every client a snapshot. Either way the
// mirror's own version only grows. Beats keep a quiet mirror sure of its
// picture for one PUBLISH a second per performance, not a fetch per node; a
// mirror with subscribers that heard nothing at all for Options.Check (2 s:
// its line to Redis was down, or the owner is gone) fetches a snapshot to
// compare. A mirror without subscribers for Options.Idle (1 min) is dropped
// and unsubscribed.
//
// # Redis Cluster
//
// Frames go by classic PUBLISH/SUBSCRIBE: a node keeps one subscription
// connection to any cluster node, and the cluster bus brings it every
// PUBLISH. The Publisher sends a performance's frames to the master of its
// channel's slot (not to any node), so they leave through one node and
// arrive in order. Sharded pub/sub (SPUBLISH/SSUBSCRIBE) would spare the
// cluster bus its broadcast but needs a subscription connection per master,
// re-subscribed on every slot move; at a frame per 5 ms per performance on
// sale the broadcast is small.
//
// # Locks
//
// Mirrors.subMu → Mirrors.mu → mirror.mu → the engine shard's lock. Nothing
// blocks under mirror.mu but the shard's own lock (applying a frame or a
// snapshot); fetches run in goroutines of their own.
package livebus
