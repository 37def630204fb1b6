package io.marmot.feed;

import io.marmot.wire.ChangeBatch;
import io.marmot.wire.ChunkedGroups;
import io.marmot.wire.MalformedMessageException;
import io.marmot.wire.SchemaChangeCodec;
import io.marmot.wire.Transaction;
import io.marmot.wire.WireFormat;
import io.nats.client.Connection;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamStatusCheckedException;
import io.nats.client.Message;
import io.nats.client.ConsumerContext;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one change stream in order for the feed and hands out its transaction groups once complete (a group too large
 * for one message comes in chunks, put together by their numbers: {@link ChunkedGroups}). Knows where to read again
 * from: the lowest chunk of a group still incomplete.
 */
final class ShardReader {
    private static final Logger log = LoggerFactory.getLogger(ShardReader.class);
    private final long nodeId;
    final int shard;
    final String stream;
    /** Groups still lacking chunks; one given up is logged. */
    private final ChunkedGroups groups;
    private static final Duration INACTIVE = Duration.ofMinutes(1);
    /** Empty fetches for this long make the reader ask whether the stream holds more than it delivered. */
    private static final long SILENT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(3);
    private ConsumerContext consumer;
    /** When the fetches in a row that delivered nothing began (System.nanoTime), 0 after one that delivered. */
    private long silentSince;
    private long next;
    private long gapMessages;
    private long unreadable;
    private long givenUp;

    /**
     * A complete group of {@code rows} row changes, found when the message at {@code seq} completed it;
     * {@code readAgainFrom} reads it again (and every other group not yet complete), {@code readFromAfter} reads on.
     */
    record Group(long seq, long origin, long publishedMillis, List<Transaction> transactions, int rows,
            long readAgainFrom, long readFromAfter) {
        /**
         * Where the next emitter reads from once the row {@code row} was emitted: after the group only once its last
         * row was, since an emitter may stop between any two rows (a kill, a failed publish) and the next one must
         * see the rest of the group.
         */
        long readFrom(int row) {
            return row >= rows - 1 ? readFromAfter : readAgainFrom;
        }
    }

    ShardReader(long nodeId, int shard, String stream, long readFrom) {
        this.nodeId = nodeId;
        this.shard = shard;
        this.stream = stream;
        this.next = Math.max(1, readFrom);
        this.groups = new ChunkedGroups(this::dropped);
    }

    /** A group given up (counted) or a late copy of a chunk dropped, from {@link ChunkedGroups}. */
    private void dropped(long origin, long group, boolean gaveUp, String reason) {
        if (gaveUp) {
            givenUp++;
        }
        log.warn("{} - change feed: group {} from node {} on {}: {}; its writer most likely sent these rows again in"
                + " other messages, else they are missing from the feed", nodeId, group, origin, stream, reason);
    }

    /** The groups completed by up to {@code max} messages the stream holds now (returns at once when none). */
    List<Group> read(Connection nc, int max) throws IOException, JetStreamApiException, InterruptedException {
        if (consumer == null) {
            // A consumer of this reader's own, not an ordered one: those deliver nothing after a fetch that found none
            consumer = nc.getStreamContext(stream).createOrUpdateConsumer(ConsumerConfiguration.builder()
                    .deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(next).ackPolicy(AckPolicy.None)
                    .inactiveThreshold(INACTIVE).build());
        }
        List<Group> out = new ArrayList<>();
        long before = next;
        FetchConsumer fetch = consumer.fetch(FetchConsumeOptions.builder().maxMessages(max).noWait().build());
        try {
            for (Message m = fetch.nextMessage(); m != null; m = fetch.nextMessage()) {
                Group g = take(m);
                if (g != null) {
                    out.add(g);
                }
            }
        } catch (JetStreamStatusCheckedException e) {
            throw new IOException("reading " + stream + " for the change feed: " + e.getMessage(), e);
        } finally {
            closeQuietly(fetch);
        }
        if (next != before) {
            silentSince = 0;
        } else if (silentSince == 0) {
            silentSince = System.nanoTime();
        } else if (System.nanoTime() - silentSince > SILENT_NANOS) {
            silentSince = 0;
            dropIfStranded(nc);
        }
        return out;
    }

