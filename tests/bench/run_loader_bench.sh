#!/usr/bin/env bash
# Loader benchmark: time to the first (coarse) picture and to full resolution of a slice, bytes
# fetched vs visible, and peak RSS while browsing a 1 TB sparse volume against the cache budget.
# Uses a synthetic dataset with an injected per-request delay (no servers needed). Prints tables.
# Usage: tests/bench/run_loader_bench.sh [loader_bench args: --quick --rtt-ms 50 --budget-mb 256
#        --uri URI]   Env: BUILD_DIR (default build).
# With --uri, e.g. the big volume behind run_bench.sh's delay proxy while it runs:
#   --uri http://127.0.0.1:18090/big1024.nii.zarr
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
[[ -f $build/build.ninja ]] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target loader_bench -j2 >/dev/null
"$build/tests/loader_bench" "$@"
