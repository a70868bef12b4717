#!/usr/bin/env bash
# A surge against a fresh seatd: builds both binaries, starts seatd with rate
# limits off (the load comes from one address), runs the load tester with the
# audit on, and stops seatd.
#   make loadtest                         stadium, embedded default (SQLite, in-process leases)
#   make loadtest MODE=production         the same on Postgres + Redis (a schema and key prefix of its own)
#   make loadtest PRESET=arena ARGS="-watchers 10000 -concurrency 64"
# SEATD_ARGS go to seatd (e.g. "-live-frame-rate 20000").
set -euo pipefail
cd "$(dirname "$0")/.."
out=${LOADTEST_OUT:-reports}
mkdir -p "$out" bin
go build -o bin/seatd ./cmd/seatd
go build -o bin/loadtest ./cmd/loadtest
data=$(mktemp -d)
token="loadtest-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
addr=127.0.0.1:18181
pg=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
redis=${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}
run=lt$(date +%s)
env=()
case ${MODE:-embedded} in
embedded) ;;
production)
	scripts/deps.sh
	psql "$pg" -qc "CREATE SCHEMA ${run}_seatd" >/dev/null
	env=(DATABASE_URL="$pg&search_path=${run}_seatd" REDIS_URL="$redis" SEATD_REDIS_PREFIX="$run:")
	;;
*) echo "MODE is embedded or production" >&2; exit 2 ;;
esac
env "${env[@]}" SEATD_ADMIN_TOKEN=$token bin/seatd -addr $addr -data "$data" -rate-limit=false -demo=false -log-level warn ${SEATD_ARGS:-} &
pid=$!
cleanup() {
	kill $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	rm -rf "$data"
	if [ "${MODE:-embedded}" = production ]; then
		psql "$pg" -qc "DROP SCHEMA IF EXISTS ${run}_seatd CASCADE" >/dev/null 2>&1 || true
		redis-cli -u "$redis" --scan --pattern "$run:*" | xargs -r redis-cli -u "$redis" del >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf http://$addr/readyz >/dev/null && break; sleep 0.2; done
bin/loadtest -target http://$addr -token "$token" -preset ${PRESET:-stadium} -json "$out/loadtest.json" -html "$out/loadtest.html" ${ARGS:-}
echo "reports: $out/loadtest.json $out/loadtest.html"
