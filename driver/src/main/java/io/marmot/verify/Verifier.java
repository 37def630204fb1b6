package io.marmot.verify;

import io.marmot.config.MarmotConfig;
import io.marmot.listen.ChangeListeners;
import io.marmot.nats.KvBucket;
import io.marmot.nats.LivePeers;
import io.marmot.nats.PeerKeys;
import io.marmot.publish.OwnMessages;
import io.marmot.nats.NatsLink;
import io.marmot.replication.MarmotRuntime;
import io.marmot.replication.QuietPeriod;
import io.marmot.replication.ReplicationCounters;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy: every {@code verify-interval} each node publishes its {@link Digest} ({@link LocalDigest}) in the
 * key-value bucket {@code <stream-prefix>-digests} and compares it with its peers'. Two nodes that applied the same
 * messages and hold different rows diverged by a path the stream does not show (a write with triggers off, rows that
 * predate capture, a lost store): seen in two rounds in a row, that is logged with the tables, reported by /health
 * and {@code stats()} until the nodes agree again, and repaired ({@link Repairer}, on the JVM's shared repair pool,
 * narrowed down to rows through the peer's {@link RepairResponder}).
 */
public final class Verifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Verifier.class);
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private final long nodeId;
    private final MarmotConfig config;
    private final ReplicationCounters stats;
    private final KvBucket bucket;
    private final LocalDigest digest;
    private final RepairResponder responder;
    private final Repairer repairer;
    /** The thread of the pass under way on the JVM's repair pool, if any; guarded by {@link #repairing}. */
    private Thread passThread;
    private final AtomicBoolean repairing = new AtomicBoolean();
    private final DivergenceJudge judge;
    /** A peer's digest that differs does not count once its node is known to have stopped: an entry outlives a crash. */
    private final LivePeers livePeers;
    private volatile boolean closed;
    private long lastRoundEnded;
    /**
     * The digest last written to the bucket, and when: an unchanged one is written again only once a quiet period
     * ({@link QuietPeriod}) or five rounds passed, whichever is longer.
     */
    private Digest published;
    private long publishedAt;
    /** The connection's drops when it was written: after a drop the server may have lost its store, and the entry. */
    private long publishedDrops;
    private long rewriteNanos;
    /**
     * The digest every peer agreed with at the last comparison; while this node's stays the same, the peers' are read
     * again only after a quiet period or {@value #SWEEP_EVERY_ROUNDS} rounds, whichever is longer (a peer whose data
     * changed compares with this one itself).
     */
    private Digest compared;
    private long comparedAt;
    /**
     * A peer found a difference since this node's last comparison (its data changed, behind capture perhaps, and this
     * node's digest did not): it sends a note, or asks repair questions, on this node's repair subject. This node
     * compares at its next round too, to report and repair its own side; a quiet node would otherwise look only after
     * its quiet period.
     */
    private volatile boolean peerAsked;
    /** The applier's groups given up at the last comparison: one more may have left rows missing here. */
    private long givenUpCompared;
    /** The note: an empty message without a reply subject (a responder of an older version passes over it). */
    private static final byte[] NOTE = new byte[0];
    private long sweepNanos;
    private static final int SWEEP_EVERY_ROUNDS = 4;
    /** The peers' keys, listed every tenth round while they stay the same. */
    private final PeerKeys peerKeys;

    private final ChangeListeners listeners;
    private final java.util.concurrent.ExecutorService repairPasses;

    /**
     * What an engine's writers of row versions share, made by the engine for every part that writes versions and for
     * its verifier: with a collector of the keys whose versions change, unless nothing verifies (no need to collect;
     * verification rounds need the applier: replicate on).
     */
    public static io.marmot.clock.VersionWriters versionWriters(MarmotConfig config) {
        boolean verifies = config.replicate() && !config.verifyInterval().isZero();
        return new io.marmot.clock.VersionWriters(verifies ? new io.marmot.clock.ChangedKeys(TableHashes.RANGE_SHIFT) : null);
    }

    public Verifier(long nodeId, Path database, MarmotConfig config, OwnMessages own, ReplicationCounters stats,
            ChangeListeners listeners, MarmotRuntime runtime, io.marmot.clock.VersionWriters writers) {
        this.nodeId = nodeId;
        this.repairPasses = runtime.repairPasses();
        this.listeners = listeners;
        this.config = config;
        this.stats = stats;
        // Entries of nodes gone for good expire, after three rewrites missed.
        this.bucket = new KvBucket(config.streams().streamPrefix() + "-digests",
                Duration.ofNanos(3 * Math.max(QuietPeriod.LONGEST_NANOS, config.verifyInterval().toNanos() * 5))
                        .plus(config.verifyInterval()), config.streams().replicas());
        this.livePeers = new LivePeers(config.streams().streamPrefix(), config.streams().replicas());
        this.judge = new DivergenceJudge(nodeId, stats);
        this.digest = new LocalDigest(nodeId, database, config, own, writers);
        this.responder = new RepairResponder(nodeId, Repairer.subjectPrefix(config) + nodeId, digest,
                runtime.repairAnswers(), () -> peerAsked = true);
        this.repairer = new Repairer(nodeId, database, config, listeners, writers);
        this.peerKeys = new PeerKeys(bucket, "node-" + nodeId, 10);
    }

    /** One round: take (or reuse) this node's digest, publish it, compare with every peer's. */
    public synchronized void round(Connection nc, NatsLink link) {
        long started = System.nanoTime();
        if (lastRoundEnded != 0 && started - lastRoundEnded < config.verifyInterval().toNanos() / 2) {
            return; // queued while a long round ran (the first reads every table): the interval counts from its end
        }
        long cpuStarted = CPU.getCurrentThreadCpuTime();
        long readBefore = digest.rowsRead();
        try {
            responder.answerOn(nc, link.dispatcher()); // the connection's one dispatcher, shared with the feeds
            Digest mine = digest.currentForRound();
            KeyValue kv = bucket.open(nc);
            long bytes = publish(kv, mine, started, link.drops());
            long givenUp = stats.groupsGivenUp.get();
            if (mine == compared && !peerAsked && givenUp == givenUpCompared && started - comparedAt < sweepNanos) {
                stats.stillAgreeing();
                return; // nothing changed here and all agreed: a peer that changed compares with this digest itself
            }
            peerAsked = false;
            givenUpCompared = givenUp;
            compared = null;
            comparedAt = started;
            sweepNanos = Math.max(QuietPeriod.draw(), config.verifyInterval().toNanos() * SWEEP_EVERY_ROUNDS);
            Map<Long, Digest> peers = new HashMap<>();
            Map<Long, KeyValueEntry> entries = new HashMap<>();
            for (String key : peerKeys.get(nc)) {
                KeyValueEntry e = kv.get(key);
                bytes += e == null || e.getValue() == null ? 0 : e.getValue().length;
                Digest d = e == null || e.getValue() == null ? null : DigestCodec.decode(e.getValueAsString());
                if (d != null) {
                    peers.put(d.node(), d);
                    entries.put(d.node(), e);
                }
            }
            List<PeerComparison> comparisons = PeerComparison.all(mine, peers);
            for (PeerComparison c : comparisons) {
                if (c.comparable() && !c.agrees() && !livePeers.alive(nc, entries.get(c.peer()))) {
                    peers.remove(c.peer()); // a crashed node's last digest: no peer to agree with, nor to repair from
                }
            }
            if (peers.size() < comparisons.size()) {
                comparisons = PeerComparison.all(mine, peers);
            }
            for (PeerComparison c : comparisons) {
                if (c.comparable() && !c.agrees()) {
                    nc.publish(Repairer.subjectPrefix(config) + c.peer(), NOTE); // the peer compares at its next round
                }
            }
            Map<Long, List<String>> toRepair = judge.judge(comparisons, peers.keySet());
            if (comparisons.stream().allMatch(c -> c.comparable() && c.agrees())) {
                compared = mine;
            }
            if (!toRepair.isEmpty() && config.verifyRepair()) {
                repairLater(nc, toRepair);
            }
            stats.lastRoundMillis = (System.nanoTime() - started) / 1_000_000;
            stats.lastRoundCpuMicros = (CPU.getCurrentThreadCpuTime() - cpuStarted) / 1_000;
            stats.lastRoundBytes = bytes;
            stats.lastRoundRowsRead = digest.rowsRead() - readBefore;
        } catch (IOException | JetStreamApiException | SQLException | RuntimeException e) {
            bucket.forget();
            published = null;
            compared = null;
            peerKeys.forget();
            log.debug("{} - verification round failed: {}", nodeId, e.toString());
        } finally {
            lastRoundEnded = System.nanoTime();
        }
    }

    /**
     * Writes this node's digest unless it is the one written last and not yet due again: a quiet database's round
     * writes nothing. Returns the bytes written.
     */
    private long publish(KeyValue kv, Digest mine, long now, long drops) throws IOException, JetStreamApiException {
        if (mine == published && now - publishedAt < rewriteNanos && drops == publishedDrops) {
            return 0;
        }
        publishedDrops = drops;
        rewriteNanos = Math.max(QuietPeriod.draw(), config.verifyInterval().toNanos() * 5);
        byte[] encoded = DigestCodec.encode(mine).getBytes(StandardCharsets.UTF_8);
        kv.put("node-" + nodeId, encoded);
        published = mine;
        publishedAt = now;
        return encoded.length;
    }

    /** Repairs, on a repair thread, the tables found different from each peer; skipped while a repair runs. */
    private void repairLater(Connection nc, Map<Long, List<String>> tables) {
        if (!repairing.compareAndSet(false, true)) {
            return;
        }
        repairPasses.execute(() -> {
            try {
                synchronized (repairing) {
                    passThread = Thread.currentThread();
                }
                tables.forEach((peer, names) -> {
                    for (String table : names) {
                        repair(nc, peer, table); // returns at once once closed
                    }
                });
            } finally {
                repairer.close(); // its connections are opened again by the next pass: a repaired database goes idle too
                synchronized (repairing) {
                    passThread = null; // the pool clears an interrupt left behind before its next task
                    repairing.set(false);
                    repairing.notifyAll();
                }
            }
        });
    }

    private void repair(Connection nc, long peer, String table) {
        TableHashes local;
        TreeMap<Long, long[]> ranges;
        synchronized (digest) {
            if (closed) {
                return;
            }
            try {
                digest.current();
            } catch (SQLException e) {
                log.debug("{} - digest before repair: {}", nodeId, e.toString());
                return;
            }
            local = digest.table(table);
            if (local == null) {
                return;
            }
            ranges = local.ranges();
        }
        try {
            Repairer.Pass p = repairer.repair(nc, peer, local, ranges);
            stats.repaired(p.different(), p.repaired(), p.settled(), p.bytes());
            if (p.different() > 0) {
                listeners.nodeEvent(l -> l.onDivergenceRepaired(peer, p.different(), p.repaired()));
            }
        } catch (IOException | SQLException | RuntimeException e) {
            log.warn("{} - repairing table {} from node {} failed (tried again next round): {}", nodeId, table, peer,
                    e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        synchronized (repairing) {
            if (passThread != null) {
                passThread.interrupt(); // a pass waiting for a peer's answer stops; no other table is begun
            }
            for (long left = 5_000; repairing.get() && left > 0; left = (deadline - System.nanoTime()) / 1_000_000) {
                try {
                    repairing.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        repairer.close();
        responder.close();
        try {
            digest.close();
        } catch (SQLException e) {
            log.debug("{} - closing the verifier's connection: {}", nodeId, e.toString());
        }
    }
}
