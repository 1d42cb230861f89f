#!/usr/bin/env bash
# Runs a command with an unlocked gnome-keyring Secret Service on the current D-Bus session bus.
# Use inside `dbus-run-session` with a private HOME: the keyring is throwaway and never locked,
# so nothing can wait on an unlock prompt. The daemon exits with the session bus.
set -euo pipefail
password=${CUSTODY_KEYRING_PASSWORD:-custody-local}
eval "$(printf '%s' "$password" | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
export GNOME_KEYRING_CONTROL
"$@"
