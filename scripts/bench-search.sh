#!/usr/bin/env bash
# The search benchmarks of issue 9 (see BENCHMARKS.md, "Search across
# countries and languages"): corpora of 10,000 and 100,000 notes built from
# ../shared/corpora/sentences, 500 fixed queries, through the index and
# through GET /api/v1/search, the same notes and queries through PostgreSQL
# full-text search, bulk indexing rate, index size and memory, the serving
# memory of the real binary at 10,000 notes, and the UDHR relevance test in
# all 24 languages.
#
#   scripts/bench-search.sh                    # = make bench-search
#   SIZES=10000 scripts/bench-search.sh        # one size only
#   ROUNDS=5 scripts/bench-search.sh           # rounds of the 500 queries (default 3)
#
# PostgreSQL runs when PROACT_TEST_POSTGRES_URL is set. The corpora (SQLite
# databases, about 45 MB and 450 MB) and their indexes are kept in
# PROACT_BENCH_CACHE (default /tmp/proact-bench) between runs; delete it to
# measure the bulk indexing rate again (the first run of a size builds and
# reports it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PROACT_BENCH_SIZES=${SIZES:-10000,100000}
export PROACT_BENCH_KEEP_INDEX=1
rounds=${ROUNDS:-3}
out=${OUT:-bench-search-$(date -u +%Y%m%d-%H%M%S).out}
{
  echo "# date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# go:     $(go version)"
  echo "# cpus:   $(nproc), $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "# memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
} | tee "$out"
run() {
  echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
  go test -timeout 120m -run "$2" -bench "$3" -benchtime "${rounds}x" "$1" -v 2>&1 | grep -v '^=== ' | tee -a "$out"
}
run ./search '^$' '^BenchmarkCorpus$'
# Bulk indexing alone, once a size, at the portal's GOGC (test binaries
# collect garbage less often, modelstest.Run): rate, CPU seconds per 1,000
# documents, peak memory (anonymous and file-backed apart).
GOGC=100 rounds=1 run ./search '^$' '^BenchmarkCorpusIndexing$'
run ./app '^$' '^BenchmarkSearchAPI$'
run ./search '^$' '^BenchmarkPostgresFTS$'
PROACT_TEST_RELEVANCE=1 run ./search '^TestUDHRRelevance$' '^$'

# Serving memory of the real binary at 10,000 notes: the cached corpus,
# the portal started on it, the index built, the 500 queries' worth of
# requests, then its resident memory.
db=$(ls -t "${PROACT_BENCH_CACHE:-/tmp/proact-bench}"/corpus-10000-*.db 2>/dev/null | head -1 || true)
if [ -n "$db" ]; then
  data=$(mktemp -d)
  cp "$db" "$data/proact.db"
  go build -o "$data/proact" .
  port=18102
  "$data/proact" serve --addr "127.0.0.1:$port" --data-dir "$data" --demo false --migrate >"$data/log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "the portal stopped:" >&2; cat "$data/log" >&2; exit 1; }
    sleep 1
  done
  for q in work travail Arbeit praca muncă lavoro trabajo "debt bondage" "trade union" "seasonal workers"; do
    for _ in 1 2 3 4 5; do curl -s -o /dev/null -G "http://127.0.0.1:$port/api/v1/search" --data-urlencode "q=$q"; done
  done
  echo "# serving memory at 10,000 notes: $(grep -E 'VmRSS|VmHWM' /proc/$pid/status | tr -s ' \n' ' ')" | tee -a "$out"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
fi
echo "raw output in $out"
