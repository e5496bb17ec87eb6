#!/usr/bin/env bash
# Remote-read benchmark: a 1024^3 uint16 NIfTI-Zarr (64^3 chunks, blosc lz4) served by nginx
# (:18081) behind a 25 ms-each-way delay proxy (:18090, RTT 50 ms, connect costs one RTT), timed
# as whole processes. Prints each case beside the physical limit
#   RTT x (1 handshake + 2 metadata waves + ceil(chunks / in flight)) + bytes / bandwidth
# with "in flight" = every needed chunk at once (and, for reference, the client's concurrency).
# The CLI rows end with the header and the ROI over HTTPS through the same delay, once from an
# HTTP/1.1-only port (as S3 and Azure Blob answer) and once over HTTP/2 (as GCS).
# Usage: tests/bench/run_bench.sh   Env: BUILD_DIR (default build), SIZE (1024), RUNS (3),
#        DELAY_MS (25), CONCURRENCY (client transfers in flight, default 256), NZ_CLI,
#        NZ_BENCH_NO_BUILD=1 (use the bench_reader already built).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
size=${SIZE:-1024}
runs=${RUNS:-3}
delay_ms=${DELAY_MS:-25}
conc=${CONCURRENCY:-256}
py=/usr/bin/python3
state=$build/bench-servers
data=$build/bench-data
vol=$data/big${size}.nii.zarr
mkdir -p "$state" "$data"
# Every run cold: no chunk or piece may come from the disk cache of an earlier run.
export NZVIEW_DISK_CACHE=off

# 1. Build what is needed (bench_reader always; nzview-cli if the tree has it).
if [[ ${NZ_BENCH_NO_BUILD:-0} != 1 || ! -x $build/bench/bench_reader ]]; then
  [[ -f $build/build.ninja ]] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" --target bench_reader -j2 >/dev/null
fi
cli=${NZ_CLI:-}  # NZ_CLI=/path/to/nzview-cli skips building it
if [[ -z $cli ]] && cmake --build "$build" --target nzview-cli -j2 >/dev/null 2>&1 &&
  [[ -x $build/bin/nzview-cli ]]; then
  cli=$build/bin/nzview-cli
fi

# 2. The volume (once) and a 256 MiB blob to measure the proxy path's bandwidth.
if [[ ! -f $vol/.zattrs ]]; then
  echo "generating $vol ..." >&2
  "$py" "$repo/tests/bench/make_big_volume.py" "$vol" --size "$size"
fi
[[ -f $data/bw256m.bin ]] || head -c $((256 << 20)) /dev/urandom >"$data/bw256m.bin"
chmod -R a+rX "$data"

