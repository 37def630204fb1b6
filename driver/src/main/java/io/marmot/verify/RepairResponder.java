package io.marmot.verify;

import io.marmot.capture.ChangeLog;
import io.marmot.clock.RowKey;
import io.marmot.clock.RowState;
import io.marmot.clock.RowStateCodec;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Subscription;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers peers' repair questions ({@link RepairRequests}) on {@code <stream-prefix>-repair.<node>}, heard through
 * the connection's shared dispatcher and worked out on a shared pool, from this node's {@link LocalDigest}: its
 * ranges, the row hashes of some ranges, rows with their versions, and the parts of a row too large for one reply.
 * Every reply stays under 3/4 of the server's payload limit.
 */
final class RepairResponder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RepairResponder.class);

    private final long nodeId;
    private final String subject;
    private final LocalDigest digest;
    private final java.util.concurrent.Executor answers;
    /**
     * Told of every message, a question or a peer's note without a reply subject: a peer found a difference this
     * node's own quiet rounds may not look for.
     */
    private final Runnable asked;
    private Connection answering;
    private Dispatcher dispatcher;
    private Subscription subscription;

    RepairResponder(long nodeId, String subject, LocalDigest digest, java.util.concurrent.Executor answers,
            Runnable asked) {
        this.nodeId = nodeId;
        this.asked = asked;
        this.answers = answers;
        this.subject = subject;
        this.digest = digest;
    }

    /**
     * Answers on {@code nc} (again after a new connection), subscribed through the connection's shared dispatcher;
     * the answers are worked out on the JVM's pool for answers, as the dispatcher must never wait.
     */
    synchronized void answerOn(Connection nc, Dispatcher shared) {
        if (answering == nc && dispatcher == shared) {
            return;
        }
        stopAnswering();
        subscription = shared.subscribe(subject, msg -> {
            asked.run();
            if (msg.getReplyTo() != null) {
                answers.execute(() -> reply(nc, msg.getReplyTo(), msg.getData()));
            }
        });
        dispatcher = shared;
        answering = nc;
    }

    private void reply(Connection nc, String replyTo, byte[] question) {
        try {
            nc.publish(replyTo, answer(question, nc.getServerInfo().getMaxPayload()));
        } catch (RuntimeException e) { // the connection closed meanwhile: the peer asks again
            log.debug("{} - answering a repair question: {}", nodeId, e.toString());
        }
    }

    /** The answer to a peer's repair question (an error reply when it cannot be answered). */
    byte[] answer(byte[] data, long maxPayload) {
        synchronized (digest) {
            try {
                RepairRequests.Request r = RepairRequests.read(data);
                digest.current();
                TableHashes h = digest.table(r.table());
                if (h == null || !h.shape().equals(r.shape())) {
                    return RepairCodec.error("node " + nodeId + " has no table " + r.table() + " of shape " + r.shape());
                }
                long budget = Math.max(64 * 1024, maxPayload * 3 / 4);
                return switch (r.kind()) {
                    case RepairRequests.RANGES -> ranges(h, r, budget);
                    case RepairRequests.HASHES -> hashes(h, r, budget);
                    case RepairRequests.PART -> RepairCodec.partReply(encodedRow(h, r.keys().get(0)), (int) r.after(),
                            (int) budget);
                    default -> rows(h, r, budget);
                };
            } catch (IOException | SQLException | RuntimeException e) {
                log.debug("{} - answering a repair question: {}", nodeId, e.toString());
                return RepairCodec.error("node " + nodeId + ": " + e);
            }
        }
    }

    private static byte[] ranges(TableHashes h, RepairRequests.Request r, long budget) {
        List<RepairCodec.Range> out = new ArrayList<>();
        NavigableMap<Long, long[]> ranges = h.ranges();
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

    private byte[] hashes(TableHashes h, RepairRequests.Request r, long budget) throws SQLException {
        List<RepairCodec.KeyHash> out = new ArrayList<>();
        long size = 0;
        int answered = 0;
        for (long range : r.ranges()) {
            List<TableHashes.Row> rows = h.rowsIn(digest.connection(), List.of(range));
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

    private byte[] rows(TableHashes h, RepairRequests.Request r, long budget) throws SQLException {
        boolean unfolded;
        try (Statement s = digest.connection().createStatement(); ResultSet rs = s.executeQuery(
                "SELECT (SELECT coalesce(max(seq), 0) FROM " + ChangeLog.LOG + ") > folded_seq FROM " + ChangeLog.STATE)) {
            unfolded = rs.next() && rs.getBoolean(1);
        }
        List<byte[]> out = new ArrayList<>();
        long size = 0;
        for (byte[] key : r.keys()) {
            byte[] encoded = encodedRow(h, key);
            if (encoded.length > budget) {
                encoded = RepairCodec.large(encoded); // the asker fetches it in parts
            }
            if (!out.isEmpty() && size + encoded.length > budget) {
                break;
            }
            out.add(encoded);
            size += encoded.length;
        }
        return RepairCodec.rowsReply(unfolded, out);
    }

    private byte[] encodedRow(TableHashes h, byte[] key) throws SQLException {
        TableHashes.Row row = h.row(digest.connection(), RowKey.decode(key));
        RowState state = digest.versions().load(h.table(), key); // the digest's: closed with its connection
        return RepairCodec.row(row == null ? null : row.values(), state.row(), RowStateCodec.encode(state));
    }

    private void stopAnswering() {
        if (subscription != null) {
            try {
                dispatcher.unsubscribe(subscription);
            } catch (RuntimeException e) {
                log.debug("{} - closing the repair responder: {}", nodeId, e.toString());
            }
        }
        answering = null;
        dispatcher = null;
        subscription = null;
    }

    @Override
    public synchronized void close() {
        stopAnswering();
    }
}
