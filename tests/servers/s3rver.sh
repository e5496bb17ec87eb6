#!/usr/bin/env bash
# s3rver (@20minutes/s3rver@4.0.4, checks SigV4) for the cloud tests on http://127.0.0.1:14568,
# path-style, buckets nzbucket and nzbucket2, key pair generated at start (STATE/keys.env).
#   s3rver.sh start STATE_DIR     s3rver.sh stop STATE_DIR
set -euo pipefail
cmd=${1:?usage: s3rver.sh start|stop STATE_DIR}
state=${2:?usage: s3rver.sh start|stop STATE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
port=${NZ_S3RVER_PORT:-14568}
. "$here/server_lib.sh"
stop() { nz_stop_pidfile "$state/s3rver.pid"; }
if [[ $cmd == stop ]]; then stop; exit 0; fi
[[ $cmd == start ]] || { echo "unknown command $cmd" >&2; exit 2; }

"$here/install.sh"
stop
mkdir -p "$state"
state=$(cd "$state" && pwd)
access="AKIDNZ$(openssl rand -hex 6 | tr a-f A-F)"
secret=$(openssl rand -base64 30 | tr -d '\n')
printf 'NZ_S3_ACCESS_KEY=%s\nNZ_S3_SECRET_KEY=%s\n' "$access" "$secret" > "$state/keys.env"
rm -rf "$state/data"; mkdir -p "$state/data"
S3_DIR="$state/data" S3_PORT="$port" S3_ACCESS_KEY="$access" S3_SECRET_KEY="$secret" \
  S3_BUCKETS=nzbucket,nzbucket2 nohup node "$here/s3rver_launch.js" > "$state/s3rver.log" 2>&1 &
echo $! > "$state/s3rver.pid"
nz_wait_ready s3rver "$state/s3rver.log" "^READY" "$state/s3rver.pid" 100 || { stop; exit 1; }
