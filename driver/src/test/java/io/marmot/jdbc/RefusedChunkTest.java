package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import io.marmot.fixture.TwoNodes;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.WireFormat;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A transaction of three chunks whose first two the stream refuses (too large for it) while the last, smaller one
 * lands; once they fit, the publisher sends the refused ones again. The stream holds the chunks as 2, 0, 1: the peer
 * applies every row, and the change feed emits every row, without verification (off here) repairing anything. Read
 * in arrival order, the group was dropped and its rows were missing on the peer and in the feed.
 */
class RefusedChunkTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String STREAM = "marmot-changes-1-1";
    private static final String FEED_STREAM = "marmot-changes-feed";
    private static final int ROWS = 100; // of 20 kB, incompressible: chunks of about 800, 800 and 400 kB
    private static final long LIMIT = 600_000;

    @RegisterExtension
    final TwoNodes nodes = TwoNodes.perTest();

    @Test
    void chunksLandingOutOfOrderStillMakeTheWholeTransaction() throws Exception {
        StreamConfiguration changes = StreamConfiguration.builder().name(STREAM).subjects("marmot-change-log-1.*")
                .maxMsgSize(LIMIT).duplicateWindow(Duration.ofMinutes(2)).build();
        try (Connection nc = Nats.connect(nodes.nats().url())) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addStream(changes);
            java.sql.Connection one = nodes.connect(1, "verify-interval=0&change-feed=shop.cdc");
            java.sql.Connection two = nodes.connect(2, "verify-interval=0");
            Db.exec(one, "CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)");
            Await.until(WAIT, "node 2 has the table", () -> Db.dump(nodes.database(2)).contains("table t"));
            Random random = new Random(7);
            one.setAutoCommit(false);
            try (PreparedStatement ps = one.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                for (int id = 1; id <= ROWS; id++) {
                    byte[] payload = new byte[20_000];
                    random.nextBytes(payload);
                    ps.setInt(1, id);
                    ps.setBytes(2, payload);
                    ps.executeUpdate();
                }
            }
            one.commit();
            // Sent one behind the other on one connection: once the last chunk is in, the others were refused.
            Await.until(WAIT, "the last chunk landed alone", () -> {
                ChangeBatch b = WireFormat.decode(jsm.getLastMessage(STREAM, "marmot-change-log-1.1").getData());
                return b.chunk() > 0 && b.last();
            });
            jsm.updateStream(StreamConfiguration.builder(changes).maxMsgSize(-1).build());
            Await.until(WAIT, "node 2 has every row",
                    () -> ((Number) Db.scalar(two, "SELECT count(*) FROM t")).longValue() == ROWS);
            assertEquals(Db.dump(nodes.database(1)), Db.dump(nodes.database(2)));
            assertEquals(0, Marmot.engine(nodes.database(2)).orElseThrow().stats().rowsRepaired());
            Await.until(WAIT, "the feed holds every row", () -> new TreeSet<>(feedIds(jsm)).size() == ROWS);
            assertEquals(ROWS, feedIds(jsm).size(), "each row once in the feed");
        }
    }

    /** The ids of the rows the feed emitted, in its order (a row emitted twice, twice). */
    private static List<Long> feedIds(JetStreamManagement jsm) throws Exception {
        List<Long> ids = new ArrayList<>();
        long last;
        try {
            last = jsm.getStreamInfo(FEED_STREAM).getStreamState().getLastSequence();
        } catch (io.nats.client.JetStreamApiException e) {
            return ids; // not created yet
        }
        for (long seq = 1; seq <= last; seq++) {
            MessageInfo m = jsm.getMessage(FEED_STREAM, seq);
            JsonValue after = JsonParser.parse(m.getData()).map.get("after");
            if (after != null && after.map != null && after.map.get("id") != null) {
                JsonValue id = after.map.get("id");
                ids.add(id.l != null ? id.l : id.i);
            }
        }
        return ids;
    }
}
