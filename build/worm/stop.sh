#!/usr/bin/env bash
# Stop exactly the daemons start.sh recorded for one cluster (by PID, newest first, each checked
# against /proc so a reused PID is never signalled), then remove the run dir unless KEEP=1.
# Usage: stop.sh [RUN_DIR]   (default: $WORM_BASE/current, the newest cluster)
set -uo pipefail
WORM_BASE=${WORM_BASE:-${XDG_RUNTIME_DIR:-/tmp}/custody-worm}
RUN_DIR=${1:-$(readlink -f "$WORM_BASE/current" 2>/dev/null || true)}
[[ -n "$RUN_DIR" && -d "$RUN_DIR" ]] || { echo "stop.sh: no cluster dir (nothing to stop)"; exit 0; }
RUN_DIR=$(cd "$RUN_DIR" && pwd)
[[ -f "$RUN_DIR/pids" ]] || { echo "stop.sh: $RUN_DIR has no pids file; not a cluster dir, left alone" >&2; exit 2; }

# The PID must still be a ceph daemon started with this cluster's config file.
owned() {
  local pid=$1 comm
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  case "$comm" in
    ceph-mon | ceph-osd | radosgw) tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$RUN_DIR/ceph.conf" ;;
    *) return 1 ;;
  esac
}

# Newest first (rgw -> osd -> mon), one at a time: radosgw needs mon and osd to shut down cleanly.
mapfile -t entries < <(tac "$RUN_DIR/pids")
for entry in "${entries[@]}"; do
  pid=${entry%% *}
  name=${entry#* }
  owned "$pid" || continue
  kill -TERM "$pid" 2>/dev/null && echo "stop.sh: TERM $name ($pid)"
  for _ in $(seq 1 50); do owned "$pid" || break; sleep 0.1; done
  if owned "$pid"; then kill -KILL "$pid" 2>/dev/null && echo "stop.sh: KILL $name ($pid)"; fi
done
: > "$RUN_DIR/pids"

if [[ "${KEEP:-0}" != 1 ]]; then
  rm -rf -- "$RUN_DIR"
  [[ "$(readlink -f "$WORM_BASE/current" 2>/dev/null)" == "$RUN_DIR" ]] && rm -f "$WORM_BASE/current"
  echo "stop.sh: removed $RUN_DIR"
fi
exit 0
