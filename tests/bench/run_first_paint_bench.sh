#!/usr/bin/env bash
# First-paint benchmark: a fresh nzview window (first_paint_bench, software OpenGL under Xvfb)
# opens a local dataset (default: the Colin27 sample the build converts) from its start page,
# with the GL pre-warm off (NZVIEW_GL_PREWARM=0, as before it existed) and on, alternating,
# RUNS times each, in the slices-only layout, in the default grid (with the 3D view) and with
# the 3D view alone (maximised: 914x766 pixels), every run a new process (cold GL contexts and
# shader caches). Prints one table row per run: the warm-up's time on the start page, the
# open's longest GUI-thread stall (and the part outside painting), each slice view's first
# paint, the 3D view's first paint and later render cost.
# Usage: tests/bench/run_first_paint_bench.sh [--runs 3] [--layouts "ortho grid 3d"] [URI]
#        Env: BUILD_DIR (default build).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
runs=3
layouts="ortho grid 3d"
uri=
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --layouts) layouts=$2; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) uri=$1; shift ;;
  esac
done
[[ -f $build/build.ninja ]] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target first_paint_bench nzview -j2 >/dev/null
if [[ -z $uri ]]; then
  uri=$build/share/nzview/sample.nii.zarr
  [[ -d $uri ]] || uri=$repo/tests/data/refdata/e_uint16_pyramid_4levels.nii.zarr
fi
run() {
  if [[ -n ${DISPLAY:-} ]]; then "$@"; else xvfb-run -a -s "-screen 0 1600x1200x24" "$@"; fi
}
export QT_QPA_PLATFORM=xcb LIBGL_ALWAYS_SOFTWARE=1 QT_XCB_GL_INTEGRATION=xcb_glx NZVIEW_DISK_CACHE=off
settings=$(mktemp -d)
trap 'rm -rf "$settings"' EXIT
export NZVIEW_SETTINGS=$settings/bench.ini NZVIEW_INSTANCE_NAME=nzview-first-paint-bench
echo "First paint of $(basename "$uri"), a fresh process per row (software OpenGL, 1280x860 window):"
header=--header
for layout in $layouts; do
  for ((i = 0; i < runs; ++i)); do
    for warm in 0 1; do
      NZVIEW_GL_PREWARM=$warm run "$build/bench/first_paint_bench" "$uri" --layout $layout $header \
        2> >(grep -v XDG_RUNTIME_DIR >&2)
      header=
    done
  done
done
