#!/usr/bin/env bash
# Quick start (`npm start`): the main job on the embedded sandbox. Installs what is missing, starts the
# local WORM store (radosgw, S3 Object Lock) and the Genesys sandbox, stores their credentials in the
# OS keychain, then opens the app: Electron where its binary is installed, else the browser shell.
# Without a display, the app drives itself through the job (find a trade, give a case reference,
# play it after the WORM audit record) and prints each step, the audit object and a screenshot.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

if [ -z "${CUSTODY_IN_SESSION:-}" ]; then
  bash build/scripts/install-deps.sh
  node build/scripts/build.mjs --quiet
  if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    # A server has no desktop session: run in a private D-Bus session with a throwaway, unlocked keyring.
    echo "No desktop session: using a private Secret Service (gnome-keyring) for this run."
    export CUSTODY_IN_SESSION=1
    exec dbus-run-session -- bash build/scripts/with-keyring.sh bash "$0" "$@" 2> >(grep --line-buffered -v 'Failed to set fd limit\|org.a11y.Bus' >&2)
  fi
fi

export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
custody() { node bin/custody.mjs "$@"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/custody-start.XXXXXX")
sandbox_pid=
cleanup() {
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null || true
  custody worm stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== WORM store"
custody worm stop >/dev/null 2>&1 || true
custody worm start

echo "== Genesys sandbox"
node bin/custody.mjs sandbox --blotter "$work/blotter.csv" --json > "$work/sandbox.json" &
sandbox_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/sandbox.json" ] && break
  kill -0 "$sandbox_pid" 2>/dev/null || { echo "the sandbox did not start" >&2; exit 1; }
  sleep 0.1
done
node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(`Genesys sandbox at ${s.url}: ${s.conversations} conversations, ${s.recordings} recordings`)' "$work/sandbox.json"

# This sandbox never issued an earlier run's officer tokens: that sign-in is void, and the demo signs in anew.
custody signout >/dev/null 2>&1 || true

echo "== Custody"
custody ui --blotter "$work/blotter.csv" "$@"
