#!/usr/bin/env bash
# ROI statistics benchmark: `nzview-cli stats` of a 512^3 ROI at level 0 of the SIZE^3 uint16
# bench volume (make_big_volume.py, 64^3 chunks, blosc lz4) served by nginx (:18084) behind the
# delay proxy (:18094, DELAY_MS each way: 50 ms RTT by default), against numpy + zarr-python
# (stats_numpy.py) reading the same ROI over the same proxy. Prints a table: seconds, bytes
# fetched vs the bytes of the chunk files the ROI intersects, requests, peak RSS; checks that
# both give the same numbers.
# Usage: tests/bench/run_stats_bench.sh     Env: BUILD_DIR (build), SIZE (1024), DELAY_MS (25),
#        ROI (the centred 512^3 box)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build}
size=${SIZE:-1024}
delay_ms=${DELAY_MS:-25}
q=$((size / 4))
roi=${ROI:-$q:$((q + 512)),$q:$((q + 512)),$q:$((q + 512))}
py=/usr/bin/python3
state=$build/bench-servers-stats
data=$build/bench-data
vol=$data/big${size}.nii.zarr
mkdir -p "$state" "$data"

cmake --build "$build" --target nzview-cli -j2 >/dev/null
if [[ ! -f $vol/.zattrs ]]; then
  echo "generating $vol ..." >&2
  "$py" "$repo/tests/bench/make_big_volume.py" "$vol" --size "$size" >&2
fi
chmod -R a+rX "$data"

cleanup() {
  [[ -n ${proxy_pid:-} ]] && kill "$proxy_pid" 2>/dev/null || true
  NZ_NGINX_HTTP_PORT=18084 NZ_NGINX_HTTPS_PORT=0 "$repo/tests/servers/nginx.sh" stop "$state" >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
NZ_NGINX_HTTP_PORT=18084 NZ_NGINX_HTTPS_PORT=0 NZ_NGINX_ROOT=$data \
  "$repo/tests/servers/nginx.sh" start "$state" >/dev/null
"$py" "$repo/tests/bench/delay_proxy.py" --listen 127.0.0.1:18094 --upstream 127.0.0.1:18084 \
  --delay-ms "$delay_ms" --connect-rtt --workers 2 >"$state/delay_proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:18094/big${size}.nii.zarr/.zattrs" && break; sleep 0.05; done
uri=http://127.0.0.1:18094/big${size}.nii.zarr

# Bytes of the level-0 chunk files the ROI intersects.
chunk_bytes=$("$py" - "$vol" "$roi" <<'PY'
import json, os, sys
vol, roi = sys.argv[1], sys.argv[2]
za = json.load(open(os.path.join(vol, "0", ".zarray")))
ch = za["chunks"][-3:][::-1]
sep = za.get("dimension_separator", ".")
lead = ["0"] * (len(za["chunks"]) - 3)
r = [tuple(map(int, p.split(":"))) for p in roi.split(",")]
tot = 0
for cz in range(r[2][0] // ch[2], (r[2][1] - 1) // ch[2] + 1):
    for cy in range(r[1][0] // ch[1], (r[1][1] - 1) // ch[1] + 1):
        for cx in range(r[0][0] // ch[0], (r[0][1] - 1) // ch[0] + 1):
            f = os.path.join(vol, "0", sep.join(lead + [str(cz), str(cy), str(cx)]))
            tot += os.path.getsize(f) if os.path.exists(f) else 0
print(tot)
PY
)

rss_of() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
NZVIEW_DISK_CACHE=off /usr/bin/time -v -o "$state/cli.time" "$build/bin/nzview-cli" stats "$uri" \
  --roi "$roi" --json --stats >"$state/cli.json" 2>"$state/cli.err"
cli_stats=$(grep '^{' "$state/cli.err" | tail -1)
/usr/bin/time -v -o "$state/np.time" "$py" "$repo/tests/bench/stats_numpy.py" "$uri" "$roi" \
  >"$state/np.json"

"$py" - "$state" "$chunk_bytes" "$cli_stats" "$(rss_of "$state/cli.time")" "$(rss_of "$state/np.time")" "$roi" "$uri" <<'PY'
import json, sys
state, chunk_bytes, cli_stats, cli_rss, np_rss, roi, uri = sys.argv[1:]
chunk_bytes = int(chunk_bytes)
cli = json.load(open(state + "/cli.json"))
st = json.loads(cli_stats)
npj = json.load(open(state + "/np.json"))
print(f"stats of ROI {roi} (level 0, uint16) of {uri}, {int(chunk_bytes) / 2**20:.1f} MiB of intersecting chunk files")
print("| tool                     | seconds | fetched (MiB) | fetched / chunk bytes | requests | peak RSS (MiB) |")
print("|--------------------------|---------|---------------|-----------------------|----------|----------------|")
print(f"| nzview-cli stats         | {st['seconds']:7.2f} | {st['bytes'] / 2**20:13.1f} | {st['bytes_fetched'] / chunk_bytes:21.3f} | {st['requests']:8d} | {int(cli_rss) / 1024:14.0f} |")
print(f"| numpy + zarr-python      | {npj['seconds']:7.2f} | {npj['bytes'] / 2**20:13.1f} | {npj['bytes'] / chunk_bytes:21.3f} | {npj['requests']:8d} | {int(np_rss) / 1024:14.0f} |")
ref = npj["stats"]
for k in ["min", "max", "median"]:
    assert float(cli[k]) == ref[k], (k, cli[k], ref[k])
for k in ["mean", "std"]:
    assert abs(float(cli[k]) - ref[k]) <= 1e-6 * abs(ref[k]), (k, cli[k], ref[k])
for p, v in ref["percentiles"].items():
    assert float(cli["percentiles"][p]) == v, (p, cli["percentiles"][p], v)
print(f"same numbers: min {cli['min']}, max {cli['max']}, mean {cli['mean']:.4f}, std {cli['std']:.4f}, median {cli['median']}, p1 {cli['percentiles']['1']}, p99 {cli['percentiles']['99']}; nzview passes: {cli['passes']}")
PY
