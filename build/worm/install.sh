#!/usr/bin/env bash
# Install what build/worm/start.sh needs, only if something is missing (idempotent; run as root).
set -euo pipefail
missing=()
for bin in ceph ceph-mon ceph-osd radosgw radosgw-admin ceph-authtool monmaptool uuidgen curl; do
  command -v "$bin" >/dev/null || missing+=("$bin")
done
if (( ${#missing[@]} == 0 )); then
  echo "install.sh: all binaries present"
  exit 0
fi
echo "install.sh: missing ${missing[*]}; installing"
(( EUID == 0 )) || { echo "install.sh: ERROR: must run as root to apt-get install" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
packages=(ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl)
# A fresh machine may have no package lists yet: update only when the first attempt fails.
apt-get install -y --no-install-recommends "${packages[@]}" || { apt-get update && apt-get install -y --no-install-recommends "${packages[@]}"; }
