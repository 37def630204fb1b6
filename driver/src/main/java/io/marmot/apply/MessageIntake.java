package io.marmot.apply;

import io.marmot.publish.OwnMessages;
import io.marmot.replication.ReplicationCounters;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.MalformedMessageException;
import io.marmot.wire.UnknownFormatException;
import io.marmot.wire.WireFormat;
import io.nats.client.Message;
import io.nats.client.impl.NatsJetStreamMetaData;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one delivered message into its stream's order ({@link StreamCursor}): a duplicate is dropped, a jump stops
 * the feed to read again, messages found gone are recorded; then the message is decoded and its transaction group
 * completed ({@link GroupAssembler}). A message that cannot be read is parked or counted as rejected, never skipped
 * in silence.
 */
final class MessageIntake {
    /** What {@link #take} returns for a peer's schema change placed in order: the caller applies it. */
    static final GroupAssembler.Group SCHEMA_CHANGE = new GroupAssembler.Group("", 0);
    private static final Logger log = LoggerFactory.getLogger(MessageIntake.class);
    private final long nodeId;
    private final String ownSuffix;
    private final ReplicationCounters stats;
    private final OwnMessages own;
    private final OwnHistory history;
    private final ApplierConnection db;
    private final StreamFeeds feeds;
    private final StreamProgress progress;

    MessageIntake(long nodeId, ReplicationCounters stats, OwnMessages own, OwnHistory history, ApplierConnection db,
            StreamFeeds feeds, StreamProgress progress) {
        this.nodeId = nodeId;
        this.ownSuffix = "." + nodeId;
        this.stats = stats;
        this.own = own;
        this.history = history;
        this.db = db;
        this.feeds = feeds;
        this.progress = progress;
    }

    /** Places one message in its stream's order; returns the transaction group it completes, if any. */
    GroupAssembler.Group take(Message m) throws SQLException {
        NatsJetStreamMetaData meta = m.metaData();
        String stream = meta.getStream();
        long seq = meta.streamSequence();
        StreamCursor cursor = progress.cursor(stream);
        switch (cursor.classify(seq)) {
            case DUPLICATE -> {
                return null;
            }
            case JUMP -> {
                log.warn("{} - stream {} delivered {} right after {}: reading again from there", nodeId, stream, seq,
                        cursor.handled());
                feeds.stop(stream); // what it still delivers is stale
                progress.mustRestart(stream);
                return null;
            }
            case AFTER_GONE -> {
                for (long[] part : own.foreignParts(stream, cursor.handled() + 1, seq - 1)) {
                    progress.gone(stream, new StreamCheck.Gap(part[0], part[1],
                            "they left the stream (retention limits) before this node applied them"));
                }
            }
            case NEXT -> {
            }
        }
        cursor.handled(seq, StreamBinder.nanos(meta.timestamp()), seq + meta.pendingCount());
        boolean mine = history.mine(stream, seq); // published by this file, not by an earlier one with this id
        if (m.getSubject().endsWith(ownSuffix) && mine) {
            return null;
        }
        if (SchemaApplier.isSchemaChange(m)) {
            return SCHEMA_CHANGE;
        }
        ChangeBatch batch;
        try {
            batch = WireFormat.decode(m.getData());
        } catch (UnknownFormatException e) {
            db.writes().parkUnread(stream, seq, m.getData(), e.getMessage()); // parked before its position is stored
            return null;
        } catch (MalformedMessageException e) {
            stats.rejectedMessages.incrementAndGet();
            log.warn("{} - rejected message {}#{} on {}: {}", nodeId, stream, seq, m.getSubject(), e.getMessage());
            return null;
        }
        return batch.origin() == nodeId && mine ? null : progress.assembler().add(stream, seq, batch);
    }
}
