#!/usr/bin/env bash
# Migrations once per cluster: three application nodes (separate JVMs, one HikariCP pool each) start together and
# each runs Flyway (or Liquibase) at start-up inside Marmot.clusterLock, like a single-node application. The
# cluster ends migrated once: prices raised by 10 once, the same schema and history everywhere.
#   bash examples/migrations.sh [flyway|liquibase]
# Everything it creates lives in /tmp/marmot-migrations.XXXXXX, removed when it ends (also on Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."
tool="${1:-flyway}"
case "$tool" in flyway|liquibase) ;; *) echo "usage: $0 [flyway|liquibase]" >&2; exit 2 ;; esac

bash examples/install-tools.sh
export PATH="$PATH:/usr/sbin"
driver_jar() { ls -t driver/target/marmot-jdbc-*-all.jar 2>/dev/null | head -n 1 || true; }
if [ -z "$(driver_jar)" ]; then
  echo "building the jars once (mvn -B -q -DskipTests package)..." >&2
  mvn -B -q -Dstyle.color=never -DskipTests package >&2
fi
dir="$(mktemp -d /tmp/marmot-migrations.XXXXXX)"
pids=()
nats_pid=""
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  [ -n "$nats_pid" ] && kill -TERM "$nats_pid" 2>/dev/null || true
  [ -n "$nats_pid" ] && wait "$nats_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mvn -B -q -Dstyle.color=never -f examples/migrations/pom.xml dependency:build-classpath \
  -Dmdep.outputFile="$dir/tools.classpath" >&2
cp="$(driver_jar):$(cat "$dir/tools.classpath")"

port=$((20000 + RANDOM % 20000))
nats-server -js -a 127.0.0.1 -p "$port" -sd "$dir/nats" >"$dir/nats.log" 2>&1 &
nats_pid=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

for node in 1 2 3; do
  java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" examples/migrations/MigratingApp.java \
    "$dir/node-$node.db" "$node" "nats://127.0.0.1:$port" "$tool" &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
pids=()
exit "$status"
