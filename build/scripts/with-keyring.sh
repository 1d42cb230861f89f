#!/usr/bin/env bash
# Runs a command with an unlocked gnome-keyring Secret Service on the current D-Bus session bus.
# Use inside `dbus-run-session` with a private HOME: the keyring is throwaway and never locked,
# so nothing can wait on an unlock prompt. The daemon exits with the session bus.
set -euo pipefail
password=${CUSTODY_KEYRING_PASSWORD:-custody-local}
unlock() { eval "$(printf '%s' "$password" | gnome-keyring-daemon "$@" --unlock --components=secrets 2>/dev/null)"; }
unlock
export GNOME_KEYRING_CONTROL

# gnome-keyring-daemon has crashed under a long parallel test run (a GLib trap); D-Bus then starts a new
# one with the login keyring locked, and every keychain call fails on an unlock prompt nobody can answer.
# Watch the login collection and unlock it again with the same password when it is found locked.
locked() {
  dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets/collection/login \
    org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null | grep -q 'boolean true'
}
( while sleep 0.5; do if locked; then unlock --replace && echo "with-keyring: the keyring daemon was restarted locked; unlocked it again" >&2; fi; done ) &
watchdog=$!
trap 'kill "$watchdog" 2>/dev/null || true' EXIT
"$@"
