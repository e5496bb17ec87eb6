#!/usr/bin/env bash
# Polite bursts: whole-volume exports from Python's http.server (listen backlog 5, HTTP/1.0: a
# connection per request) against the same files from nginx, with the per-host ramp off
# (--option http.adaptive=0: the whole wave bursts at once, as before the ramp) and on.
# Goal: the backlog-5 server costs at most 2x the nginx time. Median of RUNS whole-process runs.
# Usage: tests/bench/run_polite_bench.sh   Env: BUILD_DIR (default build), RUNS (3), NZ_CLI.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
runs=${RUNS:-3}
py=/usr/bin/python3
state=$build/bench-servers-polite
mkdir -p "$state"
cli=${NZ_CLI:-}
if [[ -z $cli ]]; then
  cmake --build "$build" --target nzview-cli -j2 >/dev/null
  cli=$build/bin/nzview-cli
fi
data=$repo/tests/data/refdata

cleanup() {
  [[ -n ${py_pid:-} ]] && kill "$py_pid" 2>/dev/null || true
  NZ_NGINX_HTTP_PORT=18082 NZ_NGINX_HTTPS_PORT=0 "$repo/tests/servers/nginx.sh" stop "$state" >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
NZ_NGINX_HTTP_PORT=18082 NZ_NGINX_HTTPS_PORT=0 NZ_NGINX_ROOT=$data \
  "$repo/tests/servers/nginx.sh" start "$state" >/dev/null
"$py" "$repo/tests/servers/small_backlog_server.py" --listen 127.0.0.1:18098 --root "$data" \
  >"$state/backlog.log" 2>&1 &
py_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18098/manifest.json && break; sleep 0.05; done

median() { "$py" -c "import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
time_export() {  # url extra-args... -> wall (median)
  local url=$1; shift
  local walls=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$cli" export "$url" --level 0 -o "$state/out.nii" "$@" >/dev/null 2>"$state/err" ||
      { echo "export failed: $(head -c 200 "$state/err")" >&2; exit 1; }
    t1=$(date +%s.%N)
    walls+=("$("$py" -c "print($t1 - $t0)")")
  done
  median "${walls[@]}"
}

printf '%-38s %7s %10s %10s %8s %10s %8s\n' dataset chunks "nginx s" "burst s" ratio "ramp s" ratio
for name in e_uint16_pyramid_4levels b_int16_scl_qform f_blosc_default_chunk64_float32; do
  chunks=$(find "$data/$name.nii.zarr/0" -type f ! -name '.z*' ! -name 'zarr.json' | wc -l)
  ng=$(time_export "http://127.0.0.1:18082/$name.nii.zarr")
  burst=$(time_export "http://127.0.0.1:18098/$name.nii.zarr" --option http.adaptive=0)
  ramp=$(time_export "http://127.0.0.1:18098/$name.nii.zarr")
  printf '%-38s %7s %10.3f %10.3f %7.2fx %10.3f %7.2fx\n' "$name" "$chunks" "$ng" "$burst" \
    "$("$py" -c "print($burst / $ng)")" "$ramp" "$("$py" -c "print($ramp / $ng)")"
done
echo "nginx: keep-alive; burst: --option http.adaptive=0; ramp: default (per-host ramp). Median of $runs runs; shared 2-core machine."
