#!/usr/bin/env bash
# Installs what Custody needs on Debian 12, only what is missing: safe to run any number of times.
#   apt: Chromium (browser shell and e2e), Ceph radosgw (local WORM store), gnome-keyring + D-Bus
#        (OS keychain), espeak-ng + sox (sandbox call audio), rsyslog (the SIEM receiver in tests), fonts.
#   npm: `npm ci` when node_modules does not match package-lock.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

need=()
want() { command -v "$1" >/dev/null 2>&1 || need+=("${@:2}"); }
want chromium chromium
want ceph-mon ceph-mon ceph-common
want ceph-osd ceph-osd
want radosgw radosgw
want uuidgen uuid-runtime
want curl curl
want dbus-run-session dbus
want gnome-keyring-daemon gnome-keyring
want espeak-ng espeak-ng
want sox sox libsox-fmt-base
want rsyslogd rsyslog rsyslog-gnutls
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages: ${need[*]} (run as root, or: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "install-deps: apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# Electron's binary cannot be downloaded on closed networks; the app then runs in the browser shell.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
# Native modules (better-sqlite3-multiple-ciphers) build against the installed Node's headers when they are there,
# instead of downloading them (closed networks; a HOME without the user's npmrc).
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$(dirname "$(dirname "$(command -v node)")")/include/node/node.h" ]; then
  export npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"
fi
stamp=node_modules/.custody-lock-sha256
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "install-deps: npm ci"
  # node-gyp compiles the native modules' sources in parallel.
  JOBS=max npm ci --no-audit --no-fund
  echo "$lock_sum" > "$stamp"
fi
