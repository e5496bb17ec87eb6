#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole CTest suite (servers are CTest fixtures,
# GUI tests run under xvfb-run). Lanes: main (warnings as errors), ASan+UBSan, TSan (loader and
# stores), fuzz (clang libFuzzer targets: seed-corpus regression via CTest, then a short fuzz run
# of each target). Exits non-zero on any failure.
#   NZ_TEST_LANES="main asan tsan fuzz"  choose lanes (default: all four)
#   NZ_FUZZ_SECONDS=N                    seconds of fuzzing per target in the fuzz lane (default 5)
#   NZ_JOBS=N                       parallel build/test jobs (default: nproc)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JOBS="${NZ_JOBS:-$(nproc)}"
LANES="${NZ_TEST_LANES:-main asan tsan fuzz}"

scripts/install-deps.sh
if [ -x tests/servers/install.sh ]; then tests/servers/install.sh; fi

status=0
# run_lane LANE BUILD_DIR CTEST_LABEL_ARGS BUILD_TARGET CMAKE_ARGS...  (BUILD_TARGET "" = all)
run_lane() {
  local lane="$1" dir="$2" label_args="$3" target="$4"; shift 4
  echo "=== lane $lane: configure + build ($dir) ==="
  cmake -S . -B "$dir" -G Ninja -DNZ_WARNINGS_AS_ERRORS=ON "$@" >"$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; return 1; }
  cmake --build "$dir" -j"$JOBS" ${target:+--target "$target"} || return 1
  echo "=== lane $lane: ctest ==="
  # A test that fails is run once more: many tests time real servers and windows on a shared
  # 2-core machine. The failed attempt stays in the log with its output ("***Failed", then
  # "Passed"): such a test is a bug to fix, not a pass to keep.
  # shellcheck disable=SC2086
  (cd "$dir" && ctest --output-on-failure --repeat until-pass:2 -j"$JOBS" $label_args) || return 1
}

for lane in $LANES; do
  case "$lane" in
    main) run_lane main build "" "" -DCMAKE_BUILD_TYPE=RelWithDebInfo || status=1 ;;
    asan) run_lane asan build-asan "-LE bench" "" -DCMAKE_BUILD_TYPE=Debug -DNZ_SANITIZE=ON || status=1 ;;
    tsan) run_lane tsan build-tsan "-L tsan" nz_tests_tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNZ_TSAN=ON \
            -DNZ_BUILD_GUI=OFF || status=1 ;;
    fuzz)
      # scripts/fuzz.sh configures build-fuzz with clang, builds only the fuzz targets and fuzzes
      # each briefly. New findings of that exploratory run are reported loudly but do not fail
      # CI (they are new bugs to file); the seed-corpus regression run below does fail it.
      echo "=== lane fuzz: short fuzz run + seed corpora ==="
      NZ_FUZZ_BUILD_DIR=build-fuzz FUZZ_SECONDS="${NZ_FUZZ_SECONDS:-5}" scripts/fuzz.sh \
        || echo "WARNING: the short fuzz run found a new crash (see build-fuzz/fuzz-work)" >&2
      if [ -f build-fuzz/build.ninja ]; then
        (cd build-fuzz && ctest --output-on-failure -j"$JOBS" -L fuzz) || status=1
      else
        echo "fuzz lane: build-fuzz was not configured" >&2; status=1
      fi ;;
    *) echo "unknown lane $lane" >&2; status=1 ;;
  esac
done

if [ $status -ne 0 ]; then echo "scripts/test.sh: FAILED" >&2; else echo "scripts/test.sh: all lanes passed"; fi
exit $status
