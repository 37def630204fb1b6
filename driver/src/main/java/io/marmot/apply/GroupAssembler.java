package io.marmot.apply;

import io.marmot.wire.ChangeBatch;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts transactions split into numbered chunks back together. A group is complete when its last chunk arrives
 * after all the others in order; a chunk out of order restarts its group (the publisher resends whole groups).
 * While a group waits, the stream position may not pass its first chunk ({@link #holdBack}).
 */
final class GroupAssembler {
    private static final Logger log = LoggerFactory.getLogger(GroupAssembler.class);

    private final long nodeId;
    private final Map<String, Group> pending = new LinkedHashMap<>();

    GroupAssembler(long nodeId) {
        this.nodeId = nodeId;
    }

    /** The chunks of one transaction, in order, with the stream sequences and bytes of the messages that carried them. */
    static final class Group {
        final String stream;
        final long firstSeq;
        final List<Long> seqs = new ArrayList<>();
        final List<byte[]> messages = new ArrayList<>();
        final List<ChangeBatch> batches = new ArrayList<>();

        Group(String stream, long firstSeq) {
            this.stream = stream;
            this.firstSeq = firstSeq;
        }

        void add(long seq, byte[] message, ChangeBatch batch) {
            seqs.add(seq);
            messages.add(message);
            batches.add(batch);
        }

        long origin() {
            return batches.get(0).origin();
        }

        int changeCount() {
            int n = 0;
            for (ChangeBatch b : batches) {
                n += b.changes().size();
            }
            return n;
        }
    }

    /** Adds a message; returns its group when complete, else null. */
    Group add(String stream, long seq, byte[] message, ChangeBatch batch) {
        if (batch.isWhole()) {
            Group g = new Group(stream, seq);
            g.add(seq, message, batch);
            return g;
        }
        String key = batch.origin() + "/" + batch.group();
        Group g = pending.get(key);
        if (batch.chunk() == 0 || g == null || g.batches.size() != batch.chunk()) {
            if (g != null || batch.chunk() != 0) {
                log.warn("{} - chunk {} of group {} from node {} out of order: group restarted", nodeId, batch.chunk(),
                        batch.group(), batch.origin());
            }
            pending.remove(key);
            if (batch.chunk() != 0) {
                return null;
            }
            g = new Group(stream, seq);
            pending.put(key, g);
        }
        g.add(seq, message, batch);
        if (batch.last()) {
            pending.remove(key);
            return g;
        }
        return null;
    }

    /** The highest sequence of the stream a position may reach: just before the first chunk of a waiting group. */
    long holdBack(String stream, long handled) {
        long limit = handled;
        for (Group g : pending.values()) {
            if (g.stream.equals(stream)) {
                limit = Math.min(limit, g.firstSeq - 1);
            }
        }
        return limit;
    }

    /** Forgets the stream's waiting groups (its feed restarts before them, so they come again). */
    void dropStream(String stream) {
        for (Iterator<Group> it = pending.values().iterator(); it.hasNext();) {
            if (it.next().stream.equals(stream)) {
                it.remove();
            }
        }
    }
}
