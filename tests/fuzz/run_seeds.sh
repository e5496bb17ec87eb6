#!/usr/bin/env bash
# Regression run of one libFuzzer target over its committed seeds: each file is executed once
# (file arguments, not a corpus directory, so libFuzzer neither mutates nor writes anything).
#   run_seeds.sh FUZZER CORPUS_DIR
set -euo pipefail
fuzzer="$1" corpus="$2"
shopt -s nullglob
seeds=("$corpus"/*)
if [ ${#seeds[@]} -eq 0 ]; then
  echo "run_seeds: no seeds in $corpus" >&2
  exit 1
fi
echo "run_seeds: $(basename "$fuzzer") over ${#seeds[@]} seeds from $corpus"
exec "$fuzzer" -timeout=30 -rss_limit_mb=4096 "${seeds[@]}"
