#!/usr/bin/env bash
# The test command (`npm test`): installs what is missing, then lint, type check, unit,
# integration (real radosgw, real SDK against the sandbox, real keychain, real SQLite) and e2e
# (Debian's Chromium through the browser shell). Runs in a private D-Bus session with a throwaway
# unlocked keyring and a private HOME, so nothing touches the user's own keychain or profiles.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

bash build/scripts/install-deps.sh

# Each step names the time it starts, so a CI log shows where the minutes went.
step() { printf '\n== %s (%s)\n' "$*" "$(date -u +%T)"; }
step "lint, type check and build, side by side"
# Lint, type check and build are independent (the build is for the e2e tests, from source with esbuild and
# Vite, not from tsc's output): side by side, each one's output printed whole once all three are done.
checks_dir=$(mktemp -d "${TMPDIR:-/tmp}/custody-checks.XXXXXX")
run_check() { ( "${@:2}" >"$checks_dir/$1" 2>&1 && rc=0 || rc=$?; echo "$rc" >"$checks_dir/$1.rc" ) & }
run_check lint npx eslint .
run_check typecheck npx tsc -b
run_check build node build/scripts/build.mjs
wait
failed=0
for check in lint typecheck build; do
  printf '\n== %s\n' "$check"; cat "$checks_dir/$check"
  [[ "$(cat "$checks_dir/$check.rc")" == 0 ]] || { echo "test.sh: $check failed" >&2; failed=1; }
done
rm -rf "$checks_dir"
(( failed == 0 )) || exit 1

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
step "every test passed"
