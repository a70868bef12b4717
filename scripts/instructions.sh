#!/usr/bin/env bash
# Instructions per operation of a Go benchmark, counted by callgrind: stable on a
# shared machine where wall-clock benchmarks wander by 25 %. Runs the benchmark
# at two iteration counts and divides the difference, so set-up cost cancels.
#   scripts/instructions.sh ./engine BenchmarkHoldRelease4 [n1 n2]
set -euo pipefail
pkg=$1 bench=$2 n1=${3:-100000} n2=${4:-300000}
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
go test -c -o "$bin" "$pkg"
count() {
	# No async preemption (its signals confuse callgrind), no GC (its work is
	# not the benchmark's). Under load valgrind can kill the run (SIGILL on
	# rdtscp in runtime.cputicks) and still print a count: only a run that
	# passed counts, and one that did not is tried again, three times at most.
	local out
	for _ in 1 2 3; do
		out=$(GODEBUG=asyncpreemptoff=1 GOGC=off valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			"$bin" -test.run '^$' -test.bench "^$bench\$" -test.benchtime "${1}x" -test.cpu 1 2>&1) || true
		if grep -q '^PASS' <<<"$out"; then
			awk '/Collected/ {print $4}' <<<"$out"
			return
		fi
	done
	echo "the benchmark did not pass under callgrind:" >&2
	tail -5 <<<"$out" >&2
	exit 1
}
a=$(count "$n1")
b=$(count "$n2")
echo "$bench: $(((b - a) / (n2 - n1))) instructions/op"
