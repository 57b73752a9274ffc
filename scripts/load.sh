#!/usr/bin/env bash
# The load table of issue 13 (BENCHMARKS.md, "Pages under load"): the real
# binary on loopback under wrk, on SQLite and PostgreSQL, at 100,000 notes
# (`proact demo --notes 100000 --organisations 2000`) and at the 32 notes of
# the demo content, each page as a visitor and as a signed-in member.
#
#   scripts/load.sh                      # = make load: 20 s a page, both sizes, both databases
#   DURATION=5s scripts/load.sh          # a quick run
#   SIZES=32 DBS=sqlite scripts/load.sh  # one size, one database
#   WRITE=0 scripts/load.sh              # leave BENCHMARKS.md alone
#   PROFILE=1 scripts/load.sh            # and a CPU profile of each portal run (go tool pprof)
#
# PostgreSQL runs when PROACT_TEST_POSTGRES_URL points at a server whose
# user may create databases (perf_100000 and perf_32 are made there; PG_DATABASE_PREFIX names them otherwise). The
# 100,000-note databases and their search indexes are built once and kept
# in PROACT_LOAD_CACHE (default /tmp/perf-load): the first run takes the
# better part of an hour (see BENCHMARKS.md); later runs reuse them.
# Needs wrk (Debian package), curl, and the shared corpora beside the
# checkout. Every figure is written with the load average of the moment:
# the machine is shared, and a busy one depresses every figure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
SIZES=${SIZES:-100000 32}
DBS=${DBS:-sqlite postgres}
PORT=${PORT:-18086}
PG_PORT=${PG_PORT:-18096}
CACHE=${PROACT_LOAD_CACHE:-/tmp/perf-load}
WRITE=${WRITE:-1}
ENCODING=${ENCODING:-gzip}
PGURL=${PROACT_TEST_POSTGRES_URL:-}
PG_DATABASE_PREFIX=${PG_DATABASE_PREFIX:-perf_}
stamp=$(date -u +%Y%m%d-%H%M%S)
out=${OUT:-load-$stamp.out}
table=$(mktemp)
mkdir -p "$CACHE"

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
go build -o "$CACHE/proact" .
bin="$CACHE/proact"

