#!/usr/bin/env bash
# A surge against a fresh seatd: builds both binaries, starts seatd with rate
# limits off (the load comes from one address), runs the load tester with the
# audit on, and stops seatd.
#   make loadtest                         stadium, embedded default (SQLite, in-process leases)
#   make loadtest MODE=production         the same on Postgres + Redis (a schema and key prefix of its own)
#   make loadtest PRESET=arena ARGS="-watchers 10000 -concurrency 64"
#   make loadtest MODE=production PRESET=arena ARGS="-reschedule"   then move the sold performance to a replacement date under load (issue 16)
# The load tester's buyers confirm and are done: seatd runs -payment none (SEATD_ARGS
# may say otherwise). With PAY=test seatd runs -payment test with a payment window of
# PAY_WINDOW (default 20s) and the buyers pay through its test provider (-pay test:
# most approve, ARGS="-decline 0.05 -abandon 0.05" set the rest), and the audit
# checks payments against orders:
#   make loadtest PAY=test ARGS="-abandon 0.05"
# SEATD_ARGS go to seatd (e.g. "-live-frame-rate 20000"). The run ends with the
# CPU seconds seatd, the load generator, Postgres and Redis used during it.
# MODE=cluster runs three seatd nodes (issue 18) on Postgres + Redis, the
# buyers and watchers spread over them; KILL=1 kills the performance's owner
# (kill -9) when half the buyers are done and reports the failover:
#   make loadtest MODE=cluster PRESET=arena ARGS="-watchers 10000 -concurrency 64"
#   make loadtest MODE=cluster PRESET=theatre KILL=1
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
cluster)
	scripts/deps.sh
	psql "$pg" -qc "CREATE SCHEMA ${run}_seatd" >/dev/null
	env=(DATABASE_URL="$pg&search_path=${run}_seatd" REDIS_URL="$redis" SEATD_REDIS_PREFIX="$run:"
		SEATD_CLUSTER_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')")
	;;
*) echo "MODE is embedded, production or cluster" >&2; exit 2 ;;
esac
payment=(-payment none) pay=()
case ${PAY:-none} in
none) ;;
test) payment=(-payment test -payment-window "${PAY_WINDOW:-20s}") pay=(-pay test) ;;
*) echo "PAY is none or test" >&2; exit 2 ;;
esac
pids=() target=http://$addr kill=()
if [ "${MODE:-embedded}" = cluster ]; then
	# Three nodes; each writes its pid where -kill-owner finds it.
	target=""
	for n in 1 2 3; do
		a=127.0.0.1:$((18180 + n))
		mkdir -p "$data/n$n"
		env "${env[@]}" SEATD_ADMIN_TOKEN=$token SEATD_NODE_ID=n$n bin/seatd -addr $a -data "$data/n$n" -rate-limit=false -demo=false -log-level warn "${payment[@]}" ${SEATD_ARGS:-} &
		pids+=($!)
		echo $! >"$data/n$n.pid"
		target="${target:+$target,}http://$a"
	done
	[ "${KILL:-0}" = 1 ] && kill=(-kill-owner "kill -9 \$(cat $data/{node}.pid)")
else
	env "${env[@]}" SEATD_ADMIN_TOKEN=$token bin/seatd -addr $addr -data "$data" -rate-limit=false -demo=false -log-level warn "${payment[@]}" ${SEATD_ARGS:-} &
	pids+=($!)
fi
pid=${pids[0]}
cleanup() {
	for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait $p 2>/dev/null || true; done
	rm -rf "$data"
	if [ "${MODE:-embedded}" != embedded ]; then
		psql "$pg" -qc "DROP SCHEMA IF EXISTS ${run}_seatd CASCADE" >/dev/null 2>&1 || true
		redis-cli -u "$redis" --scan --pattern "$run:*" | xargs -r redis-cli -u "$redis" del >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT
for a in ${target//,/ }; do
	for _ in $(seq 1 100); do curl -sf $a/readyz >/dev/null && break; sleep 0.2; done
done

# Where the CPU went, from /proc (Linux): seatd's own, every Postgres and Redis
# process's, and the load generator's (a finished child of this shell).
ticks() { # clock ticks used so far by the processes with these pids
	local t=0 p v
	for p in "$@"; do
		v=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null) || continue
		t=$((t + ${v:-0}))
	done
	echo $t
}
# times reports this shell's finished children; in $(…) it would be a subshell's.
children() { awk 'NR==2 {split($1,u,"m"); split($2,s,"m"); print u[1]*60+u[2]+s[1]*60+s[2]}' "$data/times"; }
services() { [ "${MODE:-embedded}" != embedded ] && echo "$(ticks $(pgrep -x postgres)) $(ticks $(pgrep -x redis-server))" || echo "0 0"; }
read -r pg0 rd0 <<<"$(services)"
times >"$data/times"
sd0=$(ticks "${pids[@]}") lt0=$(children) t0=$(date +%s.%N)

bin/loadtest -target "$target" -token "$token" -preset ${PRESET:-stadium} -json "$out/loadtest.json" -html "$out/loadtest.html" "${pay[@]}" "${kill[@]}" ${ARGS:-}

times >"$data/times"
read -r pg1 rd1 <<<"$(services)"
sd1=$(ticks "${pids[@]}") lt1=$(children) t1=$(date +%s.%N)
if [ -r /proc/$pid/stat ]; then
	awk -v hz="$(getconf CLK_TCK)" -v sd=$((sd1 - sd0)) -v lt="$lt0 $lt1" -v pg=$((pg1 - pg0)) -v rd=$((rd1 - rd0)) -v wall="$t0 $t1" \
		-v prod="${MODE:-embedded}" 'BEGIN {
		split(lt, l, " "); split(wall, w, " ")
		printf "cpu during the run (set-up and audit included): seatd %.2f s, load generator %.2f s", sd / hz, l[2] - l[1]
		if (prod != "embedded") printf ", postgres %.2f s, redis %.2f s", pg / hz, rd / hz
		printf "; wall %.2f s\n", w[2] - w[1]
	}'
fi
echo "reports: $out/loadtest.json $out/loadtest.html"
