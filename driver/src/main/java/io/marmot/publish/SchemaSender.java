package io.marmot.publish;

import io.marmot.schema.SchemaJournal;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.SchemaChangeCodec;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this node's schema changes (the outbox of {@link SchemaJournal}) on its change subject, each where it
 * belongs among the row changes: the publisher stops reading the log at the first waiting change's barrier, and
 * sends the change once every row before it is acknowledged.
 */
final class SchemaSender {
    private static final Logger log = LoggerFactory.getLogger(SchemaSender.class);

    private final long nodeId;
    private final String subject;
    private final OwnMessages own;
    private List<SchemaJournal.Outgoing> waiting = List.of();

    SchemaSender(long nodeId, String subject, OwnMessages own) {
        this.nodeId = nodeId;
        this.subject = subject;
        this.own = own;
    }

    /** The log position the next schema change follows, or Long.MAX_VALUE when none waits. */
    long barrier(Connection db) throws SQLException {
        waiting = SchemaJournal.outbox(db, 100);
        return waiting.isEmpty() ? Long.MAX_VALUE : waiting.get(0).barrier();
    }

    /** Sends, in order, the waiting changes whose barrier the acknowledged log position reached; how many were sent. */
    int sendUpTo(Connection db, JetStream js, long acknowledgedSeq) throws IOException, JetStreamApiException, SQLException {
        int sent = 0;
        for (SchemaJournal.Outgoing o : waiting) {
            if (o.barrier() > acknowledgedSeq) {
                break;
            }
            Headers headers = new Headers().put(SchemaChangeCodec.KIND_HEADER, SchemaChangeCodec.KIND_SCHEMA);
            byte[] body = SchemaChangeCodec.encode(new SchemaChangeCodec.SchemaChange(nodeId, o.seq(), o.sql()));
            PublishAck ack = js.publish(NatsMessage.builder().subject(subject).headers(headers).data(body).build(),
                    PublishOptions.builder().messageId(nodeId + "-schema-" + o.createdMillis() + "-" + o.seq()).build());
            own.published(ack.getStream(), ack.getSeqno());
            // In a write transaction of the engine's, which hands the lock on: the application's writer this
            // statement waited behind would otherwise queue behind it until it looked gone (WriteLockQueue).
            Sqlite.inWriteTransaction(db, c -> {
                SchemaJournal.sent(c, o.seq());
                return null;
            });
            log.info("{} - sent schema change: {}", nodeId, o.sql());
            sent++;
        }
        return sent;
    }
}