# 3. Servers: nginx on 18081 (HTTP only) and the delay proxy on 18090.
cleanup() {
  for p in ${proxy_pid:-} ${tls_proxy_pids:-}; do kill "$p" 2>/dev/null || true; done
  NZ_NGINX_HTTP_PORT=18081 NZ_NGINX_HTTPS_PORT=18543 "$repo/tests/servers/nginx.sh" stop "$state" >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# HTTPS too, behind the same delay: HTTP/1.1 only on 18544 (as S3 and Azure Blob answer) through
# :18091, HTTP/2 on 18543 (as GCS) through :18092.
NZ_NGINX_HTTP_PORT=18081 NZ_NGINX_HTTPS_PORT=18543 NZ_NGINX_ROOT=$data \
  "$repo/tests/servers/nginx.sh" start "$state" >/dev/null
"$py" "$repo/tests/bench/delay_proxy.py" --listen 127.0.0.1:18090 --upstream 127.0.0.1:18081 \
  --delay-ms "$delay_ms" --connect-rtt >"$state/delay_proxy.log" 2>&1 &
proxy_pid=$!
tls_proxy_pids=
for pair in 18091:18544 18092:18543; do
  "$py" "$repo/tests/bench/delay_proxy.py" --listen "127.0.0.1:${pair%%:*}" \
    --upstream "127.0.0.1:${pair##*:}" --delay-ms "$delay_ms" --connect-rtt >>"$state/delay_proxy.log" 2>&1 &
  tls_proxy_pids="$tls_proxy_pids $!"
done
cacert=$state/certs/ca.crt
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18090/bw256m.bin -r 0-0 && break; sleep 0.05; done

base=http://127.0.0.1:18090/big${size}.nii.zarr
rtt=$("$py" -c "print($delay_ms * 2 / 1000)")
# Bandwidth of the proxied path: 4 parallel 64 MiB range GETs (different connections), minus
# their connect + request round trips.
bw_t0=$(date +%s.%N)
bw_pids=()
for i in 0 1 2 3; do
  curl -s -o /dev/null -r $((i << 26))-$(((i + 1 << 26) - 1)) http://127.0.0.1:18090/bw256m.bin &
  bw_pids+=($!)
done
wait "${bw_pids[@]}"
bw_t1=$(date +%s.%N)
bw=$("$py" -c "print($((256 << 20)) / max(1e-3, $bw_t1 - $bw_t0 - 2 * $rtt))")

median() { "$py" -c "import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }

run_reader() {  # mode args... -> prints the JSON of the median-wall run, and sets wall
  local mode=$1; shift
  local walls=() jsons=()
  for _ in $(seq "$runs"); do
    local t0 t1 out
    t0=$(date +%s.%N)
    out=$("$build/bench/bench_reader" "$base" "$mode" --local "$vol" --concurrency "$conc" "$@")
    t1=$(date +%s.%N)
    walls+=("$("$py" -c "print($t1 - $t0)")")
    jsons+=("$out")
  done
  wall=$(median "${walls[@]}")
  last_json=${jsons[-1]}
}

shown() { [[ $1 == n/a* ]] && echo "$1" || printf '%.3f' "$1"; }

time_cmd() {  # command... -> wall (median of runs) or "n/a"; split: the --stats breakdown
  local walls=() splits=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    if ! "$@" >/dev/null 2>"$state/cli.err"; then wall="n/a ($(head -c 80 "$state/cli.err" | tr '\n' ' '))"; return; fi
    t1=$(date +%s.%N)
    walls+=("$("$py" -c "print($t1 - $t0)")")
    # With --stats: open / read / the rest (write, manifest) / process start and exit.
    splits+=("$("$py" -c "
import json, sys
try: j = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
except Exception: print(''); sys.exit()
o, r, s, w = j.get('open_seconds', 0), j.get('read_seconds', 0), j['seconds'], float(sys.argv[2])
print(f'open {o:.3f}  read {r:.3f}  write {s - o - r:.3f}  process {w - s:.3f}')" "$state/cli.err" "$("$py" -c "print($t1 - $t0)")")")
  done
  wall=$(median "${walls[@]}")
  # The breakdown of the run whose wall time is the median.
  split=$("$py" -c "
import sys
w = [float(x) for x in sys.argv[1].split()]; s = sys.argv[2].split('|')
print(s[sorted(range(len(w)), key=lambda i: w[i])[len(w) // 2]])" "${walls[*]}" "$(IFS='|'; echo "${splits[*]}")")
}

limit() {  # chunks bytes inflight -> seconds
  "$py" -c "import math; c,b,f=$1,$2,$3; print($rtt*(1+2+(math.ceil(c/f) if c else 0)) + b/$bw)"
}

field() { "$py" -c "import json,sys; print(json.loads(sys.argv[1])['$2'])" "$1"; }

rows=()
add_row() {  # name wall json
  local name=$1 w=$2 j=$3
  local chunks bytes chunk_bytes req lim limc
  chunks=$(field "$j" chunks); bytes=$(field "$j" bytes); chunk_bytes=$(field "$j" chunk_bytes)
  req=$(field "$j" requests)
  lim=$(limit "$chunks" "$chunk_bytes" "${chunks/#0/1}")
  limc=$(limit "$chunks" "$chunk_bytes" "$conc")
  rows+=("$(printf '%-34s %8.3f %8.3f %6.2fx %8.3f %7.3f %6s %7s %12s %12s' "$name" "$w" "$lim" \
    "$("$py" -c "print($w / $lim)")" "$limc" "$(field "$j" open_s)" "$chunks" "$req" "$bytes" "$chunk_bytes")")
}

run_reader header; add_row "bench_reader: time to header" "$wall" "$last_json"
run_reader slice --z $((size / 2)); add_row "bench_reader: axial slice ${size}^2" "$wall" "$last_json"
slice_json=$last_json
run_reader roi --roi 100:228,200:328,300:428; add_row "bench_reader: unaligned 128^3 ROI" "$wall" "$last_json"
roi_json=$last_json
lsize=$((size / 4))  # level 2: the whole level, e.g. 256^3 of the 1024^3 volume
run_reader roi --level 2 --roi 0:$lsize,0:$lsize,0:$lsize
add_row "bench_reader: whole level 2 (${lsize}^3)" "$wall" "$last_json"

# Decode throughput: the same slice from the local copy (no network): raw bytes / read time.
local_json=$("$build/bench/bench_reader" "$vol" slice --z $((size / 2)) --local "$vol")
decode=$("$py" -c "import json; j=json.loads('$local_json'); print(j['raw_bytes'] / max(1e-9, j['read_s']) / 1e9)")

cli_rows=()
if [[ -n $cli ]]; then
  time_cmd "$cli" info "$base"; cli_rows+=("$(printf '%-34s %s' "nzview-cli info" "$(shown "$wall")")")
  time_cmd "$cli" export "$base" --roi 100:228,200:328,300:428 -o "$state/roi.nii" --stats
  cli_rows+=("$(printf '%-34s %s   (%s)' "nzview-cli export 128^3 ROI" "$(shown "$wall")" "$split")")
  time_cmd "$cli" export "$base" --roi 0:$size,0:$size,$((size / 2)):$((size / 2 + 1)) -o "$state/slice.nii" --stats
  cli_rows+=("$(printf '%-34s %s   (%s)' "nzview-cli export axial slice" "$(shown "$wall")" "$split")")
  time_cmd "$cli" export "$base" --level 2 -o "$state/level2.nii" --stats
  cli_rows+=("$(printf '%-34s %s   (%s)' "nzview-cli export level 2 whole" "$(shown "$wall")" "$split")")
  # Over TLS (TLS 1.3: a connection costs TCP + TLS, two round trips; limit = RTT x (2 + 2 +
  # chunk waves) + bytes / bandwidth).
  for tls in "https HTTP/1.1:18091" "https HTTP/2:18092"; do
    tbase=https://127.0.0.1:${tls##*:}/big${size}.nii.zarr
    time_cmd "$cli" info "$tbase" --cacert "$cacert"
    cli_rows+=("$(printf '%-34s %s   (limit %.3f)' "info, ${tls%%:*}" "$(shown "$wall")" \
      "$("$py" -c "print($rtt * 4)")")")
    time_cmd "$cli" export "$tbase" --roi 100:228,200:328,300:428 -o "$state/roi.nii" --stats \
      --cacert "$cacert"
    cli_rows+=("$(printf '%-34s %s   (%s; limit %.3f)' "128^3 ROI, ${tls%%:*}" "$(shown "$wall")" \
      "$split" "$("$py" -c "print($rtt * 5 + $(field "$roi_json" chunk_bytes) / $bw)")")")
  done
fi

echo
echo "nzview remote-read benchmark: ${size}^3 uint16, 64^3 chunks blosc lz4, RTT $rtt s (delay proxy), " \
     "proxied bandwidth $("$py" -c "print(round($bw / 1e6))") MB/s, client concurrency $conc, median of $runs runs"
printf '%-34s %8s %8s %7s %8s %7s %6s %7s %12s %12s\n' case "wall s" "limit s" ratio "lim@conc" "open s" chunks reqs "bytes got" "chunk bytes"
for r in "${rows[@]}"; do echo "$r"; done
printf 'decode (local slice, raw bytes/s): %.2f GB/s\n' "$decode"
if [[ ${#cli_rows[@]} -gt 0 ]]; then
  echo "whole-process CLI timings (s):"
  for r in "${cli_rows[@]}"; do echo "  $r"; done
else
  echo "nzview-cli not built: CLI rows skipped"
fi
echo "limit = RTT x (1 + 2 + ceil(chunks / in flight)) + chunk bytes / bandwidth; in flight = all chunks (lim@conc: in flight = client concurrency)"
echo "CLI breakdown (export --stats, the median run): open = metadata read, read = the chunks, write = output and manifest, process = start and exit"
