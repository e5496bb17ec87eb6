#!/usr/bin/env bash
# Export benchmark: wall time and peak RSS (/usr/bin/time -v) of one large export to .nii through
# nz::runExport, held in memory (the whole output as one volume) vs streamed in z-slabs
# (ExportOutputOptions::maxInMemoryBytes, default 512 MiB). The files must be byte-identical.
# Prints a table.
# Usage: tests/bench/run_export_bench.sh [--uri URI] [--roi x0:x1,y0:y1,z0:z1] [--level N]
#   Default URI: the 1024³ uint16 bench volume (build-http/bench-data/big1024.nii.zarr, or
#   $BUILD_DIR/bench-data/...; generated with make_big_volume.py --size 512 when absent).
#   Env: BUILD_DIR (default build), OUT_DIR (default a temporary directory; needs 2x the output).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
uri="" roi="" level=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --uri) uri=$2; shift 2 ;;
    --roi) roi=$2; shift 2 ;;
    --level) level=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -f $build/build.ninja ]] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target export_bench -j2 >/dev/null
out=${OUT_DIR:-$(mktemp -d)}
cleanup() { rm -f "$out"/*.nii "$out"/*.time; [[ -n ${OUT_DIR:-} ]] || rmdir "$out"; }
trap cleanup EXIT
if [[ -z $uri ]]; then
  for c in "$repo/build-http/bench-data/big1024.nii.zarr" "$build/bench-data/big1024.nii.zarr"; do
    [[ -d $c ]] && { uri=$c; break; }
  done
fi
if [[ -z $uri ]]; then
  uri=$build/bench-data/big512.nii.zarr
  [[ -d $uri ]] || /usr/bin/python3 "$repo/tests/bench/make_big_volume.py" "$uri" --size 512 >/dev/null
fi
args=(--level "$level")
[[ -n $roi ]] && args+=(--roi "$roi")

run() {  # name max-in-memory-bytes
  local name=$1 bound=$2 line
  sync
  line=$(/usr/bin/time -v -o "$out/$name.time" "$build/bench/export_bench" "$uri" "$out/$name.nii" \
           --max-in-memory "$bound" "${args[@]}")
  local rss wall
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/$name.time")
  read -r path bytes wall misses hits chunks <<<"$line"
  awk -v n="$name" -v p="$path" -v b="$bytes" -v w="$wall" -v r="$rss" -v m="$misses" \
      -v c="$chunks" -v h="$hits" 'BEGIN {
    printf "| %-22s | %-8s | %9.1f | %8.2f | %9.1f | %6s/%-7s | %4s |\n", n, p, b / 1048576, w,
           r / 1024, m, c, h }'
}

echo "export of $uri (level $level${roi:+, roi $roi}) to .nii"
echo "| run                    | path     | out (MiB) | wall (s) | RSS (MiB) | fetched/chunks | hits |"
echo "|------------------------|----------|-----------|----------|-----------|----------------|------|"
run memory 18446744073709551615
run streamed 536870912
cmp -s "$out/memory.nii" "$out/streamed.nii" || { echo "FAIL: outputs differ" >&2; exit 1; }
rm -f "$out/streamed.nii"
run streamed-64MiB 67108864
cmp -s "$out/memory.nii" "$out/streamed-64MiB.nii" || { echo "FAIL: outputs differ" >&2; exit 1; }
rm -f "$out"/*.nii
echo "outputs byte-identical"
