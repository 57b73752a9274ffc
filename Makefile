# Developer shortcuts; the README's two commands need none of these.
.PHONY: run test test-full ci test-postgres lint bench bench-search load build vendor

run:
	go run .

# As CI and STYLE.md have it: the race detector, no cached results; the
# SQLite engine compiled without it, as in CI (see .ci/run).
test:
	go test -race -count=1 $$(cat .ci/race-flags) ./...

# Every attack payload in every field: run it before resolving an issue that
# touches input handling.
test-full:
	PROACT_FULL_ATTACKS=1 go test -count=1 ./...

# The full CI run: PostgreSQL, Chromium, gofmt, vet and the race detector.
ci:
	bash .ci/run

test-postgres:
	PROACT_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' go test -race -count=1 $$(cat .ci/race-flags) ./...

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	go vet ./...

bench:
	./scripts/bench.sh

# Search at 10,000 and 100,000 notes, against PostgreSQL full-text search when
# PROACT_TEST_POSTGRES_URL is set (the better part of an hour; see BENCHMARKS.md).
bench-search:
	./scripts/bench-search.sh

# The pages under wrk at 100,000 and 32 notes, SQLite and PostgreSQL (when
# PROACT_TEST_POSTGRES_URL is set); writes the table into BENCHMARKS.md.
# DURATION=5s for a quick run; see scripts/load.sh.
load:
	./scripts/load.sh

build:
	go build -o proact .

# Re-copy the front-end libraries pinned in package.json into static/vendor.
vendor:
	./scripts/vendor-frontend.sh
