# seatmap — the front door. `make help` lists the targets.

GO        ?= go
PKGS      ?= ./...
PGURL     ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
REDISURL  ?= redis://127.0.0.1:6379/0

export TEST_DATABASE_URL ?= $(PGURL)
export TEST_REDIS_URL ?= $(REDISURL)

.PHONY: help run test test-short deps bench lint fmt vet loadtest bench-compare

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: ## run seatd on its embedded default (SQLite under ./data, in-process leases)
	$(GO) run ./cmd/seatd

deps: ## start Postgres and Redis, install Chromium, axe-core and stripe-mock, when missing or stopped
	@scripts/deps.sh

test: deps vet ## everything: vet, gofmt, unit, property, conformance, API and browser tests with -race
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) test -race -count=1 -timeout 30m $(PKGS)
	$(GO) test -run '^$$' -bench . -benchtime 1x $(PKGS) > /dev/null

test-short: ## quick unit tests without the race detector (no service checks)
	$(GO) test -count=1 -short $(PKGS)

vet: ## go vet
	$(GO) vet $(PKGS)

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint: vet ## go vet, gofmt and staticcheck (fetched through the module proxy)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) run $(STATICCHECK) $(PKGS)

fmt: ## gofmt every file
	gofmt -w $$(git ls-files '*.go')

bench: ## engine and adapter benchmarks (figures go to BENCHMARKS.md)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./engine ./lease/... ./realtime

loadtest: ## a stadium surge against a fresh seatd (MODE=production for Postgres + Redis, MODE=cluster for three nodes, KILL=1 to kill the owner mid-surge; PAY=test: buyers pay through the test provider; PRESET, ARGS, SEATD_ARGS)
	@scripts/loadtest.sh

bench-compare: ## seatd (Postgres + Redis) against the two textbook baselines, same load, ratios
	@scripts/bench-compare.sh
