package io.marmot.replication;

import io.marmot.config.MarmotConfig;
import io.marmot.sqlite.Sqlite;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy: every {@code verify-interval} each node publishes its {@link Digest} in the key-value bucket
 * {@code <stream-prefix>-digests} and compares it with its peers'. Two nodes that applied the same messages and hold
 * different rows diverged by a path the stream does not show (a write with triggers off, rows that predate capture, a
 * lost store): seen in two rounds in a row, that is logged with the tables, reported by /health and {@code stats()}
 * until the nodes agree again, and repaired ({@link Repairer}, on a thread of its own: the table is narrowed down
 * to rows through this node's answers to its peers' questions). The digest is taken again only when the database
 * changed.
 */
final class Verifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Verifier.class);

    private final long nodeId;
    private final Path database;
    private final MarmotConfig config;
    private final OwnMessages own;
    private final ReplicationStats stats;
    private final String bucket;
    private final Map<Long, List<String>> differedLastRound = new HashMap<>();
    private final Map<String, TableHashes> hashes = new java.util.TreeMap<>();
    private final Repairer repairer;
    private final java.util.concurrent.ExecutorService repairs;
    private final java.util.concurrent.atomic.AtomicBoolean repairing = new java.util.concurrent.atomic.AtomicBoolean();
    private final Map<Long, Boolean> agreement = new java.util.TreeMap<>();
    private java.sql.Connection db;
    private io.marmot.clock.RowVersions versions;
    private long dataVersion = -1;
    private Digest last;
    /** Rows the sweep reads again per round at most (with the ranges changes marked, the bound of a round's work). */
    static final long SWEEP_ROWS = 50_000;
    private final io.marmot.clock.ChangedKeys changed;
    private Map<String, io.marmot.clock.ChangedKeys.Table> changedLastRound = Map.of();
    private boolean sweeping;
    private boolean changedDuringSweep;
    private String sweepTable = "";
    private final java.util.Set<String> sweptTables = new java.util.HashSet<>();
    private Connection answering;
    private io.nats.client.Dispatcher responder;

    Verifier(long nodeId, Path database, MarmotConfig config, OwnMessages own, ReplicationStats stats) {
        this.nodeId = nodeId;
        this.database = database;
        this.config = config;
        this.own = own;
        this.stats = stats;
        this.bucket = config.streams().streamPrefix() + "-digests";
        this.repairer = new Repairer(nodeId, database, config);
        this.changed = config.verifyInterval().isZero() ? null
                : io.marmot.clock.ChangedKeys.start(database, TableHashes.RANGE_SHIFT);
        this.repairs = java.util.concurrent.Executors.newSingleThreadExecutor(Daemons.factory("marmot-repair-" + nodeId));
    }

    /** One round: take (or reuse) this node's digest, publish it, compare with every peer's. */
    synchronized void round(Connection nc) {
        long started = System.nanoTime();
        try {
            answerOn(nc);
            Digest mine = digest();
            KeyValue kv = bucket(nc);
            kv.put("node-" + nodeId, DigestCodec.encode(mine).getBytes(StandardCharsets.UTF_8));
            Map<Long, Digest> peers = new HashMap<>();
            for (String key : kv.keys()) {
                KeyValueEntry e = kv.get(key);
                Digest d = e == null || e.getValue() == null ? null : DigestCodec.decode(e.getValueAsString());
                if (d != null) {
                    peers.put(d.node(), d);
                }
            }
            Map<Long, List<String>> toRepair = judge(PeerComparison.all(mine, peers), peers.keySet());
            if (!toRepair.isEmpty() && config.verifyRepair()) {
                repairLater(nc, toRepair);
            }
            stats.lastRoundMillis = (System.nanoTime() - started) / 1_000_000;
        } catch (IOException | JetStreamApiException | SQLException | RuntimeException e) {
            log.debug("{} - verification round failed: {}", nodeId, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Digest digest() throws SQLException {
        if (db == null) {
            db = Sqlite.open(database);
        }
        long version;
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA data_version")) {
            version = rs.next() ? rs.getLong(1) : -1;
        }
        if (version != dataVersion && last != null) {
            sweeping = true; // the first digest reads every table whole: no sweep needed after it
            changedDuringSweep = true;
        }
        if (last == null || version != dataVersion || !last.settled() || sweeping) {
            Map<String, io.marmot.clock.ChangedKeys.Table> now = changed == null ? Map.of() : changed.drain();
            // A version is written (and reported) before its transaction commits: ranges are read again next round too.
            Map<String, io.marmot.clock.ChangedKeys.Table> dirty = union(now, changedLastRound);
            changedLastRound = now;
            long[] budget = {SWEEP_ROWS};
            List<String> order = new ArrayList<>();
            last = Digest.take(db, nodeId, config, own, (c, t) -> {
                order.add(t.name());
                return hashes(c, t, dirty);
            });
            hashes.keySet().retainAll(order);
            if (sweeping) {
                sweep(order, budget);
            }
            dataVersion = version;
        }
        return last;
    }

    private static Map<String, io.marmot.clock.ChangedKeys.Table> union(Map<String, io.marmot.clock.ChangedKeys.Table> a,
            Map<String, io.marmot.clock.ChangedKeys.Table> b) {
        Map<String, io.marmot.clock.ChangedKeys.Table> out = new HashMap<>();
        for (Map<String, io.marmot.clock.ChangedKeys.Table> m : List.of(a, b)) {
            m.forEach((table, t) -> out.merge(table.toLowerCase(java.util.Locale.ROOT), t, (x, y) -> {
                java.util.Set<Long> ints = new java.util.HashSet<>(x.integerRanges());
                ints.addAll(y.integerRanges());
                java.util.Set<Long> others = new java.util.HashSet<>(x.otherKeys());
                others.addAll(y.otherKeys());
                return new io.marmot.clock.ChangedKeys.Table(ints, others, x.all() || y.all());
            }));
        }
        return out;
    }

    /** A table's ranges, brought up to date: read whole the first time (or when its shape changed), else in part. */
    private TableHashes hashes(java.sql.Connection c, io.marmot.schema.TableInfo t,
            Map<String, io.marmot.clock.ChangedKeys.Table> dirty) throws SQLException {
        TableHashes h = hashes.get(t.name());
        if (h == null || !h.info().equals(t)) {
            h = TableHashes.scan(c, t);
            hashes.put(t.name(), h);
            return h;
        }
        io.marmot.clock.ChangedKeys.Table d = dirty.get(t.name().toLowerCase(java.util.Locale.ROOT));
        if (d != null) {
            h.rehash(c, d);
        }
        return h;
    }

    /**
     * The slow sweep: about {@value #SWEEP_ROWS} rows a round are read again, table after table, so a write that
     * changed no version is found within one sweep. It stops once a whole sweep saw the database unchanged.
     */
    private void sweep(List<String> tables, long[] budget) throws SQLException {
        if (tables.isEmpty()) {
            sweeping = false;
            return;
        }
        int start = Math.max(0, tables.indexOf(sweepTable));
        for (int i = 0; i < tables.size() && budget[0] > 0; i++) {
            String name = tables.get((start + i) % tables.size());
            TableHashes h = hashes.get(name);
            if (h == null) {
                continue;
            }
            sweepTable = name;
            long[] r = h.sweep(db, budget[0]);
            budget[0] -= Math.max(1, r[0]);
            if (r[1] == 1) {
                sweptTables.add(name);
                sweepTable = tables.get((start + i + 1) % tables.size());
            } else {
                break;
            }
        }
        if (sweptTables.containsAll(tables)) {
            sweptTables.clear();
            sweeping = changedDuringSweep;
            changedDuringSweep = false;
        }
    }

    /** Answers peers' repair questions on {@code <stream-prefix>-repair.<node>}, on a dispatcher of its own. */
    private void answerOn(Connection nc) {
        if (answering == nc) {
            return;
        }
        if (answering != null && responder != null) {
            try {
                answering.closeDispatcher(responder);
            } catch (RuntimeException e) {
                log.debug("{} - closing the repair responder: {}", nodeId, e.toString());
            }
        }
        responder = nc.createDispatcher(msg -> {
            if (msg.getReplyTo() != null) {
                nc.publish(msg.getReplyTo(), answer(msg.getData(), nc.getServerInfo().getMaxPayload()));
            }
        });
        responder.subscribe(Repairer.subjectPrefix(config) + nodeId);
        answering = nc;
    }

    /** The answer to a peer's repair question (an error reply when it cannot be answered). */
    synchronized byte[] answer(byte[] data, long maxPayload) {
        try {
            RepairCodec.Request r = RepairCodec.readRequest(data);
            digest();
            TableHashes h = hashes.get(r.table());
            if (h == null || !h.shape().equals(r.shape())) {
                return RepairCodec.error("node " + nodeId + " has no table " + r.table() + " of shape " + r.shape());
            }
            long budget = Math.max(64 * 1024, maxPayload * 3 / 4);
            switch (r.kind()) {
                case RepairCodec.RANGES -> {
                    List<RepairCodec.Range> out = new ArrayList<>();
                    java.util.NavigableMap<Long, long[]> ranges = h.ranges();
                    if (!r.first()) {
                        ranges = ranges.tailMap(r.after(), false);
                    }
                    int limit = Math.max(1, Math.min(r.limit(), (int) (budget / 24)));
                    for (Map.Entry<Long, long[]> e : ranges.entrySet()) {
                        if (out.size() >= limit) {
                            return RepairCodec.rangesReply(out, true);
                        }
                        out.add(new RepairCodec.Range(e.getKey(), e.getValue()[0], e.getValue()[1]));
                    }
                    return RepairCodec.rangesReply(out, false);
                }
                case RepairCodec.HASHES -> {
                    List<RepairCodec.KeyHash> out = new ArrayList<>();
                    long size = 0;
                    int answered = 0;
                    for (long range : r.ranges()) {
                        List<TableHashes.Row> rows = h.rowsIn(db, List.of(range));
                        long more = 0;
                        for (TableHashes.Row row : rows) {
                            more += row.key().length + 12;
                        }
                        if (answered > 0 && size + more > budget) {
                            break;
                        }
                        rows.forEach(row -> out.add(new RepairCodec.KeyHash(row.key(), row.hash())));
                        size += more;
                        answered++;
                    }
                    return RepairCodec.hashesReply(answered, out);
                }
                default -> {
                    if (versions == null) {
                        versions = new io.marmot.clock.RowVersions(db);
                    }
                    boolean unfolded;
                    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT (SELECT coalesce(max(seq), 0)"
                            + " FROM " + io.marmot.capture.ChangeLog.LOG + ") > folded_seq FROM "
                            + io.marmot.capture.ChangeLog.STATE)) {
                        unfolded = rs.next() && rs.getBoolean(1);
                    }
                    List<byte[]> out = new ArrayList<>();
                    long size = 0;
                    for (byte[] key : r.keys()) {
                        TableHashes.Row row = h.row(db, io.marmot.clock.RowKey.decode(key));
                        io.marmot.clock.RowState state = versions.load(r.table(), key);
                        byte[] encoded = RepairCodec.row(row == null ? null : row.values(), state.row(),
                                io.marmot.clock.RowStateCodec.encode(state));
                        if (!out.isEmpty() && size + encoded.length > budget) {
                            break;
                        }
                        out.add(encoded);
                        size += encoded.length;
                    }
                    return RepairCodec.rowsReply(unfolded, out);
                }
            }
        } catch (IOException | SQLException | RuntimeException e) {
            log.debug("{} - answering a repair question: {}", nodeId, e.toString());
            return RepairCodec.error("node " + nodeId + ": " + e);
        }
    }

    /** Repairs, on the repair thread, the tables found different from each peer; skipped while a repair runs. */
    private void repairLater(Connection nc, Map<Long, List<String>> tables) {
        if (!repairing.compareAndSet(false, true)) {
            return;
        }
        try {
            repairs.execute(() -> {
                try {
                    tables.forEach((peer, names) -> {
                        for (String table : names) {
                            repair(nc, peer, table);
                        }
                    });
                } finally {
                    repairing.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            repairing.set(false);
        }
    }

    private void repair(Connection nc, long peer, String table) {
        TableHashes local;
        java.util.TreeMap<Long, long[]> ranges;
        synchronized (this) {
            if (db == null) {
                return; // closed
            }
            try {
                digest();
            } catch (SQLException e) {
                log.debug("{} - digest before repair: {}", nodeId, e.toString());
                return;
            }
            local = hashes.get(table);
            if (local == null) {
                return;
            }
            ranges = local.ranges();
        }
        try {
            Repairer.Pass p = repairer.repair(nc, peer, local, ranges);
            stats.repaired(p.different(), p.repaired(), p.settled(), p.bytes());
        } catch (IOException | SQLException | RuntimeException e) {
            log.warn("{} - repairing table {} from node {} failed (tried again next round): {}", nodeId, table, peer,
                    e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A difference counts once seen in two rounds in a row: a round may meet a change between two commits. Returns
     * the tables to repair, by peer.
     */
    private Map<Long, List<String>> judge(List<PeerComparison> comparisons, java.util.Set<Long> present) {
        Map<Long, List<String>> toRepair = new java.util.TreeMap<>();
        agreement.keySet().retainAll(present);
        List<String> divergences = new ArrayList<>();
        int agreeing = 0;
        Map<Long, List<String>> differing = new HashMap<>();
        for (PeerComparison c : comparisons) {
            if (c.comparable()) {
                agreement.put(c.peer(), c.agrees());
            }
            if (c.agrees()) {
                agreeing++;
                if (stats.divergences.stream().anyMatch(d -> d.contains("node " + c.peer()))) {
                    log.info("{} - agrees with node {} again", nodeId, c.peer());
                }
            } else if (c.comparable()) {
                differing.put(c.peer(), c.differences());
                if (c.differences().equals(differedLastRound.get(c.peer()))) {
                    for (String d : c.differences()) {
                        divergences.add("differs from node " + c.peer() + ": " + d);
                    }
                    if (!c.rowDifferences().isEmpty()) {
                        toRepair.put(c.peer(), c.rowDifferences());
                    }
                }
            }
        }
        for (String d : divergences) {
            if (!stats.divergences.contains(d)) {
                log.error("{} - {} at the same stream positions: a divergence the stream does not explain", nodeId, d);
            }
        }
        differedLastRound.clear();
        differedLastRound.putAll(differing);
        stats.verified(agreeing, (int) divergences.stream().map(d -> d.substring(0, d.indexOf(':'))).distinct().count(),
                List.copyOf(divergences), Map.copyOf(agreement));
        return toRepair;
    }

    private KeyValue bucket(Connection nc) throws IOException, JetStreamApiException {
        // Entries of nodes gone for good expire: a departed node is no peer to agree with.
        return KvBuckets.open(nc, bucket, config.verifyInterval().multipliedBy(10), config.streams().replicas());
    }

    @Override
    public void close() {
        repairs.shutdownNow();
        try {
            repairs.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        repairer.close();
        if (changed != null) {
            io.marmot.clock.ChangedKeys.stop(database, changed);
        }
        closeConnection();
    }

    private synchronized void closeConnection() {
        if (answering != null && responder != null) {
            try {
                answering.closeDispatcher(responder);
            } catch (RuntimeException e) {
                log.debug("{} - closing the repair responder: {}", nodeId, e.toString());
            }
            answering = null;
            responder = null;
        }
        if (versions != null) {
            try {
                versions.close();
            } catch (SQLException e) {
                log.debug("{} - closing the verifier's statements: {}", nodeId, e.toString());
            }
            versions = null;
        }
        if (db != null) {
            try {
                db.close();
            } catch (SQLException e) {
                log.debug("{} - closing the verifier's connection: {}", nodeId, e.toString());
            }
            db = null;
        }
    }
}
