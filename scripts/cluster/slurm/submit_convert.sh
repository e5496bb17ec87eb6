#!/usr/bin/env bash
# Submits a NIfTI -> NIfTI-Zarr conversion as three Slurm jobs:
#   1. an array job of PARTS tasks writing level 0            (convert --part auto)
#   2. an array job of PYRAMID_PARTS tasks, afterok:1          (convert --stage pyramid --part auto)
#   3. one finalize job, afterok:2                             (convert --stage finalize)
# usage: submit_convert.sh [-n PARTS] [-p PYRAMID_PARTS] [-o LOGDIR] [-s 'SBATCH OPTIONS']
#                          IN OUT.nii.zarr [convert options: --chunk, --shard, --zarr-version ...]
# Prints the three job IDs, one per line (the last is the finalize job: wait for it with
# `squeue -j ID` until it is gone, then `scontrol show job ID`). NZVIEW_CLI selects the
# nzview-cli executable the tasks run (default: nzview-cli on the PATH of the tasks).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
parts=8 pyramid_parts=4 logdir=. extra=""
while getopts "n:p:o:s:" opt; do
  case $opt in
    n) parts=$OPTARG ;;
    p) pyramid_parts=$OPTARG ;;
    o) logdir=$OPTARG ;;
    s) extra=$OPTARG ;;
    *) sed -n '2,10p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
mkdir -p "$logdir"
# shellcheck disable=SC2086  # $extra holds several sbatch options
level0=$(sbatch --parsable $extra --array=0-$((parts - 1)) -J nzview-convert-level0 \
  -o "$logdir/convert-level0-%A_%a.out" "$here/convert.sbatch" level0 "$@")
level0=${level0%%;*}
# shellcheck disable=SC2086
pyramid=$(sbatch --parsable $extra --array=0-$((pyramid_parts - 1)) -J nzview-convert-pyramid \
  --dependency=afterok:"$level0" --kill-on-invalid-dep=yes \
  -o "$logdir/convert-pyramid-%A_%a.out" "$here/convert.sbatch" pyramid "$@")
pyramid=${pyramid%%;*}
# shellcheck disable=SC2086
final=$(sbatch --parsable $extra -J nzview-convert-finalize --dependency=afterok:"$pyramid" \
  --kill-on-invalid-dep=yes -o "$logdir/convert-finalize-%j.out" "$here/convert.sbatch" \
  finalize "$@")
final=${final%%;*}
echo "$level0"
echo "$pyramid"
echo "$final"
