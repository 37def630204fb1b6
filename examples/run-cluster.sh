#!/usr/bin/env bash
# Marmot's quick start: three SQLite databases (/tmp/marmot-1.db, -2, -3) with the Books table, one marmot
# sidecar each, all replicating over one local nats-server with JetStream (started here on 127.0.0.1:4222, or
# the one that already answers there). Write into any of them with the sqlite3 shell and watch the others.
# Ctrl-C stops everything this script started.
# --embedded-cluster: no separate nats-server; each sidecar runs its own embedded one (client ports 4301-4303,
# routes on 127.0.0.1:6301-6303), routed into one JetStream cluster with streams at R3: stop any one node and the
# other two go on.
set -euo pipefail
EMBEDDED_CLUSTER=""
[ "${1:-}" = "--embedded-cluster" ] && EMBEDDED_CLUSTER=1
cd "$(dirname "$0")/.."

NATS_PORT="${MARMOT_NATS_PORT:-4222}"
# Each sidecar takes the default HTTP port (8090, or the next free one) and logs it; read back below.
NODES=(1 2 3)
NATS_STORE=/tmp/marmot-cluster-nats

need() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || {
    echo "run-cluster: $1 is not installed (Debian/Ubuntu: sudo apt-get install -y $2)" >&2
    exit 1
  }
}
need sqlite3 sqlite3
need java openjdk-17-jdk-headless
need nats-server nats-server

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pids=()
nats_pid=""
stopping=""
cleanup() {
  [ -n "$stopping" ] && return
  stopping=1
  echo
  echo "Stopping the sidecars..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$nats_pid" ]; then
    echo "Stopping nats-server..."
    kill -TERM "$nats_pid" 2>/dev/null || true
    wait "$nats_pid" 2>/dev/null || true
  fi
  echo "Stopped. The databases stay in /tmp/marmot-{1,2,3}.db; the logs in /tmp/marmot-{1,2,3}.log."
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Build the sidecar once, before three of them start.
bin/marmot --help >/dev/null

extra=()
if [ -n "$EMBEDDED_CLUSTER" ]; then
  for n in "${NODES[@]}"; do
    answers "$((4300 + n))" && { echo "run-cluster: port $((4300 + n)) is in use (an earlier run still going?)" >&2; exit 1; }
  done
  echo "Embedded cluster: each sidecar starts its own nats-server, routed to the others'."
elif answers "$NATS_PORT"; then
  # Someone else's server may hold streams of earlier runs: keep this run's changes apart from them.
  run="run$(date +%s)"
  extra=(--stream-prefix "marmot-changes-$run" --subject-prefix "marmot-change-log-$run" --max-log-age 86400)
  echo "A server already answers on 127.0.0.1:$NATS_PORT: using it (this run's streams: marmot-changes-$run-*)."
else
  nats_bin="$(command -v nats-server || true)"
  [ -n "$nats_bin" ] || nats_bin=/usr/sbin/nats-server
  rm -rf "$NATS_STORE"
  "$nats_bin" -js -a 127.0.0.1 -p "$NATS_PORT" -sd "$NATS_STORE" >/tmp/marmot-cluster-nats.log 2>&1 &
  nats_pid=$!
  for _ in $(seq 100); do
    answers "$NATS_PORT" && break
    kill -0 "$nats_pid" 2>/dev/null || { echo "nats-server failed:"; cat /tmp/marmot-cluster-nats.log; exit 1; }
    sleep 0.1
  done
  answers "$NATS_PORT" || { echo "nats-server did not listen on $NATS_PORT within 10 s" >&2; exit 1; }
  echo "Started nats-server with JetStream on 127.0.0.1:$NATS_PORT (pid $nats_pid, store $NATS_STORE)."
fi

for n in "${NODES[@]}"; do
  db="/tmp/marmot-$n.db"
  rm -rf "$db" "$db-wal" "$db-shm" "$db-nats"
  sqlite3 "$db" "CREATE TABLE Books (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, author TEXT NOT NULL, publication_year INTEGER NOT NULL);"
