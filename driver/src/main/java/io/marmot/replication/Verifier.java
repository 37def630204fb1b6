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
 * Anti-entropy, first half: every {@code verify-interval} each node publishes its {@link Digest} in the key-value
 * bucket {@code <stream-prefix>-digests} and compares it with its peers'. Two nodes that applied the same messages
 * and hold different rows diverged by a path the stream does not show (a write with triggers off, rows that predate
 * capture, a lost store): seen in two rounds in a row, that is logged with the tables and reported by /health and
 * {@code stats()} until the nodes agree again. The digest is taken again only when the database changed.
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
    private java.sql.Connection db;
    private long dataVersion = -1;
    private Digest last;

    Verifier(long nodeId, Path database, MarmotConfig config, OwnMessages own, ReplicationStats stats) {
        this.nodeId = nodeId;
        this.database = database;
        this.config = config;
        this.own = own;
        this.stats = stats;
        this.bucket = config.streams().streamPrefix() + "-digests";
    }

    /** One round: take (or reuse) this node's digest, publish it, compare with every peer's. */
    synchronized void round(Connection nc) {
        try {
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
            judge(PeerComparison.all(mine, peers));
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
        if (last == null || version != dataVersion || !last.settled()) {
            last = Digest.take(db, nodeId, config, own);
            dataVersion = version;
        }
        return last;
    }

    /** A difference counts once seen in two rounds in a row: a round may meet a change between two commits. */
    private void judge(List<PeerComparison> comparisons) {
        List<String> divergences = new ArrayList<>();
        int agreeing = 0;
        Map<Long, List<String>> differing = new HashMap<>();
        for (PeerComparison c : comparisons) {
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
                List.copyOf(divergences));
    }

    private KeyValue bucket(Connection nc) throws IOException, JetStreamApiException {
        // Entries of nodes gone for good expire: a departed node is no peer to agree with.
        return KvBuckets.open(nc, bucket, config.verifyInterval().multipliedBy(10), config.streams().replicas());
    }

    @Override
    public synchronized void close() {
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