say() { echo "$*" | tee -a "$out"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

say "# date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "# commit:  $(git rev-parse --short HEAD)"
say "# go:      $(go version)"
say "# wrk:     $(wrk --version 2>&1 | head -1)"
say "# cpu:     $(lscpu | awk -F: '/^Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) CPUs"
say "# memory:  $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
say "# kernel:  $(uname -sr)"
say "# wrk:     -t$THREADS -c$CONNECTIONS -d$DURATION --latency, Accept-Encoding: $ENCODING"

pgdb() { # the URL of database $1 on the PostgreSQL server of PGURL
  local base=${PGURL%%\?*} query=""
  [[ $PGURL == *\?* ]] && query="?${PGURL#*\?}"
  echo "${base%/*}/$1$query"
}

# prepare DB SIZE: echo the flags that reach the database of this size,
# building it first when it is missing.
prepare() {
  local db=$1 size=$2 dir="$CACHE/$1-$2"
  local flags=(--data-dir "$dir")
  if [ "$db" = postgres ]; then
    flags+=(--database-url "$(pgdb "${PG_DATABASE_PREFIX}$size")" --index-dir "$dir/index")
  fi
  if [ ! -e "$dir/.built" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$db" = postgres ]; then
      psql "$PGURL" -qc "DROP DATABASE IF EXISTS ${PG_DATABASE_PREFIX}$size" -c "CREATE DATABASE ${PG_DATABASE_PREFIX}$size" >&2
    fi
    if [ "$size" = 32 ]; then
      # The demo content: a first start on an empty database loads it.
      "$bin" migrate "${flags[@]}" >&2
      "$bin" serve "${flags[@]}" --addr "127.0.0.1:$3" --demo true >"$dir/first.log" 2>&1 &
      local pid=$!
      until curl -sf "http://127.0.0.1:$3/readyz" >/dev/null; do sleep 1; done
      kill "$pid"; wait "$pid" 2>/dev/null || true
    else
      echo "building $db at $size notes in $dir (this takes a while)" >&2
      "$bin" demo "${flags[@]}" --notes "$size" --organisations $((size / 50)) --sentences "$root/../shared/corpora/sentences" >&2
    fi
    touch "$dir/.built"
  fi
  "$bin" migrate "${flags[@]}" >&2
  echo "${flags[@]}"
}

# member PORT FLAGS: a new member account, signed in; echo its Cookie header.
member() {
  local port=$1; shift
  local email="load-$(date +%s%N)@example.org" jar tok pass org
  org=$(curl -s "http://127.0.0.1:$port/organisations" | grep -o 'href="/organisations/[a-z0-9-]*"' | grep -v '/organisations/new' | head -1 | sed 's|.*/organisations/||; s|"||')
  pass=$("$bin" user add --email "$email" --role member --org "$org" "$@" | awk '/One-time password:/ {print $3}')
  jar=$(mktemp)
  tok=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
  curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "_csrf=$tok" --data-urlencode "email=$email" --data-urlencode "password=$pass" "http://127.0.0.1:$port/login"
  tok=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/account/password" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
  local new="load test member pass phrase $RANDOM$RANDOM"
  curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "_csrf=$tok" --data-urlencode "username=$email" \
    --data-urlencode "current=$pass" --data-urlencode "password=$new" --data-urlencode "confirm=$new" "http://127.0.0.1:$port/account/password"
  curl -s -o /dev/null -c "$jar" -b "$jar" "http://127.0.0.1:$port/" # the one-time message, if any
  awk '!/^#/ && NF >= 7 {printf "%s%s=%s", sep, $6, $7; sep="; "} /^#HttpOnly_/ {sub(/^#HttpOnly_/, ""); printf "%s%s=%s", sep, $6, $7; sep="; "}' "$jar"
  rm -f "$jar"
}

# cputicks PID: the user and system time of the process so far, in clock ticks.
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# bench DB SIZE WHO URL-PATH PID COOKIE: one wrk run, one row of the table.
bench() {
  local db=$1 size=$2 who=$3 path=$4 pid=$5 cookie=$6 port=$7
  local before res rps p50 p99 errs non2xx rss cpu0 cpu1 reqs cpu
  before=$(load)
  cpu0=$(cputicks "$pid")
  local args=(-t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Accept-Encoding: $ENCODING")
  [ -n "$cookie" ] && args+=(-H "Cookie: $cookie")
  res=$(wrk "${args[@]}" "http://127.0.0.1:$port$path" 2>&1)
  cpu1=$(cputicks "$pid")
  echo "## $db $size $who $path (load before: $before)" >>"$out"
  echo "$res" >>"$out"
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$res")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$res")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$res")
  errs=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4+$6+$8+$10}' <<<"$res")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$res")
  rss=$(awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
  # The portal's own CPU time (user + system) per request: what a quiet
  # machine's rate follows (about 2 cores / this, less wrk's share), where
  # req/s on a shared machine follows the load.
  reqs=$(awk '/ requests in / {print $1}' <<<"$res")
  cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v n="${reqs:-0}" -v hz="$(getconf CLK_TCK)" 'BEGIN {if (n > 0) printf "%.0f", (b - a) / hz * 1e6 / n; else print "?"}')
  printf '| %s | %s | %s | `%s` | %s | %s | %s | %s | %s µs | %s MiB | %s |\n' \
    "$db" "$size" "$who" "$path" "${rps:-0}" "${p50:-?}" "${p99:-?}" "$(( ${errs:-0} + ${non2xx:-0} ))" "$cpu" "$rss" "$before" | tee -a "$table"
}

for db in $DBS; do
  if [ "$db" = postgres ] && [ -z "$PGURL" ]; then
    say "# postgres skipped: PROACT_TEST_POSTGRES_URL is not set"
    continue
  fi
  port=$PORT
  [ "$db" = postgres ] && port=$PG_PORT
  for size in $SIZES; do
    read -r -a flags <<<"$(prepare "$db" "$size" "$port")"
    log="$CACHE/$db-$size/serve-$stamp.log"
    # PROFILE=1: a CPU profile of the whole run of this database and size.
    profile=""
    [ "${PROFILE:-0}" = 1 ] && profile="$CACHE/$db-$size/cpu-$stamp.prof"
    PROACT_CPU_PROFILE=$profile "$bin" serve "${flags[@]}" --addr "127.0.0.1:$port" --demo false --rate-limit 100000000 >"$log" 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null || true' EXIT
    started=$(date +%s)
    until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do
      kill -0 "$pid" 2>/dev/null || { echo "the portal stopped; see $log" >&2; exit 1; }
      sleep 2
    done
    say "# $db $size: ready after $(( $(date +%s) - started )) s (search index built or opened); load $(load)"
    note=$(curl -s "http://127.0.0.1:$port/practices" | grep -o 'href="/practices/[a-z0-9-]*"' | grep -vE '/practices/(new|coverage)"' | head -1 | sed 's|href="||; s|"||')
    filters="/practices?country=$( [ "$size" = 32 ] && echo NL || echo DE )&topic=outreach"
    cookie=$(member "$port" "${flags[@]}")
    [ -n "$cookie" ] || { echo "could not sign the member in" >&2; exit 1; }
    # A warm-up request each (the first view after the start fills the caches).
    for path in / /practices "$filters" "$note" /organisations "/search?q=information" "/search?q=acquired"; do
      curl -s -o /dev/null "http://127.0.0.1:$port$path"
      curl -s -o /dev/null -H "Cookie: $cookie" "http://127.0.0.1:$port$path"
    done
    # Each page as a visitor and then at once as a member: the two rows that
    # "members within 20%" compares run side by side, so that the machine's
    # drift over the run (a shared virtual machine's speed moves by a third
    # from minute to minute) falls on both alike. The table keeps that order.
    for path in / /practices "$filters" "$note" /organisations "/search?q=information" "/search?q=acquired"; do
      bench "$db" "$size" visitor "$path" "$pid" "" "$port"
      bench "$db" "$size" member "$path" "$pid" "$cookie" "$port"
    done
    say "# $db $size: peak RSS $(awk '/^VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$pid/status")${profile:+; CPU profile in $profile}"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    trap - EXIT
  done
