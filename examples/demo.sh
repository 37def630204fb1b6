#!/usr/bin/env bash
# The demo: two nodes on the embedded default (a local nats-server the first node starts), with the driver jar alone.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=$(ls driver/target/marmot-jdbc-*-all.jar 2>/dev/null | head -n 1 || true)
if [ -z "$jar" ]; then
  mvn -B -q -DskipTests package
  jar=$(ls driver/target/marmot-jdbc-*-all.jar | head -n 1)
fi
exec java -cp "$jar" examples/Demo.java
