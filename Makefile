# Developer shortcuts; the README's two commands need none of these.
.PHONY: run test ci test-postgres lint bench bench-search build vendor

run:
	go run .

test:
	go test ./...

# The full CI run: PostgreSQL, Chromium, gofmt, vet and the race detector.
ci:
	bash .ci/run

test-postgres:
	PROACT_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' go test -race -count=1 ./...

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	go vet ./...

bench:
	./scripts/bench.sh

# Search at 10,000 and 100,000 notes, against PostgreSQL full-text search when
# PROACT_TEST_POSTGRES_URL is set (the better part of an hour; see BENCHMARKS.md).
bench-search:
	./scripts/bench-search.sh

build:
	go build -o proact .

# Re-copy the front-end libraries pinned in package.json into static/vendor.
vendor:
	./scripts/vendor-frontend.sh
