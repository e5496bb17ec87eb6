#!/usr/bin/env bash
# .nii.gz export benchmark: a whole 2 GiB volume (level 0 of the 1024³ uint16 bench volume, a
# local .nii.zarr) exported to .nii.gz by nzview-cli at the default level (1: ISA-L) and at
# level 6 (zlib), both compressed on every core, and, when OLD_CLI names an older nzview-cli
# (one that deflated on one core with zlib 6, its default), by that one. Every output must pass
# `gzip -t` and inflate to the same voxels. Prints a table: wall, user+sys CPU, output size.
# Usage: tests/bench/run_gzip_export_bench.sh   Env: BUILD_DIR (default build), SIZE (1024),
#        RUNS (1), OLD_CLI (optional), OUT_DIR (default a temporary directory; needs ~3 GiB).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
size=${SIZE:-1024}
runs=${RUNS:-1}
py=/usr/bin/python3
export NZVIEW_DISK_CACHE=off
[[ -f $build/build.ninja ]] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
[[ -n ${NZ_BENCH_NO_BUILD:-} ]] || cmake --build "$build" --target nzview-cli -j2 >/dev/null
cli=$build/bin/nzview-cli
src=$build/bench-data/big$size.nii.zarr
[[ -f $src/.zattrs ]] || "$py" "$repo/tests/bench/make_big_volume.py" "$src" --size "$size" >/dev/null
out=${OUT_DIR:-$(mktemp -d)}
mkdir -p "$out"
cleanup() { rm -f "$out"/*.nii.gz "$out"/*.nii.gz.nzview.json "$out"/*.time; [[ -n ${OUT_DIR:-} ]] || rmdir "$out"; }
trap cleanup EXIT

# name cli args... -> one table row (median wall of RUNS, CPU and size of the last run)
row() {
  local name=$1 bin=$2
  shift 2
  local walls=() cpu=0 bytes=0 extra=()
  # No manifest's SHA-256 (an older build has no manifests at all).
  "$bin" export --help 2>&1 | grep -q -- --no-manifest && extra=(--no-manifest)
  for _ in $(seq "$runs"); do
    rm -f "$out/$name.nii.gz" "$out/$name.nii.gz.nzview.json"
    sync
    /usr/bin/time -f '%e %U %S' -o "$out/$name.time" "$bin" export "$src" -o "$out/$name.nii.gz" \
      "${extra[@]}" "$@" >/dev/null
    read -r wall user sys <"$out/$name.time"
    walls+=("$wall")
    cpu=$("$py" -c "print(round($user + $sys, 2))")
  done
  bytes=$(stat -c %s "$out/$name.nii.gz")
  gzip -t "$out/$name.nii.gz" || { echo "FAIL: $name is not a valid gzip" >&2; exit 1; }
  local wall
  wall=$("$py" -c "import sys,statistics; print(round(statistics.median(map(float, sys.argv[1:])), 2))" "${walls[@]}")
  printf '| %-40s | %8s | %8s | %9.1f |\n' "$name" "$wall" "$cpu" "$("$py" -c "print($bytes / 1048576)")"
  eval "wall_$name=$wall"
}

echo "export of level 0 of $(basename "$src") ($((size * size * size * 2 >> 20)) MiB of voxels) to .nii.gz, $(nproc) cores, median of $runs"
echo "| case                                     | wall (s) | CPU (s)  | out (MiB) |"
echo "|------------------------------------------|----------|----------|-----------|"
row level1 "$cli"
row level6 "$cli" --gzip-level 6
[[ -n ${OLD_CLI:-} ]] && row old_zlib6_one_core "$OLD_CLI" --gzip-level 6
# The same voxels whatever the level and the writer (headers may differ between versions).
want=$(gzip -dc "$out/level1.nii.gz" | tail -c $((size * size * size * 2)) | sha256sum)
for f in "$out"/level6.nii.gz ${OLD_CLI:+"$out"/old_zlib6_one_core.nii.gz}; do
  [[ $(gzip -dc "$f" | tail -c $((size * size * size * 2)) | sha256sum) == "$want" ]] ||
    { echo "FAIL: $(basename "$f") holds other voxels" >&2; exit 1; }
done
echo "every output passes gzip -t and holds the same voxels"
if [[ -n ${OLD_CLI:-} ]]; then
  "$py" -c "print(f'default export vs the one-core zlib-6 writer: {$wall_old_zlib6_one_core / $wall_level1:.1f}x faster; level 6 on every core: {$wall_old_zlib6_one_core / $wall_level6:.1f}x')"
fi
