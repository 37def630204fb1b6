package io.marmot.engine;

import io.marmot.apply.Applier;
import io.marmot.config.MarmotConfig;
import io.marmot.nats.NatsLink;
import io.marmot.nats.FirstLooks;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wait of a node's first connection: until it applied what the change streams held when it started (their
 * tail when NATS first answered), bounded by {@code catch-up-wait}. Without it an application's start-up writes —
 * a seed {@code INSERT OR IGNORE}, a counter read and written — run on a database that has not seen the cluster's
 * history, are the newest writes, and win over that history on every node.
 *
 * <p>A new or restored database waits for NATS within the bound (it has nothing of its own to go on); a database
 * that has run before waits for NATS only {@link #RESTART_NATS_GRACE}, so a restart while NATS is away opens at
 * once with what it has, as the driver always did. Every caller waits for the one that runs the wait.
 */
final class StartCatchUp {
    private static final Logger log = LoggerFactory.getLogger(StartCatchUp.class);
    static final Duration RESTART_NATS_GRACE = Duration.ofSeconds(2);
    private static final long PROGRESS_EVERY_NANOS = 3_000_000_000L;

    private final long nodeId;
    private final MarmotConfig config;
    private final NatsLink link;
    private final Applier applier;
    private final java.util.function.Supplier<String> refused;
    private final boolean fresh;
    private final long startedNanos;
    private final FirstLooks looks;
    private volatile boolean done;
    /** Messages still to apply, or -1 while the streams' tails are not known yet. */
    private volatile long behind = -1;

    /**
     * @param refused why this node may not replicate now (another live node holds its id), else empty: no use waiting
     * @param fresh a new or restored database: waits for NATS up to the bound
     * @param startedNanos when the bound starts to count
     * @param looks the streams' first look, which the first set-up takes too: one request for both
     */
    StartCatchUp(long nodeId, MarmotConfig config, NatsLink link, Applier applier,
            java.util.function.Supplier<String> refused, boolean fresh, long startedNanos, FirstLooks looks) {
        this.looks = looks;
        this.nodeId = nodeId;
        this.config = config;
        this.link = link;
        this.applier = applier;
        this.refused = refused;
        this.fresh = fresh;
        this.startedNanos = startedNanos;
        this.done = applier == null || config.catchUpWait().isZero();
    }

    /** What the wait is doing, for {@code health()}; empty once it ended. */
    String status() {
        if (done) {
            return "";
        }
        long b = behind;
        return b < 0 ? "catching up: learning how far the change streams reach (NATS must answer)"
                : "catching up: " + b + " message(s) behind the change streams";
    }

    /** Returns once this node caught up with the streams as of its start, or the bound passed (logged). */
    synchronized void await() {
        if (done) {
            return;
        }
        try {
            run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            done = true;
        }
    }

    private void run() throws InterruptedException {
        long deadline = startedNanos + config.catchUpWait().toNanos();
        long natsDeadline = fresh ? deadline : Math.min(deadline, System.nanoTime() + RESTART_NATS_GRACE.toNanos());
        Map<String, Long> tails = null;
        long total = 0;
        long lastLog = System.nanoTime();
        while (true) {
            io.nats.client.Connection nc = link.connected();
            if (tails == null && nc != null) {
                tails = tails(nc);
            }
            if (tails != null) {
                behind = remaining(tails);
                if (total == 0 && behind > 0) {
                    total = behind;
                    log.info("{} - catching up with the change streams before the first connection opens: {}"
                            + " message(s) behind (catch-up-wait {} s)", nodeId, total, config.catchUpWait().toSeconds());
                }
                if (behind == 0) {
                    if (total > 0) {
                        log.info("{} - caught up with the change streams ({} message(s) in {} ms)", nodeId, total,
                                (System.nanoTime() - startedNanos) / 1_000_000);
                    }
                    return;
                }
            }
            long now = System.nanoTime();
            if (!refused.get().isEmpty()) {
                log.warn("{} - does not wait to catch up with the change streams: {}", nodeId, refused.get());
                return;
            }
            if (tails == null && now - natsDeadline >= 0 && !fresh) {
                log.info("{} - NATS did not answer within {} ms of the start: this database has run before and opens with"
                        + " what it holds; replication catches up when NATS answers", nodeId, RESTART_NATS_GRACE.toMillis());
                return;
            }
            if (now - deadline >= 0) {
                log.warn("{} - did not catch up with the change streams within {} s (catch-up-wait; {}): the database"
                        + " opens anyway, and writes made before catch-up may lose to history they did not see", nodeId,
                        config.catchUpWait().toSeconds(), tails == null ? "NATS did not answer"
                                : behind < 0 ? "the change streams were not read" : behind + " message(s) still to apply");
                return;
            }
            if (total > 0 && now - lastLog >= PROGRESS_EVERY_NANOS) {
                lastLog = now;
                log.info("{} - catching up with the change streams: {} of {} message(s) applied", nodeId,
                        Math.max(0, total - behind), total);
            }
            Thread.sleep(10);
        }
    }

    /** Each stream's last sequence now (a stream that does not exist yet holds nothing); null when NATS fails. */
    private Map<String, Long> tails(io.nats.client.Connection nc) {
        Map<String, Long> tails = new LinkedHashMap<>();
        try {
            for (int shard = 1; shard <= config.streams().shards(); shard++) {
                String stream = config.streams().streamName(shard);
                StreamInfo info = looks.info(nc.jetStreamManagement(), stream, FirstLooks.For.CATCH_UP);
                tails.put(stream, info == null ? 0 : info.getStreamState().getLastSequence());
            }
            return tails;
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            log.debug("{} - reading the streams' tails: {}", nodeId, e.toString());
            return null;
        }
    }

    /** Messages still to apply up to the tails; -1 while a stream that holds messages is not read yet. */
    private long remaining(Map<String, Long> tails) {
        long sum = 0;
        for (Map.Entry<String, Long> e : tails.entrySet()) {
            if (e.getValue() <= 0) {
                continue; // empty or not created yet: nothing to wait for
            }
            long applied = applier.applied(e.getKey());
            if (applied < 0) {
                return -1;
            }
            sum += Math.max(0, e.getValue() - applied);
        }
        return sum;
    }
}
