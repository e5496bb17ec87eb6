#!/usr/bin/env bash
# What the export manifest costs: the same ROI export over HTTP behind a 50 ms round trip
# (delay_proxy.py in front of python3 -m http.server), with and without --no-manifest, a few
# rounds alternating. Prints a table of wall seconds and requests. Not part of the test suite.
# Usage: tests/bench/run_manifest_bench.sh BUILD_DIR [ROUNDS]
set -euo pipefail
build=${1:?usage: run_manifest_bench.sh BUILD_DIR [ROUNDS]}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
cli=$build/bin/nzview-cli
work=$(mktemp -d)
python3 -m http.server 18391 --bind 127.0.0.1 --directory "$here/../data/refdata" >/dev/null 2>&1 &
http=$!
python3 "$here/delay_proxy.py" --listen 127.0.0.1:18392 --upstream 127.0.0.1:18391 --delay-ms 25 \
  >/dev/null 2>&1 &
proxy=$!
trap 'kill $http $proxy 2>/dev/null; rm -rf "$work"' EXIT
sleep 1.5
uri=http://127.0.0.1:18392/e_uint16_pyramid_4levels.nii.zarr
"$cli" export "$uri" -o "$work/warm.nii" --roi 0:8,0:8,0:8 --no-manifest >/dev/null  # warm-up
printf '%-12s %8s %9s\n' mode seconds requests
for ((i = 0; i < rounds; ++i)); do
  for mode in manifest no-manifest; do
    rm -f "$work"/o.nii*
    extra=()
    [[ $mode == no-manifest ]] && extra=(--no-manifest)
    start=$(date +%s.%N)
    "$cli" export "$uri" -o "$work/o.nii" --roi 5:69,3:67,1:65 "${extra[@]}" --stats 2>"$work/st"
    end=$(date +%s.%N)
    requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$work/st")
    printf '%-12s %8.3f %9s\n' "$mode" "$(echo "$end - $start" | bc)" "$requests"
  done
done
