package io.marmot.jdbc;

import io.marmot.Marmot;
import io.marmot.fixture.TwoNodes;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.StreamConfiguration;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A transaction larger than the publisher's window (16 MiB on their way) whose second chunk the stream refuses: the
 * failure shows while the next chunk is still being packed. Published again, the transaction goes on as the same
 * group's next chunks; started as a group of its own from its middle, it left the first chunks' group incomplete, and
 * the peer never applied those rows.
 */
class ChunkedTransactionCutTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String STREAM = "marmot-changes-1-1";
    private static final int ROWS = 100_000; // about 22 MB: some 29 chunks

    @RegisterExtension
    final TwoNodes nodes = TwoNodes.perTest();

    @Test
    void aTransactionCutWhilePackingIsStillOneGroupForThePeer() throws Exception {
        StreamConfiguration changes = StreamConfiguration.builder().name(STREAM).subjects("marmot-change-log-1.*")
                .discardPolicy(DiscardPolicy.New).duplicateWindow(Duration.ofMinutes(2)).build();
        try (Connection nc = Nats.connect(nodes.nats().url())) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addStream(changes);
            java.sql.Connection one = nodes.connect(1);
            java.sql.Connection two = nodes.connect(2);
            Db.exec(one, "CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)");
            Await.until(WAIT, "node 2 has the table", () -> Db.dump(nodes.database(2)).contains("table t"));
            long room = jsm.getStreamInfo(STREAM).getStreamState().getMsgCount() + 1; // the first chunk only
            jsm.updateStream(StreamConfiguration.builder(changes).maxMessages(room).build());
            one.setAutoCommit(false);
            try (PreparedStatement ps = one.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                for (int id = 1; id <= ROWS; id++) {
                    ps.setInt(1, id);
                    ps.setString(2, "x".repeat(200) + id);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            one.commit();
            Await.until(WAIT, "publishing failed", () -> Marmot.engine(nodes.database(1)).orElseThrow().stats()
                    .publishFailingSinceMillis() != 0);
            jsm.updateStream(changes);
            Await.until(WAIT, "node 2 has every row",
                    () -> ((Number) Db.scalar(two, "SELECT count(*) FROM t")).longValue() == ROWS);
        }
    }
}
