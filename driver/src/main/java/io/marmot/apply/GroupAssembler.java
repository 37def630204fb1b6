package io.marmot.apply;

import io.marmot.wire.ChangeBatch;
import io.marmot.wire.ChunkedGroups;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts transactions split into numbered chunks back together, per stream, by their numbers whatever order they
 * arrive in ({@link ChunkedGroups}). While a group waits, the stream position may not pass the lowest sequence of
 * the chunks it holds ({@link #holdBack}), so that a restart reads them again.
 */
final class GroupAssembler {
    private static final Logger log = LoggerFactory.getLogger(GroupAssembler.class);

    private final long nodeId;
    private final Runnable onGivenUp;
    private final Map<String, ChunkedGroups> streams = new HashMap<>();

    /** {@code onGivenUp} hears of each group given up (its rows missing here unless published again). */
    GroupAssembler(long nodeId, Runnable onGivenUp) {
        this.nodeId = nodeId;
        this.onGivenUp = onGivenUp;
    }

    /** The chunks of one transaction group, in order, with the stream sequences of the messages that carried them. */
    static final class Group {
        final String stream;
        /** The lowest sequence of its messages (chunks may have landed out of order): where it is said to be. */
        final long firstSeq;
        final List<Long> seqs = new ArrayList<>();
        final List<ChangeBatch> batches = new ArrayList<>();

        Group(String stream, long firstSeq) {
            this.stream = stream;
            this.firstSeq = firstSeq;
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
    Group add(String stream, long seq, ChangeBatch batch) {
        ChunkedGroups groups = streams.get(stream);
        if (batch.isWhole() && (groups == null || groups.isEmpty())) {
            Group g = new Group(stream, seq); // the usual case: nothing waits that it could end
            g.seqs.add(seq);
            g.batches.add(batch);
            return g;
        }
        if (groups == null) {
            groups = new ChunkedGroups((origin, group, givenUp, reason) -> {
                if (givenUp) {
                    onGivenUp.run();
                }
                log.warn("{} - group {} from node {} on {}: {}; its writer most likely sent these rows again in other"
                        + " messages, else verification repairs them", nodeId, group, origin, stream, reason);
            });
            streams.put(stream, groups);
        }
        List<ChunkedGroups.Chunk> chunks = groups.add(seq, batch);
        if (chunks == null) {
            return null;
        }
        long first = Long.MAX_VALUE;
        for (ChunkedGroups.Chunk c : chunks) {
            first = Math.min(first, c.seq());
        }
        Group g = new Group(stream, first);
        for (ChunkedGroups.Chunk c : chunks) {
            g.seqs.add(c.seq());
            g.batches.add(c.batch());
        }
        return g;
    }

    /** The highest sequence of the stream a position may reach: just before the lowest chunk a waiting group holds. */
    long holdBack(String stream, long handled) {
        ChunkedGroups groups = streams.get(stream);
        return groups == null ? handled : Math.min(handled, groups.lowestSeq() - 1);
    }

    /** Forgets the stream's waiting groups (its feed restarts before them, so they come again). */
    void dropStream(String stream) {
        streams.remove(stream);
    }
}
