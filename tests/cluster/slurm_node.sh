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
ctld_port=${NZ_SLURMCTLD_PORT:-46817}
d_port=${NZ_SLURMD_PORT:-46818}

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

"$0" stop "$dir"
rm -rf "$dir"
mkdir -p "$dir/ctld" "$dir/slurmd"
host=$(hostname -s)
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
export SLURM_CONF=$dir/slurm.conf

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
for _ in $(seq 300); do
  state=$(sinfo -h -o %t 2>/dev/null | head -1)
  [ "$state" = idle ] && { echo "slurm_node: node $host idle (SLURM_CONF=$dir/slurm.conf)"; exit 0; }
  if ! kill -0 "$(cat "$dir/slurmd.run.pid")" 2>/dev/null; then
    err=$(grep -h -i -m3 "error\|fatal" "$dir/slurmd.log" "$dir/slurmd.out" 2>/dev/null | tr '\n' ' ')
    "$0" stop "$dir"
    case "$err" in
      *cgroup*) skip "slurmd exited: $err" ;;
      *) echo "slurm_node: slurmd exited: $err" >&2; exit 1 ;;
    esac
  fi
  sleep 0.1
done
echo "slurm_node: the node did not become idle in 30 s (state '$state'); see $dir/*.log" >&2
"$0" stop "$dir"
exit 1
