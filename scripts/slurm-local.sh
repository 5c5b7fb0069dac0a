#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the sharding tests and for trying deploy/slurm/.
#
#   scripts/slurm-local.sh start [DIR]   start munged, slurmctld and slurmd (as root) with state under DIR
#                                        (default: a new temporary folder); prints DIR on the last line
#   scripts/slurm-local.sh stop DIR      stop them and remove DIR
#
# Needs Debian's slurm-wlm and munge (scripts/install-system-packages.sh) and root. Clients find the
# cluster through DIR/env: `. DIR/env && sbatch ...`. Ports: LOUPE_SLURM_PORT (slurmctld, default 16817)
# and the next one (slurmd). Nothing outside DIR is written; /etc/munge/munge.key is read when present,
# otherwise a key is generated inside DIR.
set -euo pipefail

die() { echo "slurm-local: $*" >&2; exit 1; }

start() {
  [ "$(id -u)" = 0 ] || die "must run as root (slurmctld and slurmd run as root here)"
  for tool in munged slurmctld slurmd sinfo; do command -v "$tool" >/dev/null || die "$tool not found (apt-get install slurm-wlm munge)"; done
  local dir=${1:-$(mktemp -d /tmp/loupe-slurm.XXXXXX)}
  mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
  chmod 700 "$dir/munge"
  local port=${LOUPE_SLURM_PORT:-16817}
  local node; node=$(hostname -s)
  local cpus; cpus=$(nproc)
  local memory; memory=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)

  # munge: own socket, pid, log and seed files inside DIR so a system munged (if any) is not disturbed.
  if [ -r /etc/munge/munge.key ]; then
    cp /etc/munge/munge.key "$dir/munge/munge.key"
  else
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  fi
  chmod 400 "$dir/munge/munge.key"
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" \
    </dev/null >/dev/null 2>&1 || die "munged did not start (see $dir/munge/munged.log)"

  # No cgroups, accounting or database: process tracking by /proc, every node's CPUs and memory schedulable.
  cat > "$dir/slurm.conf" <<CONF
ClusterName=loupe-local
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=2048
ReturnToService=2
DependencyParameters=kill_invalid_depend
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  echo "export SLURM_CONF=$dir/slurm.conf" > "$dir/env"
  export SLURM_CONF="$dir/slurm.conf"
  # The daemons must not keep this script's output open (a caller reading it would wait for them); they log to DIR.
  slurmctld -f "$dir/slurm.conf" </dev/null >/dev/null 2>&1 || { stop "$dir" keep; die "slurmctld did not start (see $dir/slurmctld.log)"; }
  slurmd -f "$dir/slurm.conf" -N "$node" </dev/null >/dev/null 2>&1 || { stop "$dir" keep; die "slurmd did not start (see $dir/slurmd.log)"; }
  for _ in $(seq 1 60); do
    if sinfo -h -N -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then echo "$dir"; return 0; fi
    sleep 1
  done
  stop "$dir" keep
  die "the node did not become idle within 60 s (see $dir/slurmctld.log and $dir/slurmd.log)"
}

stop() {
  local dir=${1:?usage: slurm-local.sh stop DIR}
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -s "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  done
  [ "${2:-}" = keep ] || rm -rf "$dir"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) die "usage: slurm-local.sh start [DIR] | stop DIR" ;;
esac
