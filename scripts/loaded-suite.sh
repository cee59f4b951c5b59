#!/usr/bin/env bash
# The whole test suite, again and again, on a machine that other test runs share.
#
#   bash scripts/loaded-suite.sh [--streams K] [--passes N] [--rev REV] [--dir DIR] [--install CMD] [--command CMD]
#
# Clones REV (default HEAD) of this repository K times (default 3) into DIR (default a new temporary directory),
# runs `npm ci` in each clone, then starts K streams side by side; each stream runs `npm test` in its own clone
# over and over. Once N runs (default 10) have passed, or at the first failing run, the runs still under way in
# the other streams are stopped (status "stopped": neither pass nor failure) and the streams end. Every run is
# one line of DIR/results.tsv (stream, run, start and end in epoch seconds, exit status or "stopped", vitest's
# "Test Files" and "Tests" lines); its whole output is DIR/<stream>-run<i>.log.
# At the end scripts/loaded-suite-summary.mjs reads results.tsv and prints, for every run, how many other
# test runs were running over the whole of it, and whether N runs passed in a row while K − 1 others ran.
#
# --install (default `npm ci`) and --command (default `npm test`) are run by bash in each clone; other values are
# for trying the script itself, e.g. `--install true --command 'sleep 5'`.
#
# For the Slurm integration test to run rather than skip, bring a cluster up first (as root:
# `bash scripts/slurm-local.sh up`); all streams share it.
set -euo pipefail
streams=3
passes=10
rev=HEAD
dir=
install='npm ci'
command='npm test'
while [ $# -gt 0 ]; do
  case "$1" in
    --streams) streams=$2; shift 2 ;;
    --passes) passes=$2; shift 2 ;;
    --rev) rev=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --install) install=$2; shift 2 ;;
    --command) command=$2; shift 2 ;;
    *) echo "loaded-suite: unknown argument $1 (see the comment at the top of scripts/loaded-suite.sh)" >&2; exit 2 ;;
  esac
done
case "$streams" in ''|*[!0-9]*) echo "loaded-suite: --streams must be a whole number ≥ 1 (got \"$streams\")" >&2; exit 2 ;; esac
case "$passes" in ''|*[!0-9]*) echo "loaded-suite: --passes must be a whole number ≥ 1 (got \"$passes\")" >&2; exit 2 ;; esac
if [ "$streams" -lt 1 ] || [ "$passes" -lt 1 ]; then echo "loaded-suite: --streams and --passes must be ≥ 1" >&2; exit 2; fi
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
commit=$(git -C "$repo" rev-parse --verify "$rev^{commit}") || { echo "loaded-suite: --rev $rev is not a commit of $repo" >&2; exit 2; }
# mktemp makes its directory 0700; it is opened to 0755 so that the permission tests, which run commands as the
# user nobody from the clone, run rather than skip
if [ -z "$dir" ]; then dir=$(mktemp -d /tmp/prnn-loaded-suite-XXXXXX); chmod 755 "$dir"; fi
mkdir -p "$dir"
if [ -e "$dir/results.tsv" ]; then echo "loaded-suite: --dir $dir already holds results.tsv; give an empty directory" >&2; exit 2; fi
export ONNXRUNTIME_NODE_INSTALL=skip
echo "loaded-suite: $streams clones of ${commit:0:12} in $dir"
for s in $(seq 1 "$streams"); do
  git clone -q "$repo" "$dir/s$s/prnn"
  git -C "$dir/s$s/prnn" checkout -q --detach "$commit"
  (cd "$dir/s$s/prnn" && bash -c "$install" > "$dir/s$s-install.log" 2>&1) || { echo "loaded-suite: $install failed in $dir/s$s/prnn (see $dir/s$s-install.log)" >&2; exit 1; }
done
printf 'stream\trun\tstart\tend\tstatus\tfiles\ttests\n' > "$dir/results.tsv"

# Stops the runs under way in the other streams (the row is decided): each is marked, then its process group ended.
stop_others() {
  local self=$1 f other
  touch "$dir/STOP"
  for f in "$dir"/s*.pid; do
    [ -e "$f" ] || continue
    other=$(basename "$f" .pid)
    [ "$other" = "s$self" ] && continue
    touch "$dir/$other.stopped"
    kill -TERM -- "-$(cat "$f")" 2>/dev/null || true
  done
}

stream() {
  local s=$1 i=0 t0 t1 rc log files tests pid status
  while [ ! -e "$dir/STOP" ]; do
    i=$((i + 1))
    log="$dir/s$s-run$i.log"
    t0=$(date +%s)
    # its own process group (a background job of a script is no group leader, so setsid does not fork)
    (cd "$dir/s$s/prnn" && exec setsid bash -c "$command") > "$log" 2>&1 &
    pid=$!
    echo "$pid" > "$dir/s$s.pid"
    # the row may have been decided while this run started: stop it as stop_others would have
    if [ -e "$dir/STOP" ]; then touch "$dir/s$s.stopped"; kill -TERM -- "-$pid" 2>/dev/null || true; fi
    rc=0
    wait "$pid" || rc=$?
    rm -f "$dir/s$s.pid"
    t1=$(date +%s)
    status=$rc
    # a run ended by stop_others is neither a pass nor a failure; it loaded the others until then
    if [ -e "$dir/s$s.stopped" ]; then status=stopped; fi
    files=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -a -E '^ *Test Files ' | tail -1 | sed 's/^ *//' || true)
    tests=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -a -E '^ *Tests ' | tail -1 | sed 's/^ *//' || true)
    # one write per line (shorter than PIPE_BUF), so the streams' lines never interleave
    printf 's%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$i" "$t0" "$t1" "$status" "$files" "$tests" >> "$dir/results.tsv"
    [ "$status" = stopped ] && break
    if [ "$rc" != 0 ]; then
      echo "loaded-suite: stream s$s run $i failed (exit $rc); see $log"
      stop_others "$s"
    elif [ "$(awk -F'\t' 'NR > 1 && $5 == "0"' "$dir/results.tsv" | wc -l)" -ge "$passes" ]; then
      stop_others "$s"
    fi
  done
}

for s in $(seq 1 "$streams"); do stream "$s" & done
wait
node "$repo/scripts/loaded-suite-summary.mjs" "$dir/results.tsv" --passes "$passes" --streams "$streams"
