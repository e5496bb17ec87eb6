#!/usr/bin/env bash
# Starts/stops tests/servers/fault_proxy.py on 127.0.0.1:18095 in front of nginx (:18080).
#   fault_proxy.sh start STATE_DIR     fault_proxy.sh stop STATE_DIR
set -euo pipefail
cmd=${1:?usage: fault_proxy.sh start|stop STATE_DIR}
state=${2:?usage: fault_proxy.sh start|stop STATE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
port=${NZ_FAULT_PROXY_PORT:-18095}
upstream=${NZ_FAULT_PROXY_UPSTREAM:-127.0.0.1:18080}
stop() {
  if [[ -f $state/fault_proxy.pid ]]; then
    kill "$(cat "$state/fault_proxy.pid")" 2>/dev/null || true
    rm -f "$state/fault_proxy.pid"
  fi
}
if [[ $cmd == stop ]]; then stop; exit 0; fi
stop
mkdir -p "$state"
nohup /usr/bin/python3 "$here/fault_proxy.py" --listen "127.0.0.1:$port" --upstream "$upstream" \
  >"$state/fault_proxy.log" 2>&1 &
echo $! >"$state/fault_proxy.pid"
for _ in $(seq 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/__stats"; then echo "fault proxy up on $port"; exit 0; fi
  sleep 0.05
done
echo "fault proxy did not start" >&2; cat "$state/fault_proxy.log" >&2; exit 1
