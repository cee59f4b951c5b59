#!/usr/bin/env bash
# A real single-node Slurm cluster on loopback, for testing prnn's job arrays:
#   scripts/slurm-local.sh up      install slurm-wlm and munge (Debian) if missing, configure, start, wait until idle
#   scripts/slurm-local.sh down    stop the daemons this script started
#   scripts/slurm-local.sh status  exit 0 when the cluster answers
# Needs root. The configuration goes to /etc/slurm (marked as this script's; another slurm.conf is never
# overwritten), state and logs to $PRNN_SLURM_STATE (default /var/lib/prnn-slurm).
set -euo pipefail

STATE="${PRNN_SLURM_STATE:-/var/lib/prnn-slurm}"
CONF=/etc/slurm/slurm.conf
MARK='# written by prnn scripts/slurm-local.sh'

say() { printf 'slurm-local: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

answers() { timeout 10 sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; }

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null; then return 0; fi
  command -v apt-get >/dev/null || fail "slurmctld/slurmd/munged are not installed and there is no apt-get to install them"
  say "installing slurm-wlm and munge from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  local try
  for try in 1 2 3 4 5 6; do
    if { apt-get update -qq && apt-get install -y -qq slurm-wlm munge; } >"$STATE/apt.log" 2>&1; then return 0; fi
    grep -q 'Could not get lock\|Unable to acquire the dpkg' "$STATE/apt.log" || break
    sleep 10 # another apt-get holds the dpkg lock
  done
  fail "could not install slurm-wlm and munge (see $STATE/apt.log)"
}

start_munge() {
  if timeout 5 munge -n </dev/null >/dev/null 2>&1; then return 0; fi
  [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none; }
  chown munge:munge /etc/munge/munge.key 2>/dev/null || true
  chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
  if id munge >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged
  else
    /usr/sbin/munged --force
  fi
  for _ in $(seq 1 20); do timeout 5 munge -n </dev/null >/dev/null 2>&1 && return 0; sleep 0.5; done
  fail "munged did not start"
}

write_config() {
  if [ -e "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then fail "$CONF exists and was not written by this script; not touching a real cluster's configuration"; fi
  local node cpus mem
  node="$(hostname -s)"
  cpus="$(nproc)"
  mem="$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)"
  mkdir -p "$STATE/ctld" "$STATE/d" /etc/slurm
  cat >"$CONF" <<CONFIG
$MARK
ClusterName=prnn-local
SlurmctldHost=${node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmdParameters=config_overrides
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MaxArraySize=1001
KillWait=10
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem} State=UNKNOWN
PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP
CONFIG
  cat >/etc/slurm/cgroup.conf <<CGROUP
$MARK
CgroupPlugin=autodetect
IgnoreSystemd=yes
CGROUP
}

daemon_running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

up() {
  [ "$(id -u)" = 0 ] || fail "needs root (it installs packages and starts daemons)"
  mkdir -p "$STATE"
  install_packages
  start_munge
  write_config
  daemon_running "$STATE/slurmctld.pid" || slurmctld -f "$CONF" || fail "slurmctld did not start (see $STATE/slurmctld.log)"
  daemon_running "$STATE/slurmd.pid" || slurmd -f "$CONF" || fail "slurmd did not start (see $STATE/slurmd.log)"
  for _ in $(seq 1 60); do
    if answers; then say "up: node $(hostname -s), $(nproc) CPUs, partition debug (sinfo, sbatch and squeue work)"; return 0; fi
    scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true
    sleep 1
  done
  fail "the node did not become idle (see $STATE/slurmctld.log and $STATE/slurmd.log)"
}

stop_pidfile() {
  local file=$1 pid
  [ -s "$file" ] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -f "$file"
}

down() {
  if [ -e "$CONF" ] && grep -qF "$MARK" "$CONF"; then timeout 10 scancel --user=root >/dev/null 2>&1 || true; fi
  stop_pidfile "$STATE/slurmd.pid"
  stop_pidfile "$STATE/slurmctld.pid"
  stop_pidfile /run/munge/munged.pid
  say "down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) answers ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