done

header='| database | notes | who | page | req/s | p50 | p99 | errors | CPU/req | RSS | load before |
|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|'
{
  echo
  echo "$header"
  cat "$table"
} | tee -a "$out"

if [ "$WRITE" = 1 ]; then
  # Between the markers of BENCHMARKS.md: the machine, the command, the table.
  block=$(mktemp)
  {
    echo "<!-- load:begin (written by scripts/load.sh) -->"
    echo
    echo "Run of $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD): \`DURATION=$DURATION SIZES=\"$SIZES\" DBS=\"$DBS\" scripts/load.sh\`"
    echo
    echo '```'
    grep '^# ' "$out"
    echo '```'
    echo
    echo "$header"
    cat "$table"
    echo
    echo "<!-- load:end -->"
  } >"$block"
  if grep -q '<!-- load:begin' BENCHMARKS.md; then
    awk -v f="$block" '/<!-- load:begin/ {while ((getline l < f) > 0) print l; skip=1} !skip {print} /<!-- load:end -->/ {skip=0}' BENCHMARKS.md >BENCHMARKS.md.tmp
    mv BENCHMARKS.md.tmp BENCHMARKS.md
  else
    { echo; cat "$block"; } >>BENCHMARKS.md
  fi
  rm -f "$block"
fi
rm -f "$table"
echo "raw output in $out"
