#!/usr/bin/env bash
# Cluster conversion benchmark: a NIfTI volume (default 1024^3 uint16 = 2 GiB, .nii) converted
# by one process and in N = 1, 2, 4 parts (the parts of a stage run at once, as an array job's
# tasks would on N machines; on this machine they share its cores). Per stage: wall time of
# the stage, the slowest part, CPU seconds, peak RSS of a part, objects written. Checks the
# part output is byte-identical to the single-process one. Prints a table.
# Usage: tests/bench/run_cluster_bench.sh [--size 1024] [--parts "1 2 4"] [convert options]
#   Env: BUILD_DIR (default build), DATA_DIR (default $BUILD_DIR/bench-data), OUT_DIR (default
#   a temporary directory; needs about 2x the compressed output).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
size=1024 parts="1 2 4"
opts=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --size) size=$2; shift 2 ;;
    --parts) parts=$2; shift 2 ;;
    *) opts+=("$1"); shift ;;
  esac
done
[[ -f $build/build.ninja ]] || cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target nzview-cli -j2 >/dev/null
cli=$build/bin/nzview-cli
data=${DATA_DIR:-$build/bench-data}
out=${OUT_DIR:-$(mktemp -d)}
trap '[[ -n ${OUT_DIR:-} ]] || rm -rf "$out"' EXIT
mkdir -p "$data" "$out"
in=$data/vol$size.nii
if [[ ! -f $in ]]; then
  /usr/bin/python3 - "$in" "$size" <<'PY'
import sys, numpy as np, nibabel as nib
path, n = sys.argv[1], int(sys.argv[2])
h = nib.Nifti1Header()
h.set_data_shape((n, n, n)); h.set_data_dtype(np.uint16); h.set_zooms((0.1, 0.1, 0.1))
h.set_sform(np.diag([0.1, 0.1, 0.1, 1]), 2); h.set_data_offset(352)
with open(path + ".tmp", "wb") as f:
    f.write(h.binaryblock + b"\0" * 4)
    y = np.arange(n, dtype=np.float32)[:, None]; x = np.arange(n, dtype=np.float32)[None, :]
    for z in range(n):   # one plane (x fastest) at a time: smooth + a little noise
        v = 20000 + 8000 * np.sin(x * 0.013 + z * 0.004) * np.cos(y * 0.011) + 4000 * np.sin(z * 0.02 + y * 0.003)
        v = v.astype(np.uint16) + np.random.default_rng(z).integers(0, 16, size=(n, n), dtype=np.uint16)
        f.write(v.astype("<u2").tobytes())
import os; os.rename(path + ".tmp", path)
PY
fi
gib=$(awk -v b="$(stat -c %s "$in")" 'BEGIN { printf "%.2f", b / 2^30 }')
now() { date +%s.%N; }

# stage NAME N PARTARGS...: runs N parts at once; prints one table row.
stage() {
  local name=$1 n=$2 t0 t1 i
  shift 2
  t0=$(now)
  for ((i = 0; i < n; i++)); do
    local pa=()
    [[ $name == finalize ]] || pa=(--part "$i/$n")
    /usr/bin/time -f "%e %U %S %M" -o "$out/time.$i" "$cli" convert "$in" "$out/parts.nii.zarr" \
      "${opts[@]}" "$@" "${pa[@]}" --quiet >"$out/log.$i" &
  done
  wait
  t1=$(now)
  [[ $name == finalize ]] && n=1
  cat "$out"/time.* | awk -v name="$name" -v n="$n" -v wall="$(echo "$t1 - $t0" | bc)" \
    -v objs="$(grep -ho '[0-9]* objects' "$out"/log.* | awk '{s += $1} END {print s + 0}')" '
    { if ($1 > slow) slow = $1; cpu += $2 + $3; if ($4 > rss) rss = $4 }
    END { printf "| %d | %s | %.1f | %.1f | %.1f | %.0f | %d |\n", n, name, wall, slow, cpu, rss / 1024, objs }'
  rm -f "$out"/time.* "$out"/log.*
}

echo "input: $in ($gib GiB), options: ${opts[*]:-(defaults)}, $(nproc) cores"
echo
echo "| parts | stage | stage wall s | slowest part s | CPU s | peak RSS / part MiB | objects |"
echo "|---|---|---|---|---|---|---|"
rm -rf "$out/single.nii.zarr"
/usr/bin/time -f "%e %U %S %M" -o "$out/time.s" "$cli" convert "$in" "$out/single.nii.zarr" \
  "${opts[@]}" --quiet >"$out/log.s"
read -r e u s m <"$out/time.s"
printf "| single | convert | %.1f | %.1f | %.1f | %.0f | %s |\n" "$e" "$e" "$(echo "$u + $s" | bc)" \
  "$((m / 1024))" "$(grep -o '[0-9]* objects' "$out/log.s" | cut -d' ' -f1)"
rm -f "$out/time.s" "$out/log.s"
for n in $parts; do
  rm -rf "$out/parts.nii.zarr"
  stage level0 "$n"
  stage pyramid "$n" --stage pyramid
  stage finalize 1 --stage finalize
  if diff -rq "$out/single.nii.zarr" "$out/parts.nii.zarr" >/dev/null; then
    echo "| $n | (identical to single) | | | | | |"
  else
    echo "| $n | DIFFERS from single | | | | | |"
  fi
done
