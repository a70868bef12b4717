#!/usr/bin/env bash
# Start what the tests need when it is missing or stopped: PostgreSQL, Redis,
# Chromium, curl, jq, (for the accessibility test) npm's axe-core and (for the
# Stripe adapter) stripe-mock. Safe to run again; does nothing when all are up.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
	as_root apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
if ! pg_up; then
	command -v pg_ctlcluster >/dev/null || apt_install postgresql
	ver=$(ls /etc/postgresql | sort -V | tail -1)
	echo "starting PostgreSQL $ver"
	as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
	for _ in $(seq 1 30); do pg_up && break; sleep 1; done
	pg_up || { echo "PostgreSQL did not start"; exit 1; }
fi
# The tests connect as postgres to database test over TCP (trust auth on loopback).
if ! psql "postgres://postgres@127.0.0.1:5432/test?sslmode=disable" -qAtc 'select 1' >/dev/null 2>&1; then
	as_root su postgres -c "psql -qc 'create database test'" >/dev/null 2>&1 || true
fi

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_up; then
	command -v redis-server >/dev/null || apt_install redis-server
	echo "starting Redis"
	mkdir -p /var/lib/redis /var/log/redis
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
		--dir /var/lib/redis --logfile /var/log/redis/ci.log
	for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
	redis_up || { echo "Redis did not start"; exit 1; }
fi

# The README's tour (TestReadmeTourRuns) runs with curl and jq.
for tool in curl jq; do
	command -v $tool >/dev/null || { echo "installing $tool"; apt_install $tool; }
done

# The documents' tests read the PDFs seatd writes as a reader does, with
# poppler (internal/pdftest: pdfinfo, pdftotext, pdftoppm).
command -v pdftoppm >/dev/null || { echo "installing poppler-utils"; apt_install poppler-utils; }

if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
	echo "installing Chromium"
	apt_install chromium
fi

# The accessibility test (cmd/seatd/axe_browser_test.go) runs npm's axe-core in
# the pages. It is installed for the tests only, into .cache/npm (git-ignored);
# the app itself never needs npm.
AXE_VERSION=4.10.2
axe_dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/npm"
if ! grep -qs "\"version\": \"$AXE_VERSION\"" "$axe_dir/node_modules/axe-core/package.json"; then
	command -v npm >/dev/null || { echo "installing Node.js and npm"; apt_install nodejs npm; }
	echo "installing axe-core $AXE_VERSION"
	mkdir -p "$axe_dir"
	npm install --prefix "$axe_dir" --no-save --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION" >/dev/null
fi

# The Stripe adapter's tests (payment/stripe, and the payment flow's) run
# against stripe-mock, Stripe's own mock of its API, a Go program installed
# from the module proxy into .cache/bin (git-ignored); internal/stripemock
# starts one per test. The app itself never needs it.
STRIPE_MOCK_VERSION=v0.203.0
bin_dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/bin"
if ! go version -m "$bin_dir/stripe-mock" 2>/dev/null | grep -q "mod[[:space:]]*github.com/stripe/stripe-mock[[:space:]]*$STRIPE_MOCK_VERSION"; then
	echo "installing stripe-mock $STRIPE_MOCK_VERSION"
	mkdir -p "$bin_dir"
	GOBIN="$bin_dir" GOFLAGS= go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"
fi
