// Package baseline holds the ways people build seat holding without seatmap,
// each as well-built as a competent engineer would make it, behind the same HTTP
// API subset the load tester speaks, so every speed claim is a ratio measured in
// one run:
//
//   - PG: Postgres row locking. A seats table; a hold locks its seats with
//     SELECT … FOR UPDATE SKIP LOCKED and a count guard in one transaction;
//     confirm is one transaction; pooled pgx connections; durable commits.
//   - Redis: one Lua script per all-or-nothing multi-seat hold with PX
//     deadlines; confirm by script plus a Postgres insert guarded by a unique
//     index.
//
// Neither has a live seat map: run the load tester with -watchers 0.
package baseline
