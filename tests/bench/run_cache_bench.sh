#!/usr/bin/env bash
# Disk cache benchmark: reopen of the 1024^3 bench volume (make_big_volume.py, 64^3 chunks) and
# its first full-resolution axial slice, over nginx (:18081) behind the 25 ms-each-way delay
# proxy (:18090, RTT 50 ms), timed as whole nzview-cli processes:
#   no disk cache   --no-disk-cache (every open fetches everything)
#   cold            empty cache directory (fetches, and fills the cache)
#   warm            same cache (only the metadata is revalidated: one round trip wave)
#   offline         after 'prefetch --level 0 --roi <slice>' (pinned), servers stopped, --offline
#   network down    the same, servers stopped, without --offline (metadata falls back to disk)
# Prints one row per case: wall seconds (median of RUNS), network requests, disk cache hits.
# Usage: tests/bench/run_cache_bench.sh   Env: BUILD_DIR (default build), SIZE (1024), RUNS (3),
#        DELAY_MS (25), NZ_CLI (skip building nzview-cli).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
size=${SIZE:-1024}
runs=${RUNS:-3}
delay_ms=${DELAY_MS:-25}
py=/usr/bin/python3
state=$build/bench-servers-cache
data=$build/bench-data
vol=$data/big${size}.nii.zarr
mkdir -p "$state" "$data"

cli=${NZ_CLI:-}
if [[ -z $cli ]]; then
  [[ -f $build/build.ninja ]] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" --target nzview-cli -j2 >/dev/null
  cli=$build/bin/nzview-cli
fi
if [[ ! -f $vol/.zattrs ]]; then
  echo "generating $vol ..." >&2
  "$py" "$repo/tests/bench/make_big_volume.py" "$vol" --size "$size"
fi
chmod -R a+rX "$data"

cache=$(mktemp -d "${TMPDIR:-/tmp}/nzview-cache-bench.XXXXXX")
proxy_pid=
servers_up() {
  NZ_NGINX_HTTP_PORT=18081 NZ_NGINX_HTTPS_PORT=0 NZ_NGINX_ROOT=$data \
    "$repo/tests/servers/nginx.sh" start "$state" >/dev/null
  "$py" "$repo/tests/bench/delay_proxy.py" --listen 127.0.0.1:18090 --upstream 127.0.0.1:18081 \
    --delay-ms "$delay_ms" --connect-rtt >"$state/delay_proxy.log" 2>&1 &
  proxy_pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18090/big${size}.nii.zarr/.zattrs && break; sleep 0.05; done
}
servers_down() {
  [[ -n $proxy_pid ]] && kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null || true
  proxy_pid=
  NZ_NGINX_HTTP_PORT=18081 NZ_NGINX_HTTPS_PORT=0 "$repo/tests/servers/nginx.sh" stop "$state" >/dev/null || true
}
cleanup() { servers_down; rm -rf "$cache"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

url=http://127.0.0.1:18090/big${size}.nii.zarr
z=$((size / 2))
slice=0:$size,0:$size,$z:$((z + 1))
export NZVIEW_DISK_CACHE=on  # whatever the caller's environment says
median() { "$py" -c "import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
field() { "$py" -c "import json,sys; print(json.loads(sys.argv[1]).get('$2', 0))" "$1"; }

rows=()
# case-name reset-cache(0/1) cli-args... : runs the slice export RUNS times.
measure() {
  local name=$1 reset=$2; shift 2
  local walls=() stats=""
  for _ in $(seq "$runs"); do
    [[ $reset == 1 ]] && rm -rf "${cache:?}"/*
    local t0 t1
    t0=$(date +%s.%N)
    if ! "$cli" export "$url" --level 0 --roi "$slice" -o "$state/slice.nii" --stats \
      --cache-dir "$cache" "$@" >/dev/null 2>"$state/cli.err"; then
      rows+=("$(printf '%-36s %s' "$name" "failed: $(tail -1 "$state/cli.err" | head -c 100)")")
      return
    fi
    t1=$(date +%s.%N)
    walls+=("$("$py" -c "print($t1 - $t0)")")
    stats=$(tail -1 "$state/cli.err")
  done
  rows+=("$(printf '%-36s %8.3f %9s %9s %12s' "$name" "$(median "${walls[@]}")" \
    "$(field "$stats" requests)" "$(field "$stats" disk_hits)" "$(field "$stats" bytes)")")
}

servers_up
measure "no disk cache" 0 --no-disk-cache
measure "cold disk cache" 1
"$cli" export "$url" --level 0 --roi "$slice" -o "$state/slice.nii" --cache-dir "$cache" >/dev/null
measure "warm disk cache (reopen)" 0
rm -rf "${cache:?}"/*
t0=$(date +%s.%N)
"$cli" prefetch "$url" --level 0 --roi "$slice" --cache-dir "$cache" >"$state/prefetch.out" 2>&1
t1=$(date +%s.%N)
prefetch_s=$("$py" -c "print(round($t1 - $t0, 3))")
servers_down
measure "offline (--offline, pinned)" 0 --offline
measure "network down, no flag (pinned)" 0

echo
echo "nzview disk cache benchmark: ${size}^3 uint16, 64^3 chunks blosc lz4, RTT $("$py" -c "print($delay_ms * 2 / 1000)") s" \
  "(delay proxy), open + full-resolution axial slice z=$z via nzview-cli export, median of $runs runs"
printf '%-36s %8s %9s %9s %12s\n' case "wall s" requests "disk hits" "bytes got"
for r in "${rows[@]}"; do echo "$r"; done
echo "prefetch --level 0 --roi $slice (pin, cold): $prefetch_s s"
