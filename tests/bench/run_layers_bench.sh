#!/usr/bin/env bash
# Layer benchmark: the viewer on the bench volume (N^3 uint16, 0.5 mm; make_big_volume.py) with
# a second scan (N/2)^3 at the same spacing and a (N/2)^3 label map at 0.8 mm with an oblique
# affine (make_label_volume.py, converted with nzview-cli convert --label) over it, all local
# files, under Xvfb. Prints a table: compose ms of a VIEW-px view with 1 and 3 layers (p50/p95),
# chunk requests per view change, longest GUI stall, peak RSS and the one cache's peak bytes.
# Usage: tests/bench/run_layers_bench.sh [--size 1024] [--view 1024] [--steps 12] [--gui-compose]
#        [--layout grid|ortho|3d]
#        --gui-compose: compose on the GUI thread (the baseline before the compose workers).
#        --layout: the views shown (default grid, as nzview: with the 3D view).
#        Env: BUILD_DIR (default build), BENCH_DATA (default $BUILD_DIR/bench-data).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
data=${BENCH_DATA:-$build/bench-data}
size=1024
view=1024
steps=12
extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --size) size=$2; shift 2 ;;
    --view) view=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --gui-compose) extra+=(--gui-compose); shift ;;
    --layout) extra+=(--layout "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
half=$((size / 2))
py=/usr/bin/python3
mkdir -p "$data"
[[ -f $build/build.ninja ]] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target layers_bench nzview-cli -j2 >/dev/null

ref=$data/big$size.nii.zarr
second=$data/big$half.nii.zarr
labels=$data/labels$half.nii.zarr
[[ -f $ref/.zattrs ]] || "$py" "$repo/tests/bench/make_big_volume.py" "$ref" --size "$size"
[[ -f $second/.zattrs ]] || "$py" "$repo/tests/bench/make_big_volume.py" "$second" --size "$half"
if [[ ! -e $labels ]]; then
  "$py" "$repo/tests/bench/make_label_volume.py" "$data/labels$half.nii.gz" --size "$half"
  "$build/bin/nzview-cli" convert "$data/labels$half.nii.gz" "$labels" --label --chunk 64 --quiet
fi

screen="-screen 0 $((2 * view + 600))x$((2 * view + 400))x24 -nolisten tcp"
LIBGL_ALWAYS_SOFTWARE=1 QT_XCB_GL_INTEGRATION=xcb_glx \
  xvfb-run -a -s "$screen" "$build/bench/layers_bench" "$ref" "$second" "$labels" \
  --view "$view" --steps "$steps" ${extra[@]+"${extra[@]}"}
