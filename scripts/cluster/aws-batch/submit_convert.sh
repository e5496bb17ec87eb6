#!/usr/bin/env bash
# Submits a NIfTI -> NIfTI-Zarr conversion to AWS Batch with the job definition of
# job-definition.json (register it once: aws batch register-job-definition
# --cli-input-json file://job-definition.json):
#   1. an array job of PARTS children writing level 0 (AWS_BATCH_JOB_ARRAY_INDEX/SIZE: --part auto)
#   2. an array job of PYRAMID_PARTS children, after the whole of 1
#   3. one finalize job, after the whole of 2
# usage: submit_convert.sh QUEUE IN OUT.nii.zarr [PARTS [PYRAMID_PARTS]]
# Array sizes are 2..10000 (AWS Batch). Prints the three job IDs.
set -euo pipefail
queue=${1:?QUEUE} in=${2:?IN} out=${3:?OUT} parts=${4:-64} pyramid_parts=${5:-8}
submit() {  # submit NAME STAGE PART [aws options...]
  local name=$1 stage=$2 part=$3
  shift 3
  aws batch submit-job --job-name "$name" --job-queue "$queue" --job-definition nzview-convert \
    --parameters "in=$in,out=$out,stage=$stage,part=$part" "$@" --query jobId --output text
}
level0=$(submit nzview-convert-level0 level0 auto --array-properties "size=$parts")
pyramid=$(submit nzview-convert-pyramid pyramid auto --array-properties "size=$pyramid_parts" \
  --depends-on "jobId=$level0")
# finalize runs once and takes no --part: its command is overridden (keep its options equal to
# the job definition's: every stage must see the same --chunk, --shard, ...).
final=$(aws batch submit-job --job-name nzview-convert-finalize --job-queue "$queue" \
  --job-definition nzview-convert --depends-on "jobId=$pyramid" \
  --container-overrides "{\"command\": [\"convert\", \"$in\", \"$out\", \"--chunk\", \"64\",
    \"--shard\", \"128\", \"--stage\", \"finalize\", \"--quiet\"]}" --query jobId --output text)
echo "$level0"
echo "$pyramid"
echo "$final"
