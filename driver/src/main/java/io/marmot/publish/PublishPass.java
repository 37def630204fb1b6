package io.marmot.publish;

import io.marmot.capture.LogPosition;
import io.marmot.capture.LoggedChanges;
import io.marmot.config.MarmotConfig;
import io.marmot.listen.ChangeListeners;
import io.marmot.replication.ReplicationCounters;
import io.nats.client.JetStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One pass over the change log: reads the committed changes after a position, packs whole transactions into
 * messages ({@link MessagePacker}), publishes them through a bounded {@link PublishWindow} and waits for every
 * acknowledgement. A pass stops at its size limit and at a waiting schema change, which goes out between the log
 * rows before it and those after it ({@link SchemaSender}).
 */
final class PublishPass implements AutoCloseable {
    private static final int MAX_CHANGES_PER_PASS = 50_000;
    private final long nodeId;
    private final String subject;
    private final MarmotConfig config;
    private final ReplicationCounters stats;
    private final OwnMessages own;
    private final SchemaSender schema;
    private final LoggedChanges changes = new LoggedChanges();
    /** What the last pass sent without an acknowledgement: the next one sends it again first, as it was. */
    private List<PublishWindow.Unacked> resend = List.of();

    private final ChangeListeners listeners;

    PublishPass(long nodeId, String subject, MarmotConfig config, ReplicationCounters stats, OwnMessages own,
            ChangeListeners listeners) {
        this.listeners = listeners;
        this.nodeId = nodeId;
        this.subject = subject;
        this.config = config;
        this.stats = stats;
        this.own = own;
        this.schema = new SchemaSender(nodeId, subject, own);
    }

    /** How far the pass read (all of it acknowledged), and whether more is waiting. */
    record Result(LogPosition read, boolean more) {
    }

    /**
     * {@code onAcked} hears each acknowledged position where a transaction ends as it comes, before the pass ends
     * (a chunk of a larger one is no place to restart from). After a failed pass, the messages it left
     * unacknowledged go again first, and the log is read on after the last of them.
     */
    Result run(Connection db, JetStream js, LogPosition from, long ackTimeoutSeconds, Consumer<LogPosition> onAcked)
            throws Exception {
        PublishWindow window = new PublishWindow(js, subject, nodeId, config.compress(), ackTimeoutSeconds,
                (packed, ack) -> {
                    own.published(ack.getStream(), ack.getSeqno());
                    if (packed.batch().last()) {
                        // Not inside a transaction: a restart goes on from there, and the rest of a transaction sent
                        // as a group of its own would leave the first chunks' group incomplete for good
                        onAcked.accept(packed.last());
                    }
                    listeners.published(packed.batch());
                    stats.publishedMessages.incrementAndGet();
                    stats.publishedChanges.addAndGet(packed.batch().changes().size());
                });
        MessagePacker packer = new MessagePacker(nodeId);
        List<PublishWindow.Unacked> again = resend;
        resend = List.of();
        int sentAgain = 0;
        try {
            while (sentAgain < again.size()) {
                window.send(again.get(sentAgain++));
            }
            if (again.isEmpty()) {
                return read(db, js, from, window, packer);
            }
            MessagePacker.Packed lastSent = again.get(again.size() - 1).packed();
            packer.continueAfter(lastSent);
            return read(db, js, lastSent.last(), window, packer);
        } catch (Exception | Error e) {
            List<PublishWindow.Unacked> left = new ArrayList<>(window.unacked());
            left.addAll(again.subList(sentAgain, again.size()));
            resend = left;
            throw e;
        }
    }

    private Result read(Connection db, JetStream js, LogPosition from, PublishWindow window, MessagePacker packer)
            throws Exception {
        int[] count = {0};
        // One query reads the log: its snapshot holds only committed transactions, whole (the statements run
        // while it is open, such as a table's shape, share that snapshot). The schema barrier is read inside that
        // snapshot too: read before it, a schema change committed in between would be missed while the rows written
        // after it are read, and a peer would get rows of a table it does not have yet.
        long[] barrier = {-1};
        LogPosition read;
        try {
            read = changes.read(db, from, (seq, version, tx, change) -> {
                if (barrier[0] < 0) {
                    barrier[0] = schema.barrier(db);
                }
                if ((count[0] >= MAX_CHANGES_PER_PASS || seq > barrier[0]) && packer.endsGroupBefore(tx)) {
                    return false;
                }
                MessagePacker.Packed done = packer.add(seq, version, tx, change);
                if (done != null) {
                    send(window, done);
                }
                count[0]++;
                return true;
            });
            MessagePacker.Packed rest = packer.finish();
            if (rest != null) {
                send(window, rest);
            }
        } catch (SendFailed e) {
            throw e.cause;
        }
        window.settleAll();
        long schemaBarrier = barrier[0] < 0 ? schema.barrier(db) : barrier[0];
        stats.unsendableChanges.set(changes.unsendable());
        // Everything read was sent and acknowledged (rows no shape describes included: they cannot be sent).
        if (count[0] >= MAX_CHANGES_PER_PASS) {
            return new Result(read, true);
        }
        boolean schemaSent = schemaBarrier != Long.MAX_VALUE
                && schema.sendUpTo(db, js, Math.max(read.seq(), schemaBarrier)) > 0;
        return new Result(read, schemaSent); // with a schema change sent, the rows after it are waiting
    }

    private static void send(PublishWindow window, MessagePacker.Packed p) {
        try {
            window.send(p);
        } catch (IOException | InterruptedException e) {
            throw new SendFailed(e);
        }
    }

    @Override
    public void close() throws SQLException {
        changes.close();
    }

    /** Carries a send failure out of the change-log visitor. */
    private static final class SendFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final Exception cause;

        SendFailed(Exception cause) {
            super(cause);
            this.cause = cause;
        }
    }
}
