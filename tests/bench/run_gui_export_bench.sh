#!/usr/bin/env bash
# GUI export vs CLI export on the same ROI of a remote dataset: a SIZE^3 uint16 NIfTI-Zarr (64^3
# chunks) served by nginx (:18083) behind a DELAY_MS-each-way delay proxy (:18093). Times
#   cli     nzview-cli export URI --roi R -o out.nii (whole process)
#   job     the export dialog's ExportJob alone in a Qt process
#   window  the same ExportJob in a process whose MainWindow has URI open and on screen
#   busy    as window, but started right after the open while the views still stream (the
#           views' loader yields to the export: 2 connections while it runs)
#   busy-shared  as busy, the views keeping all their connections (before that priority)
# and prints a table of seconds and chunks/s (median of RUNS rounds, modes interleaved), with
# the chunks the views fetched meanwhile. No disk cache. Needs a display (xvfb-run -a).
# Usage: xvfb-run -a tests/bench/run_gui_export_bench.sh
#   Env: BUILD_DIR (default build), SIZE (512), DELAY_MS (25), RUNS (3), ROI (whole level 0)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
size=${SIZE:-512}
runs=${RUNS:-3}
delay_ms=${DELAY_MS:-25}
roi=${ROI:-0:$size,0:$size,0:$size}
py=/usr/bin/python3
state=$build/bench-servers-gui
data=$build/bench-data
vol=$data/big${size}.nii.zarr
out=$build/bench-out
mkdir -p "$state" "$data" "$out"

cmake --build "$build" --target gui_export_bench nzview-cli -j2 >/dev/null
if [[ ! -f $vol/.zattrs ]]; then
  echo "generating $vol ..." >&2
  "$py" "$repo/tests/bench/make_big_volume.py" "$vol" --size "$size"
fi
chmod -R a+rX "$data"

cleanup() {
  [[ -n ${proxy_pid:-} ]] && kill "$proxy_pid" 2>/dev/null || true
  NZ_NGINX_HTTP_PORT=18083 NZ_NGINX_HTTPS_PORT=0 "$repo/tests/servers/nginx.sh" stop "$state" >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
NZ_NGINX_HTTP_PORT=18083 NZ_NGINX_HTTPS_PORT=0 NZ_NGINX_ROOT=$data \
  "$repo/tests/servers/nginx.sh" start "$state" >/dev/null
"$py" "$repo/tests/bench/delay_proxy.py" --listen 127.0.0.1:18093 --upstream 127.0.0.1:18083 \
  --delay-ms "$delay_ms" --connect-rtt --workers 2 >"$state/delay_proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:18093/big${size}.nii.zarr/.zattrs" && break; sleep 0.05; done
uri=http://127.0.0.1:18093/big${size}.nii.zarr

median() { "$py" -c "import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
export NZVIEW_SETTINGS=$state/settings.ini  # never the user's recent list
# Every mode reads over the network: the disk cache (on by default) would let the CLI read
# chunks an earlier run left on disk.
export NZVIEW_DISK_CACHE=off

modes=(cli job window busy busy-shared)
chunks=""
declare -A walls viewer
# Rounds interleave the modes, so a load change on the machine hits every mode alike.
for _ in $(seq "$runs"); do
  for mode in "${modes[@]}"; do
    rm -f "$out/roi.nii"
    if [[ $mode == cli ]]; then
      t0=$(date +%s.%N)
      "$build/bin/nzview-cli" export "$uri" --roi "$roi" -o "$out/roi.nii" >/dev/null
      t1=$(date +%s.%N)
      walls[$mode]+=" $("$py" -c "print($t1 - $t0)")"
    else
      flag=(); [[ $mode != job ]] && flag=(--$mode)
      json=$("$build/bench/gui_export_bench" "$uri" --roi "$roi" --out "$out/roi.nii" "${flag[@]}")
      walls[$mode]+=" $("$py" -c "import json,sys; print(json.loads(sys.argv[1])['seconds'])" "$json")"
      viewer[$mode]+=" $("$py" -c "import json,sys; print(json.loads(sys.argv[1])['viewer_chunks'])" "$json")"
      chunks=$("$py" -c "import json,sys; print(json.loads(sys.argv[1])['chunks'])" "$json")
    fi
  done
done

printf '%-12s %9s %7s %9s %13s\n' mode seconds chunks chunks/s "view chunks"
for mode in "${modes[@]}"; do
  # shellcheck disable=SC2086
  secs=$(median ${walls[$mode]})
  v=-; [[ -n ${viewer[$mode]:-} ]] && v=$(median ${viewer[$mode]})
  printf '%-12s %9.2f %7s %9.1f %13s\n' "$mode" "$secs" "$chunks" \
    "$("$py" -c "print($chunks / $secs)")" "$v"
done
echo "(SIZE=$size, ROI=$roi, RTT $((2 * delay_ms)) ms, median of $runs interleaved rounds;"
echo " cli = whole process incl. open; view chunks = fetched by the views from the open to the end of the export;"
echo " busy-shared = busy with the views keeping all their connections, as before exports had priority)"
