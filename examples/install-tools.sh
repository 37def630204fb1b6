#!/usr/bin/env bash
# Installs what is missing for building, the demo, the sidecar's quick start and the tests: a JDK 17+, Maven,
# nats-server, sqlite3 and faketime (clock-skew tests). Debian/Ubuntu: apt-get as root, through sudo otherwise.
# Does nothing when everything is there. Used by examples/demo.sh.
set -euo pipefail

jdk_ok() {
  command -v javac >/dev/null 2>&1 || return 1
  local v
  v="$(javac -version 2>&1 | sed -n 's/^javac \([0-9]*\).*/\1/p')"
  [ -n "$v" ] && [ "$v" -ge 17 ]
}

need=()
jdk_ok || need+=(jdk)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need+=(nats-server)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v faketime >/dev/null 2>&1 || need+=(faketime)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-tools: missing ${need[*]} (a JDK 17 or newer, Maven, nats-server, sqlite3, faketime);" \
    "this script knows only apt-get: install them with your package manager" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-tools: missing ${need[*]}; run as root: apt-get update && apt-get install -y ${need[*]/#jdk/openjdk-17-jdk-headless}" >&2
  exit 1
fi

echo "install-tools: installing ${need[*]} (apt-get${as_root[*]:+ through sudo})" >&2
"${as_root[@]}" apt-get update -qq
packages=()
for p in "${need[@]}"; do
  if [ "$p" = jdk ]; then
    # Debian releases after bookworm no longer carry 17; the build needs 17 or newer.
    if apt-cache show openjdk-17-jdk-headless >/dev/null 2>&1; then p=openjdk-17-jdk-headless; else p=default-jdk-headless; fi
  fi
  packages+=("$p")
done
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >&2
