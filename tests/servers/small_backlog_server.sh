#!/usr/bin/env bash
# Starts/stops tests/servers/small_backlog_server.py (Python's http.server, listen backlog 5) on
# 127.0.0.1:18097 serving STATE_DIR/files (64 small files f0.bin .. f63.bin, 16 KiB each).
#   small_backlog_server.sh start STATE_DIR     small_backlog_server.sh stop STATE_DIR
set -euo pipefail
cmd=${1:?usage: small_backlog_server.sh start|stop STATE_DIR}
state=${2:?usage: small_backlog_server.sh start|stop STATE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
port=${NZ_BACKLOG_SERVER_PORT:-18097}
stop() {
  if [[ -f $state/backlog_server.pid ]]; then
    kill "$(cat "$state/backlog_server.pid")" 2>/dev/null || true
    rm -f "$state/backlog_server.pid"
  fi
}
if [[ $cmd == stop ]]; then stop; exit 0; fi
stop
mkdir -p "$state/files"
/usr/bin/python3 - "$state/files" <<'PY'
import os, random, sys
d = sys.argv[1]
rng = random.Random(5)
for i in range(64):
    p = os.path.join(d, f"f{i}.bin")
    data = rng.randbytes(16384)
    with open(p, "wb") as f:
        f.write(data)
PY
nohup /usr/bin/python3 "$here/small_backlog_server.py" --listen "127.0.0.1:$port" \
  --root "$state/files" >"$state/backlog_server.log" 2>&1 &
echo $! >"$state/backlog_server.pid"
for _ in $(seq 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/f0.bin"; then echo "backlog-5 server up on $port"; exit 0; fi
  sleep 0.05
done
echo "backlog-5 server did not start" >&2; cat "$state/backlog_server.log" >&2; exit 1
