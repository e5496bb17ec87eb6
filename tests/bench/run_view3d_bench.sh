#!/usr/bin/env bash
# 3D view benchmark: the 1024^3 bench volume (make_big_volume.py: uint16, 64^3 chunks, blosc
# lz4) served by nginx behind the delay proxy (25 ms each way: RTT 50 ms), opened by the real
# viewer under Xvfb with software OpenGL (llvmpipe), once per 3D voxel budget. Prints a table:
# the level shown, seconds from open to the first 3D picture and to the refined level, volume
# uploads, frame time while rotating (p50 / p95 ms at VTK's interactive update rate, and the p50
# of full-quality frames in brackets) in the grid cell and maximised, the longest
# GUI-thread stall while the level streamed, the longest render that uploaded a volume, peak RSS
# and the cache's bytes.
# Usage: tests/bench/run_view3d_bench.sh [--size 1024] [--budgets "128 256"] [--frames 30]
#        Env: BUILD_DIR (default build), BENCH_DATA (default $BUILD_DIR/bench-data),
#        DELAY_MS (25), PORT_BASE (18380: nginx on +1, the proxy on +10), BENCH_STDERR (where
#        the bench's stderr goes, default /dev/null).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
data=${BENCH_DATA:-$build/bench-data}
delay_ms=${DELAY_MS:-25}
port_base=${PORT_BASE:-18380}
size=1024
budgets="128 256"
frames=30
while [[ $# -gt 0 ]]; do
  case $1 in
    --size) size=$2; shift 2 ;;
    --budgets) budgets=$2; shift 2 ;;
    --frames) frames=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
py=/usr/bin/python3
state=$build/bench-servers-view3d
mkdir -p "$data" "$state"
[[ -f $build/build.ninja ]] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target view3d_bench -j2 >/dev/null
vol=$data/big$size.nii.zarr
[[ -f $vol/.zattrs ]] || "$py" "$repo/tests/bench/make_big_volume.py" "$vol" --size "$size"

http=$((port_base + 1))
proxy=$((port_base + 10))
cleanup() {
  [[ -n ${proxy_pid:-} ]] && kill "$proxy_pid" 2>/dev/null || true
  NZ_NGINX_HTTP_PORT=$http NZ_NGINX_HTTPS_PORT=0 "$repo/tests/servers/nginx.sh" stop "$state" >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
NZ_NGINX_HTTP_PORT=$http NZ_NGINX_HTTPS_PORT=0 NZ_NGINX_ROOT=$data \
  "$repo/tests/servers/nginx.sh" start "$state" >/dev/null
"$py" "$repo/tests/bench/delay_proxy.py" --listen 127.0.0.1:$proxy --upstream 127.0.0.1:$http \
  --delay-ms "$delay_ms" --connect-rtt >"$state/delay_proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$proxy/big$size.nii.zarr/.zattrs" && break; sleep 0.05; done

echo "3D view, ${size}^3 uint16 over HTTP with RTT $((2 * delay_ms)) ms, software GL (llvmpipe), window 1280x860"
run() {
  NZVIEW_DISK_CACHE=off NZVIEW_SETTINGS=$state/settings.ini \
    LIBGL_ALWAYS_SOFTWARE=1 QT_XCB_GL_INTEGRATION=xcb_glx QT_QPA_PLATFORM=xcb \
    xvfb-run -a -s "-screen 0 1600x1200x24 -nolisten tcp" \
    "$build/bench/view3d_bench" "http://127.0.0.1:$proxy/big$size.nii.zarr" "$@" 2>${BENCH_STDERR:-/dev/null}
}
run --header --ortho  # baseline: the slices alone
for b in $budgets; do
  NZVIEW_3D_BUDGET=$((b * b * b)) run --frames "$frames"
done
