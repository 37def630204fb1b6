#!/usr/bin/env bash
# The demo: writes through the driver jar on a bare classpath and shows the captured change log.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=$(ls driver/target/marmot-jdbc-*-all.jar 2>/dev/null | head -n 1 || true)
if [ -z "$jar" ]; then
  mvn -B -q -DskipTests package
  jar=$(ls driver/target/marmot-jdbc-*-all.jar | head -n 1)
fi
exec java -cp "$jar" examples/Demo.java
