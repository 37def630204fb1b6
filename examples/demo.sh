#!/usr/bin/env bash
# The demo: two nodes on the embedded default (a local nats-server the first node starts), with the driver jar
# and a logging binding (slf4j-simple; the driver jar carries none). On a fresh machine it first installs what
# is missing (examples/install-tools.sh) and builds the jars. Everything it creates lives in one directory,
# /tmp/marmot-demo.XXXXXX, removed when it ends, also on Ctrl-C.
#   MARMOT_DEMO_LOG=info bash examples/demo.sh   shows the engine's logs too (default: warnings only)
set -euo pipefail
cd "$(dirname "$0")/.."

bash examples/install-tools.sh
export PATH="$PATH:/usr/sbin"   # Debian's nats-server

driver_jar() { ls -t driver/target/marmot-jdbc-*-all.jar 2>/dev/null | head -n 1 || true; }
logging_jar=examples/target/demo-logging.jar

if [ -z "$(driver_jar)" ]; then
  echo "demo: building the jars once (mvn -B -q -DskipTests package)..." >&2
  mvn -B -q -Dstyle.color=never -DskipTests package >&2
fi
if [ ! -f "$logging_jar" ]; then
  mvn -B -q -Dstyle.color=never -f examples/pom.xml package >&2
fi
jar="$(driver_jar)"

dir="$(mktemp -d /tmp/marmot-demo.XXXXXX)"
# java runs in the foreground: Ctrl-C reaches it too, it stops its engines and nats-server, then this removes
# the directory.
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
java -Dorg.slf4j.simpleLogger.defaultLogLevel="${MARMOT_DEMO_LOG:-warn}" -Dorg.slf4j.simpleLogger.showDateTime=true \
  -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS -cp "$jar:$logging_jar" examples/Demo.java "$dir"
