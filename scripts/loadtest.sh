#!/usr/bin/env bash
# A stadium surge against seatd on its embedded default: builds both binaries,
# starts seatd on a fresh data directory with rate limits off (the load comes
# from one address), runs the load tester with the audit on, and stops seatd.
# Extra arguments go to the load tester, e.g. `make loadtest ARGS="-buyers 50000"`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${LOADTEST_OUT:-reports}
mkdir -p "$out" bin
go build -o bin/seatd ./cmd/seatd
go build -o bin/loadtest ./cmd/loadtest
data=$(mktemp -d)
token="loadtest-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
addr=127.0.0.1:18181
SEATD_ADMIN_TOKEN=$token bin/seatd -addr $addr -data "$data" -rate-limit=false -demo=false -log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 50); do curl -sf http://$addr/readyz >/dev/null && break; sleep 0.2; done
bin/loadtest -target http://$addr -token "$token" -preset ${PRESET:-stadium} -json "$out/loadtest.json" -html "$out/loadtest.html" ${ARGS:-}
echo "reports: $out/loadtest.json $out/loadtest.html"
