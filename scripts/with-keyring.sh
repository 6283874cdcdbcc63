#!/bin/sh
# Run a command inside a private D-Bus session with gnome-keyring serving the
# Secret Service and an unlocked 'login' collection, so real-keyring tests run
# headless. Keyring files live in a throw-away XDG_DATA_HOME.
# usage: scripts/with-keyring.sh CMD [ARGS...]
set -eu
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cosmosctl-kr.XXXXXX")
mkdir -p "$tmp/data" "$tmp/run"
chmod 700 "$tmp/run"
export XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run"
rc=0
dbus-run-session -- sh -c '
  printf %s "${KEYRING_PASS:-test}" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  # --unlock returns before the daemon owns the bus name; a client that calls
  # too early would activate a second daemon with a locked keyring.
  i=0
  until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; do
    i=$((i+1))
    if [ "$i" -gt 200 ]; then echo "with-keyring: the Secret Service did not appear" >&2; exit 97; fi
    sleep 0.05
  done
  exec "$@"' sh "$@" || rc=$?
rm -rf "$tmp"
exit $rc
