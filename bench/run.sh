#!/usr/bin/env bash
# The benchmark: builds what it needs (the driver, the sidecar's jar, the benchmark), then runs io.marmot.bench.Benchmark (--quick: about 3 minutes; --only 1,10: some sections; --out FILE).
# --apply-cost [messages] [rounds]: the apply path's CPU, allocations and VM steps per row alone, printed.
# --only soak: the 15-minute nemesis soak alone (--soak-minutes N, --soak-seed N); it mounts a tmpfs, so run it as root.
# Prints a table and writes it to docs/benchmarks.md (or --out FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin"
mvn -B -q -DskipTests install -pl integration-tests,server-bridge -am
mvn -B -q -pl integration-tests dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
# Java's thread priorities honoured (Linux ignores them by default) so that section 1 can measure Marmot's threads at
# nice 4 beside the default; -Dmarmot.threadPriority=5 keeps them at the application's everywhere else, and the
# JavaPriority flags keep the JVM's own threads at nice 0 when run as root (which may raise them).
PRIORITIES="-XX:ThreadPriorityPolicy=1 -Dmarmot.threadPriority=5"
for p in 6 7 8 9 10; do PRIORITIES="$PRIORITIES -XX:JavaPriority${p}_To_OSPriority=0"; done
# shellcheck disable=SC2086
exec java -Xmx1g $PRIORITIES -cp "integration-tests/target/classes:$(cat integration-tests/target/bench.classpath)" \
  io.marmot.bench.Benchmark "$@"