    /**
     * The consumer is ephemeral, so it lives on one server of a NATS cluster: when that server dies its fetches find
     * nothing, without an error, while the stream (replicated) goes on. Seen in ChangeFeedFailoverTest: the feed stood
     * still for as long as the server stayed down. A stream holding more than was delivered gets a new consumer.
     */
    private void dropIfStranded(Connection nc) throws IOException, JetStreamApiException {
        long last = nc.jetStreamManagement().getStreamInfo(stream).getStreamState().getLastSequence();
        if (last < next - 1) {
            // Created anew (its store lost) or cut back: what it holds now comes before where the feed stands, and
            // waiting in silence for it to grow past that point would stand still, then skip it
            throw new IOException("the change stream " + stream + " ends at " + last + ", before message " + (next - 1)
                    + " the feed already read: it was created anew or lost messages; the feed waits");
        }
        if (last >= next) {
            log.warn("{} - change feed: reading {} delivered nothing for {} s while it holds messages {}..{}: reading"
                    + " it again with a new consumer (the server of the old one may be gone)", nodeId, stream,
                    SILENT_NANOS / 1_000_000_000L, next, last);
            consumer = null;
        }
    }

    private Group take(Message m) {
        long seq = m.metaData().streamSequence();
        if (seq < next) {
            return null; // delivered again
        }
        if (seq > next) {
            gapMessages += seq - next;
            log.error("{} - change feed: messages {}..{} of stream {} left it (retention limits) before the feed emitted"
                    + " them; their row changes are missing from the feed", nodeId, next, seq - 1, stream);
        }
        next = seq + 1;
        if (SchemaChangeCodec.KIND_SCHEMA.equals(header(m, SchemaChangeCodec.KIND_HEADER))) {
            return null;
        }
        ChangeBatch batch;
        try {
            batch = WireFormat.decode(m.getData());
        } catch (MalformedMessageException e) {
            unreadable++;
            log.error("{} - change feed: message {} of stream {} cannot be read ({}); its row changes are missing from"
                    + " the feed", nodeId, seq, stream, e.getMessage());
            return null;
        }
        return accept(seq, m.metaData().timestamp().toInstant().toEpochMilli(), batch);
    }

    /** Takes the message at {@code seq} (read in order); returns the group it completed, if any. */
    Group accept(long seq, long published, ChangeBatch batch) {
        if (batch.isWhole() && groups.isEmpty()) {
            // nothing waits that it could end
            return group(seq, batch, published, List.of(batch), Math.min(seq, readFrom()));
        }
        List<ChunkedGroups.Chunk> chunks = groups.add(seq, batch);
        if (chunks == null) {
            return null;
        }
        long readAgainFrom = readFrom(); // the group's chunks left the waiting ones: read it again from its lowest
        List<ChangeBatch> batches = new ArrayList<>(chunks.size());
        for (ChunkedGroups.Chunk c : chunks) {
            readAgainFrom = Math.min(readAgainFrom, c.seq());
            batches.add(c.batch());
        }
        return group(seq, batch, published, batches, readAgainFrom);
    }

    /** Called once the group left the waiting ones, so that {@link #readFrom()} reads on after it. */
    private Group group(long seq, ChangeBatch last, long published, List<ChangeBatch> chunks, long readAgainFrom) {
        List<Transaction> transactions = ChangeBatch.transactions(chunks);
        int rows = 0;
        for (Transaction tx : transactions) {
            rows += tx.changes().size();
        }
        return new Group(seq, last.origin(), published, transactions, rows, readAgainFrom, readFrom());
    }

    /** Where to read again from to see every group not yet complete. */
    long readFrom() {
        return Math.min(next, groups.lowestSeq());
    }

    long gapMessages() {
        return gapMessages;
    }

    long unreadable() {
        return unreadable;
    }

    /** Groups given up for want of chunks (logged). */
    long givenUp() {
        return givenUp;
    }

    private void closeQuietly(FetchConsumer fetch) {
        try {
            fetch.close();
        } catch (Exception e) {
            log.debug("{} - closing a fetch of {}: {}", nodeId, stream, e.toString());
        }
    }

    private static String header(Message m, String name) {
        return m.getHeaders() == null ? null : m.getHeaders().getFirst(name);
    }
}