done

# One after another, each once it holds its HTTP port: then node 1 gets 8090, node 2 8091, ... when free.
for n in "${NODES[@]}"; do
  if [ -n "$EMBEDDED_CLUSTER" ]; then
    peers=""
    for m in "${NODES[@]}"; do [ "$m" = "$n" ] || peers="$peers${peers:+,}127.0.0.1:$((6300 + m))"; done
    # New databases: nothing to restore, so no node waits for the others before it opens.
    node_nats=(--nats-port "$((4300 + n))" --cluster-addr "127.0.0.1:$((6300 + n))" --cluster-peers "$peers"
      --log-replicas 3 --snapshot-restore-wait 0 --catch-up-wait 0)
  else
    node_nats=(--nats-url "nats://127.0.0.1:$NATS_PORT")
  fi
  bin/marmot --db-path "/tmp/marmot-$n.db" --node-id "$n" "${node_nats[@]}" \
    ${extra[@]+"${extra[@]}"} >"/tmp/marmot-$n.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do
    grep -q "HTTP endpoint on" "/tmp/marmot-$n.log" 2>/dev/null && break
    kill -0 "$!" 2>/dev/null || break
    sleep 0.1
  done
done

for i in "${!NODES[@]}"; do
  n="${NODES[$i]}"
  for _ in $(seq 600); do
    grep -q "applying changes from" "/tmp/marmot-$n.log" 2>/dev/null && break
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "The sidecar of node $n stopped:" >&2
      tail -n 20 "/tmp/marmot-$n.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  grep -q "applying changes from" "/tmp/marmot-$n.log" || {
    echo "The sidecar of node $n did not start replicating within 60 s; see /tmp/marmot-$n.log" >&2
    exit 1
  }
done

http_port() { sed -n 's|.*HTTP endpoint on http://[^ ]*:\([0-9]*\)/.*|\1|p' "/tmp/marmot-$1.log" | tail -n 1; }

# The sqlite3 shell fails at once with "database is locked" when it meets the sidecar applying a peer's
# change, unless given a busy timeout: every command printed here carries one.
sql='sqlite3 -cmd ".timeout 5000"'

cat <<MSG

Marmot cluster running: nodes 1, 2 and 3 replicate /tmp/marmot-1.db, /tmp/marmot-2.db and /tmp/marmot-3.db.

Make a change in one database:
  $sql /tmp/marmot-1.db "INSERT INTO Books (title, author, publication_year) VALUES ('Pride and Prejudice', 'Jane Austen', 1813);"
and see it in the others:
  $sql /tmp/marmot-2.db "SELECT * FROM Books;"
Works the other way too:
  $sql /tmp/marmot-3.db "UPDATE Books SET publication_year = 1811 WHERE title = 'Pride and Prejudice';"
  $sql /tmp/marmot-1.db "SELECT * FROM Books;"
(".timeout 5000" lets sqlite3 wait for the write lock while a sidecar applies a change, instead of failing.)

Health and metrics: curl http://127.0.0.1:$(http_port 1)/health    curl http://127.0.0.1:$(http_port 2)/metrics
  (nodes 1, 2, 3 serve HTTP on ports $(http_port 1), $(http_port 2), $(http_port 3))
Logs: tail -f /tmp/marmot-1.log /tmp/marmot-2.log /tmp/marmot-3.log

Press Ctrl-C to stop everything (or: kill $$).
MSG
if [ -n "$EMBEDDED_CLUSTER" ]; then
  cat <<MSG
Each node runs its own nats-server (<db>-nats/, pids in /tmp/marmot-N.db-nats/nats-server.pid). Stop node 3 and
its server, and nodes 1 and 2 go on replicating:
  kill -9 ${pids[2]} \$(cat /tmp/marmot-3.db-nats/nats-server.pid)
  $sql /tmp/marmot-1.db "INSERT INTO Books (title, author, publication_year) VALUES ('Emma', 'Jane Austen', 1815);"
  $sql /tmp/marmot-2.db "SELECT * FROM Books;"
MSG
fi

wait
