#!/usr/bin/env bash
# Installs the Debian packages the tests need beyond npm, when they are missing:
#   scripts/test-setup/ensure-debian-packages.sh chromium redis-server
# Each argument is a Debian package whose program has the same name (/usr/bin/<name>, or
# /usr/sbin, or on PATH). Already installed: exits at once, touching nothing (idempotent, fast).
# Missing: apt-get update + install, as root (CI runs as root on a fresh machine) or through
# passwordless sudo; otherwise it says what to run and exits 1. A lock keeps two test processes
# from running apt at the same time.
set -euo pipefail

missing=()
for pkg in "$@"; do
  if ! command -v "$pkg" >/dev/null 2>&1 && [ ! -x "/usr/bin/$pkg" ] && [ ! -x "/usr/sbin/$pkg" ]; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "the tests need the Debian packages: ${missing[*]}; install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

lock="${TMPDIR:-/tmp}/icedit-test-setup.lock"
exec 9>"$lock"
flock -w 900 9 || { echo "another test setup holds $lock for 15 minutes; giving up" >&2; exit 1; }

# Another process may have installed them while this one waited for the lock.
still=()
for pkg in "${missing[@]}"; do
  if ! command -v "$pkg" >/dev/null 2>&1 && [ ! -x "/usr/bin/$pkg" ] && [ ! -x "/usr/sbin/$pkg" ]; then
    still+=("$pkg")
  fi
done
[ ${#still[@]} -eq 0 ] && exit 0

echo "test setup: installing ${still[*]} with apt-get (once per machine)" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q >&2
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${still[@]}" >&2
