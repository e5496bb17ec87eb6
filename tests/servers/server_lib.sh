# Shared by the test-server scripts (source it): stopping a server by its pid file and waiting
# until its log says it is ready.

# nz_stop_pidfile PIDFILE [TENTHS]: TERM, wait up to TENTHS/10 s (default 50) for the exit so
# the port is free for the next start, then KILL; removes the pid file.
nz_stop_pidfile() {
  local pidfile=$1 tenths=${2:-50} pid
  [[ -f $pidfile ]] || return 0
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq "$tenths"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

# nz_wait_ready NAME LOG PATTERN PIDFILE [TENTHS]: returns 0 once LOG matches PATTERN (grep -E);
# 1 with the log on stderr when the process died or TENTHS/10 s (default 150) passed.
nz_wait_ready() {
  local name=$1 log=$2 pattern=$3 pidfile=$4 tenths=${5:-150}
  for _ in $(seq "$tenths"); do
    if grep -qE "$pattern" "$log" 2>/dev/null; then return 0; fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start:" >&2
  cat "$log" >&2
  return 1
}
