#!/usr/bin/env bash
# Runs sqlite-jdbc's own JUnit suite twice — on plain sqlite-jdbc forced to WAL, and through jdbc:marmot:sqlite:
# with replication on (a real nats-server with JetStream) — and prints the tests that pass on plain sqlite-jdbc but
# not through marmot. See docs/transparency.md.
#
#   tools/sqlite-jdbc-suite.sh --checkout DIR            a sqlite-jdbc checkout (its src/test is used)
#   tools/sqlite-jdbc-suite.sh --git-dir DIR [--tag T]   a sqlite-jdbc git directory; T defaults to the version the
#                                                        driver depends on (pom.xml's sqlite-jdbc.version)
# Options: --work DIR (default: a new /tmp/marmot-sqlite-jdbc-suite.XXXXXX, kept for its reports and logs),
#          --jar FILE (the marmot driver jar; default driver/target/marmot-jdbc-*-all.jar, built if missing),
#          --test PATTERN (surefire -Dtest, e.g. ConnectionTest), --marmot-only (skip the plain run).
# sqlite-jdbc's tests are copied into the work directory only, never into this repository. Every
# DriverManager.getConnection(...) in them calls marmotsuite.SuiteConnections instead, which turns in-memory URLs
# into files (the same for both runs) and picks the driver.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
checkout="" gitdir="" tag="" work="" jar="" test_filter="" marmot_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --checkout) checkout="$2"; shift 2 ;;
    --git-dir) gitdir="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --jar) jar="$2"; shift 2 ;;
    --test) test_filter="$2"; shift 2 ;;
    --marmot-only) marmot_only=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$checkout" ] && [ -z "$gitdir" ]; then
  echo "give --checkout DIR or --git-dir DIR (see --help)" >&2; exit 2
fi
export PATH="$PATH:/usr/sbin:/usr/local/bin"
command -v nats-server >/dev/null || { echo "nats-server not found (run examples/install-tools.sh)" >&2; exit 1; }

version="$(sed -n 's:.*<sqlite-jdbc.version>\(.*\)</sqlite-jdbc.version>.*:\1:p' "$repo/pom.xml")"
junit="$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' "$repo/pom.xml")"
[ -n "$work" ] || work="$(mktemp -d /tmp/marmot-sqlite-jdbc-suite.XXXXXX)"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
echo "work directory: $work (driver depends on sqlite-jdbc $version)"

rm -rf "$work/src" "$work/target/test-classes" "$work/target/reports-marmot"
[ "$marmot_only" = 1 ] || rm -rf "$work/target/reports-plain"
if [ -n "$gitdir" ]; then
  tag="${tag:-$version}"
  git --git-dir="$gitdir" archive "$tag" src/test | tar -x -C "$work"
  git --git-dir="$gitdir" show "$tag:pom.xml" > "$work/pom-of-checkout.xml"
else
  mkdir -p "$work/src"
  cp -r "$checkout/src/test" "$work/src/test"
  cp "$checkout/pom.xml" "$work/pom-of-checkout.xml"
fi
source_version="$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' "$work/pom-of-checkout.xml")"
if [ "$source_version" != "$version" ]; then
  echo "note: the tests are of $source_version, the driver uses sqlite-jdbc $version: tests of features the" \
       "versions differ in fail on plain sqlite-jdbc too and drop out of the comparison" >&2
fi

# ArchUnit rules about sqlite-jdbc's own classes say nothing about a driver.
rm -rf "$work/src/test/java/org/sqlite/architecture"
find "$work/src/test/java" -name '*.java' -print0 |
  xargs -0 sed -i 's/\bDriverManager\.getConnection(/marmotsuite.SuiteConnections.getConnection(/g'
mkdir -p "$work/src/test/java/marmotsuite"
cp "$here/sqlite-jdbc-suite/SuiteConnections.java" "$work/src/test/java/marmotsuite/"
sed -e "s/@SQLITE_JDBC_VERSION@/$version/" -e "s/@JUNIT_VERSION@/$junit/" \
  "$here/sqlite-jdbc-suite/pom.xml" > "$work/pom.xml"

if [ -z "$jar" ]; then
  jar="$(ls "$repo"/driver/target/marmot-jdbc-*-all.jar 2>/dev/null | head -1 || true)"
  if [ -z "$jar" ]; then
    (cd "$repo" && mvn -B -q -pl driver -am -DskipTests package)
    jar="$(ls "$repo"/driver/target/marmot-jdbc-*-all.jar | head -1)"
  fi
fi
echo "marmot driver: $jar"

filter=()
[ -n "$test_filter" ] && filter=("-Dtest=$test_filter" "-Dsurefire.failIfNoSpecifiedTests=false")

run() { # mode, extra maven args...
  local mode="$1"; shift
  echo "running sqlite-jdbc's suite ($mode) … log: $work/$mode.log"
  local started=$SECONDS
  (cd "$work" && mvn -B test -Dmaven.test.failure.ignore=true "${filter[@]}" "$@") > "$work/$mode.log" 2>&1 ||
    { echo "maven failed ($mode), see $work/$mode.log" >&2; tail -30 "$work/$mode.log" >&2; exit 1; }
  echo "  $mode run took $((SECONDS - started)) s"
}

if [ "$marmot_only" = 0 ]; then
  run plain
fi

# A real nats-server with JetStream for the marmot run, on a port of its own choosing, stopped by its PID.
mkdir -p "$work/nats"
nats-server -js -a 127.0.0.1 -p -1 -sd "$work/nats/store" > "$work/nats/server.log" 2>&1 &
nats_pid=$!
trap 'kill "$nats_pid" 2>/dev/null || true; wait "$nats_pid" 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/.*Listening for client connections on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/nats/server.log" | head -1)"
  [ -n "$port" ] && break
  kill -0 "$nats_pid" 2>/dev/null || { cat "$work/nats/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "nats-server did not start in 10 s" >&2; exit 1; }
echo "nats-server pid $nats_pid on 127.0.0.1:$port"

run marmot -Pmarmot "-Dmarmot.jar=$jar" "-Dsuite.nats=nats://127.0.0.1:$port"

echo
java "$here/sqlite-jdbc-suite/CompareReports.java" "$work/target/reports-plain" "$work/target/reports-marmot" |
  tee "$work/comparison.txt"
