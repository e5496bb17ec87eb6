#!/usr/bin/env bash
# A single-node Slurm for tests, from Debian's slurm-wlm and munge packages:
#   slurm_node.sh start DIR   writes DIR/slurm.conf, starts munged (unless one already answers),
#                             slurmctld and slurmd on 127.0.0.1, and waits until the node is idle
#   slurm_node.sh stop DIR    stops what `start` started, by the PIDs it recorded
# Minimal configuration: no accounting daemon, no cgroups (proctrack/linuxproc, task/none),
# select/cons_tres with CR_Core so array tasks run side by side. Needs root (SlurmUser=root,
# munged as the munge user). Commands reach this cluster with SLURM_CONF=DIR/slurm.conf.
# Exit code 77 from `start` means Slurm cannot run on this machine (the reason is printed).
set -uo pipefail

cmd=${1:?start|stop}
dir=${2:?state directory}
# Ports below the kernel's ephemeral range (32768-60999 by default): a port inside it can be
# taken at any moment as the local end of some test's client connection, and slurmd then cannot
# bind it. The first free pair from 26817/26818 on is used; NZ_SLURMCTLD_PORT/NZ_SLURMD_PORT
# choose where the search starts.
first_ctld_port=${NZ_SLURMCTLD_PORT:-26817}
first_d_port=${NZ_SLURMD_PORT:-26818}

stop_pid() {  # stop_pid FILE: TERM, then KILL after 5 s, the process whose PID FILE holds
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$f"
}

if [ "$cmd" = stop ]; then
  stop_pid "$dir/slurmd.run.pid"
  stop_pid "$dir/slurmctld.run.pid"
  stop_pid "$dir/munged.run.pid"
  exit 0
fi

skip() { echo "slurm_node: cannot run Slurm here: $*" >&2; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (SlurmUser=root, munged as munge)"
for b in slurmctld slurmd sbatch sinfo munged munge unmunge; do
  command -v "$b" >/dev/null || skip "$b is missing (scripts/install-deps.sh installs slurm-wlm and munge)"
done

port_is_free() {  # port_is_free PORT: nothing listens on or is bound to 127.0.0.1:PORT / *:PORT
  python3 -c 'import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try: s.bind(("0.0.0.0", int(sys.argv[1])))
except OSError: sys.exit(1)' "$1"
}

pick_ports() {  # pick_ports OFFSET: sets ctld_port/d_port to the first free pair at or past OFFSET
  local i
  for i in $(seq "$1" 2 "$(($1 + 200))"); do
    ctld_port=$((first_ctld_port + i)) d_port=$((first_d_port + i))
    port_is_free "$ctld_port" && port_is_free "$d_port" && return 0
  done
  echo "slurm_node: no free port pair from $first_ctld_port/$first_d_port on" >&2
  exit 1
}

"$0" stop "$dir"
host=$(hostname -s)
export SLURM_CONF=$dir/slurm.conf

start_daemons() {  # writes slurm.conf for ctld_port/d_port, starts munged, slurmctld and slurmd
rm -rf "$dir"
mkdir -p "$dir/ctld" "$dir/slurmd"
cat >"$dir/slurm.conf" <<CONF
ClusterName=nztest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=600
MaxArraySize=1001
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/slurmd
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=500 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

# MUNGE: Debian's key; without systemd, /run/munge must be created. Reuse a running munged.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged -F >"$dir/munged.out" 2>&1 &
  echo $! >"$dir/munged.run.pid"
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || skip "munged does not start: $(cat "$dir/munged.out")"
fi

slurmctld -D -c -f "$dir/slurm.conf" >"$dir/slurmctld.out" 2>&1 &
echo $! >"$dir/slurmctld.run.pid"
slurmd -D -f "$dir/slurm.conf" >"$dir/slurmd.out" 2>&1 &
echo $! >"$dir/slurmd.run.pid"
}

daemon_error() {  # the first errors slurmctld or slurmd logged, on one line
  grep -h -i -m3 "error\|fatal" "$dir/$1.log" "$dir/$1.out" 2>/dev/null | tr '\n' ' '
}

# A port can still be taken between the probe and the daemons' bind: then the next pair is tried.
offset=0
for attempt in 1 2 3; do
  pick_ports "$offset"
  start_daemons
  for _ in $(seq 300); do
    state=$(sinfo -h -o %t 2>/dev/null | head -1)
    [ "$state" = idle ] && {
      echo "slurm_node: node $host idle on ports $ctld_port/$d_port (SLURM_CONF=$dir/slurm.conf)"
      exit 0
    }
    for daemon in slurmctld slurmd; do
      kill -0 "$(cat "$dir/$daemon.run.pid")" 2>/dev/null && continue
      err=$(daemon_error "$daemon")
      "$0" stop "$dir"
      case "$err" in
        *cgroup*) skip "$daemon exited: $err" ;;
        *"Address already in use"*)
          echo "slurm_node: $daemon could not bind (attempt $attempt): $err" >&2
          offset=$((offset + 2))
          continue 3 ;;
        *) echo "slurm_node: $daemon exited: $err" >&2; exit 1 ;;
      esac
    done
    sleep 0.1
  done
  echo "slurm_node: the node did not become idle in 30 s (state '$state'); see $dir/*.log" >&2
  "$0" stop "$dir"
  exit 1
done
echo "slurm_node: slurmctld/slurmd could not bind a free port pair in 3 attempts" >&2
exit 1
