#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, from Debian's slurm-wlm and munge (tools/setup.sh slurm installs them),
# for tests/OnnxAblation.Tests/Scheduling/SlurmArrayTests.cs. Nothing outside its own folder is used or changed:
# its own munge key and socket, its own slurm.conf (SLURM_CONF points the client commands at it), its own ports.
#
#   tools/slurm-local.sh up      start munged, slurmctld and slurmd (localhost, 2 CPUs); wait until the node is idle
#   tools/slurm-local.sh down    stop them (by the pids they wrote); the folder stays for its logs
#   tools/slurm-local.sh status  sinfo and squeue of this cluster
#   tools/slurm-local.sh conf    print the slurm.conf path (export SLURM_CONF=... to use sbatch, squeue, scontrol)
#
# The folder is ONNX_ABLATION_SLURM_DIR, else /tmp/onnx-ablation-slurm-<hash of this checkout's path>, so two
# checkouts on one machine run two clusters side by side (the ports are the first free pair from 16817 up).
# In a container Slurm's cgroup plugins usually cannot work, so none is used: proctrack/linuxproc, task/none,
# no accounting. `up` exits 3 when the packages are missing, 1 with the reason (and the daemons' log tails) when a
# daemon cannot start on this machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${ONNX_ABLATION_SLURM_DIR:-/tmp/onnx-ablation-slurm-$(printf %s "$here" | md5sum | cut -c1-8)}"
conf="$dir/etc/slurm.conf"
sock="$dir/munge/munge.socket"
export SLURM_CONF="$conf"

die() { echo "slurm-local: $*" >&2; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

tails() {
  for f in "$dir"/log/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }; done >&2
}

write_conf() {
  local cport=16817
  while ! port_free $cport || ! port_free $((cport + 1)); do cport=$((cport + 2)); done
  local mem
  mem=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
  mkdir -p "$dir/etc" "$dir/state" "$dir/spool" "$dir/log" "$dir/run"
  cat > "$conf" <<EOF
# Written by tools/slurm-local.sh: a one-node cluster on localhost, for the project's tests.
ClusterName=onnxablation
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$cport
SlurmdPort=$((cport + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire: also how long a requeued job waits before it may start again (default 120 s)
AuthInfo=socket=$sock,cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobRequeue=1
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

up() {
  command -v slurmctld >/dev/null && command -v munged >/dev/null \
    || { echo "slurm-local: slurm-wlm and munge are not installed: run bash tools/setup.sh slurm" >&2; exit 3; }
  if alive "$dir/run/slurmctld.pid" && alive "$dir/run/slurmd.pid" && alive "$dir/munge/munged.pid"; then
    echo "slurm-local: already up ($conf)"
  else
    down >/dev/null 2>&1 || true
    write_conf
    # munge: its own key (in a 0700 folder), socket, log and pid (in a 0755 folder: every client must reach the
    # socket), owned by the munge user as munged insists
    mkdir -p "$dir/munge/key"
    if [ ! -s "$dir/munge/key/munge.key" ]; then
      dd if=/dev/urandom of="$dir/munge/key/munge.key" bs=1024 count=1 status=none
    fi
    chown -R munge:munge "$dir/munge"
    chmod 0755 "$dir" "$dir/munge"
    chmod 0700 "$dir/munge/key"
    chmod 0600 "$dir/munge/key/munge.key"
    runuser -u munge -- munged --socket="$sock" --key-file="$dir/munge/key/munge.key" \
      --log-file="$dir/munge/munged.log" --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/key/munged.seed" \
      || { tail -n 5 "$dir/munge/munged.log" >&2 || true; die "munged could not start"; }
    munge -S "$sock" -n | unmunge -S "$sock" >/dev/null || die "munge cannot encode and decode a credential"
    # -c: start clean, so no job of an earlier (perhaps aborted) run comes back
    slurmctld -c -f "$conf" || { tails; die "slurmctld could not start"; }
    slurmd -c -f "$conf" -N localhost || { tails; die "slurmd could not start"; }
  fi
  local i
  for i in $(seq 1 60); do
    state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n 1 || true)
    case "$state" in
      idle|mix|alloc) echo "slurm-local: up, node localhost $state ($conf)"; return 0 ;;
      down*|drain*|fail*) scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true ;;
    esac
    alive "$dir/run/slurmctld.pid" || { tails; die "slurmctld exited (log above)"; }
    alive "$dir/run/slurmd.pid" || { tails; die "slurmd exited (log above)"; }
    sleep 1
  done
  tails; die "node localhost not idle after 60 s (state '$state')"
}

stop_pid() {
  local f="$1" i
  alive "$f" || return 0
  kill "$(cat "$f")" 2>/dev/null || true
  for i in $(seq 1 50); do alive "$f" || return 0; sleep 0.2; done
  kill -9 "$(cat "$f")" 2>/dev/null || true
}

down() {
  if alive "$dir/run/slurmctld.pid"; then timeout 10 scancel --quiet --user=root >/dev/null 2>&1 || true; fi
  stop_pid "$dir/run/slurmd.pid"
  stop_pid "$dir/run/slurmctld.pid"
  stop_pid "$dir/munge/munged.pid"
  echo "slurm-local: down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) sinfo; squeue ;;
  conf) echo "$conf" ;;
  *) echo "usage: $0 up|down|status|conf" >&2; exit 2 ;;
esac
