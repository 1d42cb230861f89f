#!/usr/bin/env bash
# Is a local WORM cluster running? Prints its state and endpoint; exit 0 when up, 3 when not.
# "Up" means every daemon start.sh recorded is alive and radosgw answers HTTP.
# Usage: status.sh [RUN_DIR]   (default: $WORM_BASE/current, the newest cluster)
set -uo pipefail
WORM_BASE=${WORM_BASE:-${XDG_RUNTIME_DIR:-/tmp}/custody-worm}
RUN_DIR=${1:-$(readlink -f "$WORM_BASE/current" 2>/dev/null || true)}

down() { echo "state=down"; echo "run_dir=${RUN_DIR:-}"; echo "reason=$*"; exit 3; }

[[ -n "$RUN_DIR" && -f "$RUN_DIR/pids" ]] || down "no cluster dir"
[[ -f "$RUN_DIR/env" ]] || down "not started completely (no env file)"
endpoint=$(sed -n 's/^S3_ENDPOINT=//p' "$RUN_DIR/env")
[[ -s "$RUN_DIR/pids" ]] || down "stopped"
while read -r pid name; do
  tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$RUN_DIR/ceph.conf" || down "$name ($pid) is not running"
done < "$RUN_DIR/pids"
curl -fs -o /dev/null --max-time 2 "$endpoint/" || down "radosgw does not answer on $endpoint"
echo "state=up"
echo "run_dir=$RUN_DIR"
echo "endpoint=$endpoint"
