#!/usr/bin/env bash
# Runs convert and export as Slurm array jobs on the single-node Slurm of slurm_node.sh, through
# the shipped scripts (scripts/cluster/slurm), and checks the outputs are byte-identical to
# single-process runs. A level-0 task is killed (SIGKILL) mid-way: finalize then refuses, naming
# the missing unit, and the resubmitted job completes the dataset.
# usage: slurm_array_test.sh NZVIEW_CLI SOURCE_DIR WORK_DIR SLURM_STATE_DIR
set -euo pipefail
cli=$1 src=$2 work=$3 state=$4
export SLURM_CONF=$state/slurm.conf NZVIEW_CLI=$cli
py=/usr/bin/python3
slurm=$src/scripts/cluster/slurm
[ -f "$SLURM_CONF" ] && [ "$(sinfo -h -o %t 2>/dev/null | head -1)" = idle ] || {
  echo "slurm_array_test: no Slurm node (slurm_node.sh start did not run or was skipped)"
  exit 77
}
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; for f in logs/*; do echo "== $f"; cat "$f"; done >&2; exit 1; }
# Waits until none of the jobs is in the queue any more (90 s at most).
wait_jobs() {
  for _ in $(seq 900); do
    [ -z "$(squeue -h -j "$(echo "$@" | tr ' ' ,)" 2>/dev/null)" ] && return 0
    sleep 0.1
  done
  squeue >&2
  fail "jobs $* still queued after 90 s"
}
# Every task of job $1 ended COMPLETED with exit code 0.
check_done() {
  local s
  s=$(scontrol show job "$1" | grep -o "JobState=[A-Z_]*" | sort -u | tr '\n' ' ')
  [ "$s" = "JobState=COMPLETED " ] || fail "job $1: $s"
}

# A 4-D uint16 .nii (2 volumes) and its single-process conversions.
$py - <<'PY'
import numpy as np, nibabel as nib
z, y, x = np.mgrid[0:160, 0:120, 0:136]
v = (1000 + 500 * np.sin(x / 17.0) * np.cos(y / 23.0) + 3 * z + (x * y * z) % 97)
v = np.stack([v, 2 * v[::-1]], axis=-1).astype(np.uint16)      # t = 2
nib.save(nib.Nifti1Image(np.ascontiguousarray(v.transpose(2, 1, 0, 3)),
                         np.diag([0.5, 0.5, 0.8, 1])), "vol.nii")
PY
v2opts=(--zarr-version 2 --chunk 16)
v3opts=(--chunk 16 --shard 32)
"$cli" convert vol.nii single_v2.nii.zarr "${v2opts[@]}" --quiet >/dev/null
"$cli" convert vol.nii single_v3.nii.zarr "${v3opts[@]}" --quiet >/dev/null

# 1. A level-0 array task killed mid-way. Part 1 of 2 owns the 10 slabs of volume t=1 (units
#    10..19); it is killed once its first record is there. The parts read the source over HTTP
#    in 2 MiB pieces from their first slab on; part 1's second piece (from slab 14 on) comes at
#    20 kB/s, so part 1 writes its first 4 units at once and is still running when killed.
slab=$((136 * 120 * 16 * 2))
$py "$src/tests/cluster/slow_range_server.py" vol.nii port.txt $((352 + 10 * slab + 2097152)) \
  20000 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 100); do [ -s port.txt ] && break; sleep 0.05; done
url=http://127.0.0.1:$(cat port.txt)/vol.nii
mkdir -p logs
job=$(sbatch --parsable --array=0-1 -o "logs/killed-%A_%a.out" "$slurm/convert.sbatch" level0 \
  "$url" parts_v2.nii.zarr "${v2opts[@]}")
job=${job%%;*}
rec() { ls parts_v2.nii.zarr/.nzview-parts/level0/ 2>/dev/null | grep -c "^0\.1\." || true; }
for _ in $(seq 3000); do [ "$(rec)" -ge 1 ] && break; sleep 0.01; done
scancel --signal=KILL --full "${job}_1"
wait_jobs "$job"
done_units=$(rec)
s1=$(scontrol show job "${job}_1" | grep -o "JobState=[A-Z_]*")
echo "killed part: $s1 after $done_units of 10 units"
[ "$s1" != JobState=COMPLETED ] || fail "part 1 finished before it was killed"
[ "$done_units" -ge 1 ] && [ "$done_units" -lt 10 ] || fail "part 1 did $done_units of 10 units"
if "$cli" convert vol.nii parts_v2.nii.zarr "${v2opts[@]}" --stage finalize 2>err.txt; then
  fail "finalize succeeded with a killed part"
fi
grep -q "level 0 is incomplete: no record" err.txt || fail "finalize error: $(cat err.txt)"
[ ! -e parts_v2.nii.zarr/.zgroup ] || fail "group metadata written before finalize"
kill $server
trap - EXIT

# 2. The whole conversion submitted again (v2: the level-0 parts redo only what is missing),
#    a fresh v3-sharded one, and the exports, all at once.
ids_v2=$("$slurm/submit_convert.sh" -n 2 -p 2 -o logs vol.nii parts_v2.nii.zarr "${v2opts[@]}")
ids_v3=$("$slurm/submit_convert.sh" -n 3 -p 2 -o logs vol.nii parts_v3.nii.zarr "${v3opts[@]}")
cat >rois.json <<'JSON'
{"nzview_rois": 1, "rois": [
 {"name": "a", "level": 0, "box": [[0, 40], [0, 40], [0, 30]]},
 {"name": "b", "level": 1, "box": [[-4, 30], [10, 50], [5, 45]], "crop_or_pad": [32, 32, 32]},
 {"name": "c", "level": 0, "box": [[100, 140], [90, 130], [80, 110], [1, 2]]},
 {"name": "a", "level": 2, "box": [[0, 20], [0, 20], [0, 20]]}]}
JSON
printf 'uri,name,box,level,crop_or_pad,pad_mode,pad_value\n' >list.csv
printf 'single_v3.nii.zarr,x1,"0:30,0:30,0:30",0,,,\n' >>list.csv
printf 'vol.nii,x2,"10:50,10:50,10:50",0,"48,48,48",edge,\n' >>list.csv
printf 'single_v2.nii.zarr,x1,"0:20,0:20,0:20",1,,constant,7\n' >>list.csv
ex1=$(sbatch --parsable --array=0-2 -o "logs/export-%A_%a.out" "$slurm/export.sbatch" \
  single_v3.nii.zarr --rois rois.json -o ex_parts)
ex2=$(sbatch --parsable --array=0-1 -o "logs/exportcsv-%A_%a.out" "$slurm/export.sbatch" \
  --rois list.csv -o csv_parts --format nii)
"$cli" export single_v3.nii.zarr --rois rois.json -o ex_single >/dev/null
"$cli" export --rois list.csv -o csv_single --format nii >/dev/null
# shellcheck disable=SC2086
wait_jobs $ids_v2 $ids_v3 "${ex1%%;*}" "${ex2%%;*}"
# shellcheck disable=SC2086
for j in $ids_v2 $ids_v3 "${ex1%%;*}" "${ex2%%;*}"; do check_done "$j"; done
grep -q "already done" logs/convert-level0-"$(echo $ids_v2 | cut -d' ' -f1)"_0.out ||
  fail "the re-run part 0 redid finished units"

diff -r single_v2.nii.zarr parts_v2.nii.zarr || fail "v2 parts differ from the single-process output"
diff -r single_v3.nii.zarr parts_v3.nii.zarr || fail "v3 parts differ from the single-process output"
# Manifests name their own output path: they differ between the two runs by design.
diff -r --exclude="*.nzview.json" ex_single ex_parts || fail "ROI exports differ"
diff -r --exclude="*.nzview.json" csv_single csv_parts || fail "CSV list exports differ"
[ "$(ls ex_parts | grep -vc "\.nzview\.json$")" = 4 ] && [ "$(ls csv_parts | grep -vc "\.nzview\.json$")" = 3 ] ||
  fail "export counts"
# The converted dataset follows the reference layout: tests/convert/check_v2.py (zarr-python 2
# and nibabel, independent of nzview) checks the header array, level shapes ceil(n/2^L) and
# level 0 against the source voxels.
$py "$src/tests/convert/check_v2.py" parts_v2.nii.zarr vol.nii >check.json ||
  fail "check_v2.py: $(cat check.json)"
grep -q '"ok": true' check.json || fail "check_v2.py: $(cat check.json)"
echo "slurm_array_test: OK (v2, v3 sharded, killed part resumed, ROI and CSV exports)"
