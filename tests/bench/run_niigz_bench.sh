#!/usr/bin/env bash
# Whole-.nii.gz benchmark: how close reading an entire gzip-compressed NIfTI comes to the
# single-core inflate limit (`gzip -dc` of the same file), locally and through nginx behind the
# 50 ms RTT delay proxy of run_bench.sh. Prints a table (median of RUNS).
# Usage: tests/bench/run_niigz_bench.sh   Env: BUILD_DIR (default build), MB (raw size, 512),
#        RUNS (3), DELAY_MS (25).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
mb=${MB:-512}
runs=${RUNS:-3}
delay_ms=${DELAY_MS:-25}
py=/usr/bin/python3
state=$build/bench-servers
data=$build/bench-data
src=$data/whole${mb}.nii.gz
mkdir -p "$state" "$data"
# Every run cold: no chunk or piece may come from the disk cache of an earlier run.
export NZVIEW_DISK_CACHE=off
cmake --build "$build" --target nzview-cli -j2 >/dev/null
cli=$build/bin/nzview-cli

if [[ ! -f $src ]]; then
  echo "generating $src ..." >&2
  "$py" - "$src" "$mb" <<'PY'
import sys, numpy as np, nibabel as nib
out, mb = sys.argv[1], int(sys.argv[2])
n = 512
z = max(1, (mb << 20) // (n * n * 2))
rng = np.random.default_rng(1)
x = np.arange(n, dtype=np.float32)
base = (20000 + 8000 * np.sin(x[:, None] * 0.013) * np.cos(x[None, :] * 0.011)).astype(np.uint16)
vol = np.empty((n, n, z), np.uint16)
for k in range(z):
    vol[:, :, k] = base + rng.integers(0, 64, size=(n, n), dtype=np.uint16)
img = nib.Nifti1Image(vol, np.diag([0.5, 0.5, 0.5, 1]))
nib.save(img, out)
PY
fi
chmod -R a+rX "$data"

median() { "$py" -c "import sys,statistics; print(round(statistics.median(float(x) for x in sys.argv[1:]), 3))" "$@"; }
timed() {  # command... -> median wall seconds
  local walls=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$state/niigz.err" || { echo "failed: $*" >&2; cat "$state/niigz.err" >&2; exit 1; }
    t1=$(date +%s.%N)
    walls+=("$("$py" -c "print($t1 - $t0)")")
  done
  median "${walls[@]}"
}

cleanup() {
  [[ -n ${proxy_pid:-} ]] && kill "$proxy_pid" 2>/dev/null || true
  NZ_NGINX_HTTP_PORT=18081 NZ_NGINX_HTTPS_PORT=0 "$repo/tests/servers/nginx.sh" stop "$state" >/dev/null || true
}
trap cleanup EXIT
NZ_NGINX_HTTP_PORT=18081 NZ_NGINX_HTTPS_PORT=0 NZ_NGINX_ROOT=$data \
  "$repo/tests/servers/nginx.sh" start "$state" >/dev/null
"$py" "$repo/tests/bench/delay_proxy.py" --listen 127.0.0.1:18090 --upstream 127.0.0.1:18081 \
  --delay-ms "$delay_ms" --connect-rtt >"$state/delay_proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:18090/$(basename "$src")" -r 0-0 && break; sleep 0.05; done
url=http://127.0.0.1:18090/$(basename "$src")
out=$state/niigz-out.nii
rm -f "$out"

size=$(stat -c %s "$src")
inflate=$(timed gzip -dc "$src")
t_local=$(timed bash -c "rm -f '$out'; '$cli' export '$src' -o '$out'")
t_info=$(timed "$cli" info "$url")
t_remote=$(timed bash -c "rm -f '$out'; '$cli' export '$url' -o '$out'")
# Without the manifest: no SHA-256 of the 512 MiB written (a second core's 0.35 s).
t_bare=$(timed bash -c "rm -f '$out'; '$cli' export '$url' -o '$out' --no-manifest")
t_slice=$(timed bash -c "rm -f '$out'; '$cli' export '$url' --roi 0:512,0:512,0:1 -o '$out'")
rm -f "$out" "$out.nzview.json"

echo
echo "whole .nii.gz benchmark: $(basename "$src") ($((size >> 20)) MiB compressed, ${mb} MiB raw), median of $runs"
printf '%-46s %8s %8s\n' case "wall s" "ratio"
printf '%-46s %8s %8s\n' "gzip -dc (single-core inflate limit)" "$inflate" "1.00x"
printf '%-46s %8s %8s\n' "nzview-cli export local -> .nii" "$t_local" "$("$py" -c "print(f'{$t_local / $inflate:.2f}x')")"
printf '%-46s %8s %8s\n' "nzview-cli export via 50 ms RTT -> .nii" "$t_remote" "$("$py" -c "print(f'{$t_remote / $inflate:.2f}x')")"
printf '%-46s %8s %8s\n' "  the same with --no-manifest" "$t_bare" "$("$py" -c "print(f'{$t_bare / $inflate:.2f}x')")"
printf '%-46s %8s\n' "nzview-cli info via 50 ms RTT (header)" "$t_info"
printf '%-46s %8s\n' "nzview-cli export first slice via 50 ms RTT" "$t_slice"
