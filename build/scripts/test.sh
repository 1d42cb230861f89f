#!/usr/bin/env bash
# The test command (`npm test`): installs what is missing, then lint, type check, unit,
# integration (real radosgw, real SDK against the sandbox, real keychain, real SQLite) and e2e
# (Debian's Chromium through the browser shell). Runs in a private D-Bus session with a throwaway
# unlocked keyring and a private HOME, so nothing touches the user's own keychain or profiles.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

bash build/scripts/install-deps.sh

step() { printf '\n== %s\n' "$*"; }
step "lint";       npx eslint .
step "typecheck";  npx tsc -b
step "build";      node build/scripts/build.mjs

test_home=$(mktemp -d "${TMPDIR:-/tmp}/custody-test-home.XXXXXX")
trap 'rm -rf "$test_home"' EXIT
run_isolated() {
  env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS HOME="$test_home" XDG_RUNTIME_DIR="$test_home/run" \
    dbus-run-session -- bash build/scripts/with-keyring.sh "$@" 2> >(grep -v 'Failed to set fd limit' >&2)
}
mkdir -p "$test_home/run"

# The integration-year-ahead project runs the audit suites again, their fake clock a year ahead (vitest.config.ts).
step "unit and integration tests"
run_isolated npx vitest run
step "end-to-end tests (Chromium)"
run_isolated npx playwright test -c test/e2e/playwright.config.ts
