#!/usr/bin/env bash
# Runs the portal's Go benchmarks (Markdown rendering, store queries, search,
# whole HTTP requests) and saves their raw output; see BENCHMARKS.md.
#
#   scripts/bench.sh                  # -count 5, every benchmark but the search corpora
#                                     # (those: scripts/bench-search.sh, make bench-search)
#   COUNT=10 scripts/bench.sh         # more samples (benchstat wants >= 6 for intervals)
#   BENCH=Search scripts/bench.sh     # only benchmarks matching a regexp
#   OUT=before.txt scripts/bench.sh   # where the raw output goes
#   PACKAGES=./search scripts/bench.sh  # only some packages (space-separated)
#
# PostgreSQL benchmarks run when PROACT_TEST_POSTGRES_URL is set (as for the
# tests), for example
#   PROACT_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' scripts/bench.sh
# The benchmarks need the shared corpora beside the checkout (../shared/corpora)
# and skip, saying so, without them.
set -euo pipefail
cd "$(dirname "$0")/.."

count=${COUNT:-5}
# The corpus benchmarks of 10,000 and 100,000 notes take the better part of
# an hour: scripts/bench-search.sh runs them.
bench=${BENCH:-'^Benchmark(Render|ParseNote|Store|Search|Rebuild|Requests)$'}
out=${OUT:-bench-$(date -u +%Y%m%d-%H%M%S).out} # *.out is git-ignored
read -r -a packages <<<"${PACKAGES:-./content ./models ./search ./app}"

machine() {
  echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "go:       $(go version)"
  echo "cpus:     $(nproc)"
  echo "cpu:      $(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
  echo "memory:   $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || echo unknown)"
  echo "kernel:   $(uname -srm)"
  echo "load:     $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) (1, 5, 15 min, at the start)"
  if [ -n "${PROACT_TEST_POSTGRES_URL:-}" ]; then
    echo "postgres: PROACT_TEST_POSTGRES_URL is set: PostgreSQL benchmarks run"
  else
    echo "postgres: PROACT_TEST_POSTGRES_URL is not set: PostgreSQL benchmarks skip"
  fi
  if [ -d ../shared/corpora ]; then
    echo "corpora:  ../shared/corpora ($(du -sh ../shared/corpora/udhr ../shared/corpora/sentences | awk '{printf "%s %s  ", $2, $1}'))"
  else
    echo "corpora:  ../shared/corpora is missing: the corpus benchmarks skip"
  fi
}

echo "--- machine"
machine | tee "$out.machine"
# Keep the machine details with the raw output; benchstat ignores "# " lines.
sed 's/^/# /' "$out.machine" > "$out"
rm -f "$out.machine"

echo "--- go test -run '^\$' -bench '$bench' -benchmem -count $count ${packages[*]}"
echo "    (packages one at a time: -p 1; raw output in $out)"
start=$(date +%s)
status=0
go test -p 1 -timeout 60m -run '^$' -bench "$bench" -benchmem -count "$count" "${packages[@]}" 2>&1 |
  tee -a "$out" || status=$?
echo "--- took $(($(date +%s) - start)) s"
if [ "$status" -ne 0 ]; then
  echo "go test failed (status $status); raw output in $out" >&2
  exit "$status"
fi

echo "--- summary"
if command -v benchstat >/dev/null 2>&1; then
  benchstat "$out"
elif ! go run golang.org/x/perf/cmd/benchstat@latest "$out" 2>/dev/null; then
  echo "benchstat is not installed and 'go run golang.org/x/perf/cmd/benchstat@latest' failed:"
  echo "the raw output above (and in $out) is the result."
fi
echo "--- raw output: $out"
