package io.marmot.publish;

import io.marmot.replication.MarmotRuntime;
import io.marmot.capture.ChangeLog;
import io.marmot.capture.LogPosition;
import io.marmot.capture.LogUpkeep;
import io.marmot.config.MarmotConfig;
import io.marmot.listen.ChangeListeners;
import io.marmot.nats.NatsLink;
import io.marmot.replication.ReplicationCounters;
import io.marmot.replication.SerialTask;
import io.marmot.replication.WorkPools;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the change log to JetStream. Woken by commits through the driver, and by the JVM's sweep of local looks
 * ({@link #poll}) when the WAL was written by anyone else: every {@code poll-interval} after activity, spacing out to
 * a second while the database is quiet. Publishes asynchronously with a bounded window of unacknowledged messages; a
 * change counts as published only once JetStream acknowledged it ({@code Nats-Msg-Id} makes retries
 * harmless). While NATS is away, changes wait in the log and memory stays flat. Its cycles run one at a time
 * on the publishing threads every engine of the JVM shares ({@link MarmotRuntime}); no thread waits for its commits.
 * What one cycle sends is a {@link PublishPass}; this class decides when cycles run, and prunes what is published.
 * Its connection is closed while the database is quiet, and opened again by the next commit ({@link PublishConnection}).
 */
public final class Publisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Publisher.class);
    private static final long ACK_TIMEOUT_SECONDS = 30;
    private static final long BUSY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long LINGER_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    private final long nodeId;
    private final MarmotConfig config;
    private final NatsLink link;
    private final ReplicationCounters stats;
    private final PublishPass pass;
    /** Closed while the database is quiet (see {@link PublishConnection}): every use goes through it. */
    private final PublishConnection conn;
    private final String subject;
    private final SerialTask task;
    private final java.util.concurrent.ScheduledExecutorService timer;
    /** The sweep asked for a poll: this step looks for other processes' commits. */
    private volatile boolean pollDue;
    /** No cycle before this (System.nanoTime): lingering for more commits, or backing off after a failure. */
    private volatile long notBefore;
    private volatile boolean streamsReady;
    private volatile boolean workPending = true;
    private volatile boolean closed;
    private volatile long clockCorrection;
    private long appliedCorrection;
    private LogPosition sent;
    private volatile LogPosition acked;
    private final PruneTurns pruning = new PruneTurns();
    private long lastCycleEnd;
    private boolean lingered;
    private int failures;

    public Publisher(long nodeId, Path database, MarmotConfig config, NatsLink link, ReplicationCounters stats,
            OwnMessages own, ChangeListeners listeners, MarmotRuntime runtime, io.marmot.clock.VersionWriters writers) throws SQLException {
        this.nodeId = nodeId;
        this.timer = runtime.timer();
        this.config = config;
        this.link = link;
        this.stats = stats;
        this.subject = config.streams().subject(config.streams().shardOf(nodeId), nodeId);
        this.pass = new PublishPass(nodeId, subject, config, stats, own, listeners);
        this.conn = new PublishConnection(database, nodeId, pass, writers, runtime.descriptors(),
                runtime.engineConnections());
        try {
            acked = sent = conn.during(LogUpkeep::published);
        } catch (SQLException e) {
            conn.close();
            throw e;
        }
        this.task = new SerialTask(nodeId + " publisher", runtime.publish(), this::step);
        this.notBefore = System.nanoTime();
        this.lastCycleEnd = notBefore - BUSY_NANOS;
    }

    public void start() {
        task.wake();
    }

    /**
     * A look of the JVM's sweep ({@link io.marmot.replication.LocalLooks}), on its thread: a poll step runs when the
     * WAL was written since the sweep's last look (whoever committed), and while a quiet publisher still has polls to
     * make (pruning what was published, counting the polls that let its connection go); an idle one costs nothing.
     */
    public void poll(boolean walWritten) {
        if (!closed && (walWritten || conn.isOpen() || conn.owesLook() || !pruning.prunedUpTo(acked))) {
            pollDue = true;
            task.wake();
        }
    }

    /** There may be new changes: called on every commit through the driver, so it must stay cheap. */
    public void wake() {
        if (!workPending) {
            workPending = true;
            if (System.nanoTime() - notBefore >= 0) {
                task.wake(); // else the timer wakes it when the wait is over
            }
        }
    }

    /** The streams exist (or NATS went away): publishing may start (or must wait). */
    public void streamsReady(boolean ready) {
        streamsReady = ready;
        if (ready) {
            wake();
        }
    }

    /** Milliseconds the change groups' stamps subtract from the wall clock from now on (see Hlc.correction). */
    public void correctClock(long millis) {
        if (millis != clockCorrection) {
            clockCorrection = millis;
            wake();
        }
    }

    /** How far JetStream acknowledged the log. */
    public LogPosition published() {
        return acked;
    }

    /** One cycle, on a publishing thread (woken by a commit, the poll timer or the end of a wait). */
    private void step() {
        long now = System.nanoTime();
        if (closed || now - notBefore < 0) {
            return; // a wake during a wait: the timer ends it
        }
        if (!lingered && now - lastCycleEnd < BUSY_NANOS) {
            // Commits are arriving back to back: a moment's wait lets one cycle carry many of them.
            lingered = true;
            waitThenWake(LINGER_NANOS);
            return;
        }
        lingered = false;
        conn.during(this::cycleStep);
    }

    private void cycleStep() {
        boolean asked = workPending;
        workPending = false;
        boolean polled = pollDue;
        pollDue = false;
        boolean found = asked;
        try {
            if (!asked && nothingNew()) {
                return; // a poll, and no commit anywhere since the last cycle: a thousand idle databases cost little
            }
            found = true;
            cycle(ACK_TIMEOUT_SECONDS);
            lastCycleEnd = System.nanoTime();
            if (failures > 0) {
                log.info("{} - publishing again after {} failed attempt(s)", nodeId, failures);
                failures = 0;
                stats.publishSucceeded();
            }
            if (workPending) {
                task.wake(); // more is waiting: after the other engines' turn
            }
        } catch (Exception | Error e) {
            // An Error too: what was sent but not acknowledged must be sent again.
            if (closed) {
                return;
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (e instanceof Error) {
                log.error("{} - publishing failed", nodeId, e);
            }
            sent = acked;
            if (e instanceof SQLException) {
                conn.discard();
            }
            stats.publishFailed(e);
            if (failures++ == 0) {
                log.warn("{} - publishing failed, changes stay in the log and are retried: {}", nodeId, e.toString());
            } else {
                log.debug("{} - publishing failed again: {}", nodeId, e.toString());
            }
            // Commits keep waking the task: the back-off is waited out whatever wakes it.
            waitThenWake(TimeUnit.MILLISECONDS.toNanos(Math.min(100L << Math.min(failures, 4), 1_000)));
        } finally {
            release(polled, found);
        }
    }

    private void release(boolean polled, boolean found) {
        try {
            conn.stepped(polled, found);
        } catch (SQLException e) {
            log.debug("{} - closing the publisher's idle connection: {}", nodeId, e.toString());
        }
    }

    /** No cycle for {@code nanos}; then one runs. */
    private void waitThenWake(long nanos) {
        workPending = true; // commits meanwhile need not wake the task
        notBefore = System.nanoTime() + nanos;
        WorkPools.wakeLater(timer, task, nanos, TimeUnit.NANOSECONDS);
    }

    /** No other connection committed since the last look, and what was published is pruned. */
    private boolean nothingNew() throws SQLException {
        return !conn.otherCommits() && pruning.prunedUpTo(acked);
    }

    private void cycle(long ackTimeoutSeconds) throws Exception {
        long correction = clockCorrection;
        if (correction != appliedCorrection) {
            ChangeLog.setClockCorrection(conn.db(), correction);
            appliedCorrection = correction;
        }
        // Rows no transaction through the driver closed (other processes, auto-commit statements) take their stamp
        // here; while NATS is away this also keeps such a backlog in groups of bounded size.
        conn.upkeep().closeOpenGroup();
        Connection nc = config.publish() ? link.connected() : null;
        if (nc != null && streamsReady) {
            publishPending(nc.jetStream(), ackTimeoutSeconds);
        }
        if (pruning.due()) {
            prune();
        }
    }

    private void publishPending(JetStream js, long ackTimeoutSeconds) throws Exception {
        PublishPass.Result r = pass.run(conn.db(), js, sent, ackTimeoutSeconds, p -> acked = p);
        sent = r.read();
        acked = r.read();
        if (r.more()) {
            workPending = true;
        }
    }

    /** A turn of the log's upkeep ({@link PruneTurns}); what it left is pruned after the next cycle's publishing. */
    private void prune() throws SQLException {
        stats.pendingChanges.set(backlog());
        if (!pruning.turn(conn.upkeep(), acked, config.publish(), () -> closed) && !closed) {
            workPending = true;
        }
    }

    /** Changes not yet acknowledged by JetStream (for metrics). */
    public long backlog() throws SQLException {
        return conn.during(db -> conn.upkeep().backlog(acked));
    }

    @Override
    public void close() {
        closed = true;
        if (task.stop(10, TimeUnit.SECONDS)) {
            conn.begin();
            try {
                awaitReadyIfBehind(TimeUnit.SECONDS.toNanos(3));
                // Flush what can still be sent, and record how far it got. A cycle stops at a schema change (the
                // rows after it go in the next one) and at its size limit: a few more, bounded in time.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                do {
                    workPending = false;
                    cycle(5);
                } while (workPending && System.nanoTime() - deadline < 0);
                prune();
            } catch (Exception e) {
                log.info("{} - at close, unsent changes stay in the log for the next start: {}", nodeId, e.toString());
            } finally {
                conn.end();
            }
        }
        try {
            conn.close();
        } catch (SQLException e) {
            log.debug("{} - closing the publisher's connection: {}", nodeId, e.toString());
        }
    }

    /** At close, unsent changes are worth a short wait for a connection that is still being made. */
    private void awaitReadyIfBehind(long nanos) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + nanos;
        while (config.publish() && (link.connected() == null || !streamsReady) && backlog() > 0
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }
}
