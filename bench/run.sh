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
exec java -Xmx1g -cp "integration-tests/target/classes:$(cat integration-tests/target/bench.classpath)" \
  io.marmot.bench.Benchmark "$@"
