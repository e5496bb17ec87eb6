#!/usr/bin/env bash
# Viewer fetch benchmark: does the viewer fetch only what it shows? Runs
#   nzview URI --screenshot shot.png --size WxH --stats
# on the 1024^3 bench volume (make_big_volume.py: uint16, 64^3 chunks, blosc lz4, 5 levels)
# served by nginx behind the delay proxy (RTT 50 ms, a new connection costs one RTT), cold
# (no disk cache), under Xvfb, at 800x600, 1600x1000 and 2560x1440. Prints a table per size:
# chunk requests (per level), bytes fetched / stored bytes of the chunks the views display
# (each view's level plus the coarsest level, which is what is drawn), and the time to the
# complete picture against the limit for those chunks:
#   RTT x (1 handshake + 2 metadata waves + ceil(chunks / in flight)) + bytes / bandwidth
# with in flight = the loader's 32 concurrent fetches (and, for reference, every chunk at once).
# Usage: tests/bench/run_viewer_fetch_bench.sh   Env: BUILD_DIR (default build), SIZE (1024),
#        RUNS (3, median), DELAY_MS (25), SIZES ("800x600 1600x1000 2560x1440"),
#        NZVIEW (a built nzview to measure instead of $BUILD_DIR/bin/nzview).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
size=${SIZE:-1024}
runs=${RUNS:-3}
delay_ms=${DELAY_MS:-25}
sizes=${SIZES:-"800x600 1600x1000 2560x1440"}
py=/usr/bin/python3
state=$build/bench-servers-fetch
data=$build/bench-data
vol=$data/big${size}.nii.zarr
http_port=18281
proxy_port=18290
mkdir -p "$state" "$data"

nzview=${NZVIEW:-}
if [[ -z $nzview ]]; then
  [[ -f $build/build.ninja ]] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" --target nzview -j2 >/dev/null
  nzview=$build/bin/nzview
fi
if [[ ! -f $vol/.zattrs ]]; then
  echo "generating $vol ..." >&2
  "$py" "$repo/tests/bench/make_big_volume.py" "$vol" --size "$size"
fi
[[ -f $data/bw256m.bin ]] || head -c $((256 << 20)) /dev/urandom >"$data/bw256m.bin"
chmod -R a+rX "$data"

cleanup() {
  [[ -n ${proxy_pid:-} ]] && kill "$proxy_pid" 2>/dev/null || true
  NZ_NGINX_HTTP_PORT=$http_port NZ_NGINX_HTTPS_PORT=0 "$repo/tests/servers/nginx.sh" stop "$state" >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
NZ_NGINX_HTTP_PORT=$http_port NZ_NGINX_HTTPS_PORT=0 NZ_NGINX_ROOT=$data \
  "$repo/tests/servers/nginx.sh" start "$state" >/dev/null
"$py" "$repo/tests/bench/delay_proxy.py" --listen 127.0.0.1:$proxy_port --upstream 127.0.0.1:$http_port \
  --delay-ms "$delay_ms" --connect-rtt >"$state/delay_proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:$proxy_port/bw256m.bin -r 0-0 && break; sleep 0.05; done

base=http://127.0.0.1:$proxy_port/big${size}.nii.zarr
rtt=$("$py" -c "print($delay_ms * 2 / 1000)")
bw_t0=$(date +%s.%N)
bw_pids=()
for i in 0 1 2 3; do
  curl -s -o /dev/null -r $((i << 26))-$(((i + 1 << 26) - 1)) http://127.0.0.1:$proxy_port/bw256m.bin &
  bw_pids+=($!)
done
wait "${bw_pids[@]}"
bw_t1=$(date +%s.%N)
bw=$("$py" -c "print($((256 << 20)) / max(1e-3, $bw_t1 - $bw_t0 - 2 * $rtt))")

settings=$state/settings.ini
: >"$settings"
rows=()
for wh in $sizes; do
  jsons=()
  for _ in $(seq "$runs"); do
    rm -f "$state/shot.png"
    out=$(NZVIEW_SETTINGS=$settings NZVIEW_DISK_CACHE=off LIBGL_ALWAYS_SOFTWARE=1 \
      QT_XCB_GL_INTEGRATION=xcb_glx xvfb-run -a -s "-screen 0 2600x1500x24 -nolisten tcp" \
      "$nzview" "$base" --screenshot "$state/shot.png" --size "$wh" --timeout 120 --stats --layout ortho \
      2>"$state/nzview.err" | tail -n 1) || true
    [[ $out == \{* ]] || { echo "nzview failed at $wh: $(head -c 300 "$state/nzview.err")" >&2; exit 1; }
    jsons+=("$out")
  done
  rows+=("$("$py" - "$wh" "$rtt" "$bw" "${jsons[@]}" <<'EOF'
import json, math, statistics, sys
wh, rtt, bw = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
runs = [json.loads(a) for a in sys.argv[4:]]
runs.sort(key=lambda j: j["complete_s"])
j = runs[len(runs) // 2]  # the median run by time to the complete picture
L = j["loader"]
chunks, disp = j["displayed_chunks"], j["displayed_bytes"]
def limit(inflight):
    return rtt * (1 + 2 + math.ceil(chunks / max(1, inflight))) + disp / bw
lim32, limall = limit(L["max_in_flight"]), limit(chunks)
by = "/".join(str(n) for n in L["requests_by_level"])
print(f"{wh:>10} {'/'.join(map(str, j['levels'])):>7} {chunks:>6} {L['requests']:>6} {by:>18} "
      f"{L['prefetch_requests']:>5} {L['bytes'] / 1e6:>9.1f} {disp / 1e6:>9.1f} "
      f"{L['bytes'] / max(1, disp):>6.2f} {j['complete_s']:>7.2f} {lim32:>7.2f} "
      f"{j['complete_s'] / lim32:>6.2f}x {limall:>7.2f} {L['aborted']:>5}")
EOF
)")
done

echo
echo "nzview viewer-fetch benchmark: ${size}^3 uint16, 64^3 chunks, RTT $rtt s (delay proxy), proxied bandwidth" \
  "$("$py" -c "print(round($bw / 1e6))") MB/s, cold, no disk cache, median of $runs runs (by time)"
printf '%10s %7s %6s %6s %18s %5s %9s %9s %6s %7s %7s %7s %7s %5s\n' window levels shown reqs "reqs by level" pref \
  "MB got" "MB shown" ratio "done s" "lim32 s" ratio "limN s" abort
for r in "${rows[@]}"; do echo "$r"; done
echo "shown = chunks the three views display (their level + the coarsest level); ratio = bytes fetched /"
echo "stored bytes of the shown chunks; done s = process start to the complete picture (includes the open);"
echo "lim32 = RTT x (1 + 2 + ceil(shown / 32)) + shown bytes / bandwidth (limN: every chunk in flight)"
