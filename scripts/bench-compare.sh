#!/usr/bin/env bash
# Side by side on one machine, in one run: seatd on Postgres + Redis against the
# two textbook designs (Postgres row locks; Redis Lua scripts + a Postgres
# insert), the same preset, seed and load. Prints the ratios.
# PRESET (default stadium: the one hot performance of issue 4), DURATION (default
# 30s: a target that cannot serve every buyer is cut off 30 s after it), ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
out=${LOADTEST_OUT:-reports}
mkdir -p "$out" bin
go build -o bin/seatd ./cmd/seatd
go build -o bin/baseline ./cmd/baseline
go build -o bin/loadtest ./cmd/loadtest
pg=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
redis=${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}
run=bc$(date +%s)
token="compare-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for s in seatd pg redis; do psql "$pg" -qc "DROP SCHEMA IF EXISTS ${run}_$s CASCADE" >/dev/null 2>&1 || true; done
	redis-cli -u "$redis" --scan --pattern "$run:*" | xargs -r redis-cli -u "$redis" del >/dev/null 2>&1 || true
}
trap cleanup EXIT
for s in seatd pg redis; do psql "$pg" -qc "CREATE SCHEMA ${run}_$s" >/dev/null; done
SEATD_ADMIN_TOKEN=$token DATABASE_URL="$pg&search_path=${run}_seatd" REDIS_URL=$redis SEATD_REDIS_PREFIX="$run:seatd:" \
	bin/seatd -addr 127.0.0.1:18281 -rate-limit=false -demo=false -log-level warn -payment none & pids+=($!)
bin/baseline -kind pg -addr 127.0.0.1:18282 -database-url "$pg&search_path=${run}_pg" -token "$token" 2>/dev/null & pids+=($!)
bin/baseline -kind redis -addr 127.0.0.1:18283 -database-url "$pg&search_path=${run}_redis" -redis-url "$redis" -redis-prefix "$run:redis:" -token "$token" 2>/dev/null & pids+=($!)
for port in 18281 18282 18283; do
	for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.2; done
done
for name in seatd:18281 pg:18282 redis:18283; do
	echo "== ${name%%:*}"
	bin/loadtest -target "http://127.0.0.1:${name##*:}" -token "$token" -preset "${PRESET:-stadium}" -watchers 0 -quiet \
		-duration ${DURATION:-30s} -json "$out/compare-${name%%:*}.json" ${ARGS:-} > "$out/compare-${name%%:*}.txt"
	head -9 "$out/compare-${name%%:*}.txt" # the totals; the latency table follows in the file
done
echo
bin/loadtest -compare "seatd=$out/compare-seatd.json,postgres-row-locks=$out/compare-pg.json,redis-lua=$out/compare-redis.json"
