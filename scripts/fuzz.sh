#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang in build-fuzz and fuzzes each one for
# FUZZ_SECONDS, then prints executions per target. Exits non-zero when any target crashed.
#   FUZZ_SECONDS=N       seconds per target (default 20)
#   FUZZ_TARGETS="a b"   only these targets (default: all that are built)
#   NZ_FUZZ_BUILD_DIR    build dir (default build-fuzz)
#   NZ_JOBS=N            parallel build jobs (default: nproc)
# Work files: <build>/fuzz-work/<target>/{corpus,artifacts,log.txt}. The committed seeds in
# tests/fuzz/corpus/<target>/ are read, never written. A crash leaves its reproducer in
# artifacts/ (crash-*, leak-*, timeout-*, oom-*); replay it with
#   <build>/fuzz/<target> <build>/fuzz-work/<target>/artifacts/crash-...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${NZ_FUZZ_BUILD_DIR:-build-fuzz}"
SECONDS_PER="${FUZZ_SECONDS:-20}"
JOBS="${NZ_JOBS:-$(nproc)}"

scripts/install-deps.sh
CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNZ_FUZZ=ON -DNZ_BUILD_GUI=OFF -DNZ_BUILD_TESTS=ON >"$BUILD.configure.log" 2>&1 \
  || { cat "$BUILD.configure.log"; exit 1; }
grep '^-- fuzz:' "$BUILD.configure.log" || true
cmake --build "$BUILD" --target nz_fuzz -j"$JOBS"

targets="${FUZZ_TARGETS:-$(cat "$BUILD/fuzz/targets.txt")}"
WORK="$BUILD/fuzz-work"
status=0
rows=()
for t in $targets; do
  dir="$WORK/$t"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  echo "=== $t: ${SECONDS_PER}s"
  set +e
  # First corpus dir is the working one (new inputs go there); the seeds are read only.
  "$BUILD/fuzz/$t" "$dir/corpus" "tests/fuzz/corpus/$t" -max_total_time="$SECONDS_PER" \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" >"$dir/log.txt" 2>&1
  rc=$?
  set -e
  # A timeout or a crash in a thread may end the run without final stats: fall back to the
  # last status line ("#N ... exec/s: R").
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log.txt" | grep -o '[0-9]*$' | tail -1 || true)"
  [ -n "$execs" ] || execs="$(grep -o '^#[0-9]*' "$dir/log.txt" | tail -1 | tr -d '#' || true)"
  rate="$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$dir/log.txt" | grep -o '[0-9]*$' | tail -1 || true)"
  [ -n "$rate" ] || rate="$(grep -o 'exec/s: [0-9]*' "$dir/log.txt" | tail -1 | grep -o '[0-9]*' || true)"
  cov="$(grep -o 'cov: [0-9]*' "$dir/log.txt" | tail -1 | grep -o '[0-9]*' || true)"
  ncorpus="$(find "$dir/corpus" -type f | wc -l)"
  if [ $rc -eq 0 ]; then
    result="ok"
  else
    status=1
    artifact="$(ls -t "$dir/artifacts/" 2>/dev/null | head -1 || true)"
    kind="$(grep -m1 -o 'ERROR: [A-Za-z]*: [a-zA-Z-]*\|SUMMARY: [A-Za-z]*: [a-zA-Z-]*' "$dir/log.txt" || true)"
    [ -n "$kind" ] || kind="exit $rc"
    result="CRASH ($kind) $dir/artifacts/$artifact"
    tail -40 "$dir/log.txt"
  fi
  rows+=("$(printf '| %-30s | %10s | %8s | %6s | %7s | %s |' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$ncorpus" "$result")")
done

echo
printf '| %-30s | %10s | %8s | %6s | %7s | %s |\n' target executions exec/s cov corpus result
printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..32})" "------------" "----------" "--------" "---------" "--------"
printf '%s\n' "${rows[@]}"
echo "(${SECONDS_PER}s per target; logs in $WORK/<target>/log.txt)"
exit $status
