package io.marmot.jdbc;

import io.marmot.Marmot;
import io.marmot.fixture.TwoNodes;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A transaction larger than the publisher's window (16 MiB on their way) while the server stalls (SIGSTOP): no
 * acknowledgement comes, and the failure shows while the next chunk is still being packed. The chunks sent go again
 * as they were and the transaction goes on as the same group's next chunk; started as a group of its own from its
 * middle, it left the first chunks' group incomplete, and the peer never applied those rows.
 */
class ChunkedTransactionCutTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int ROWS = 100_000; // about 22 MB: some 29 chunks

    @RegisterExtension
    final TwoNodes nodes = TwoNodes.perTest();

    @Test
    void aTransactionCutWhilePackingIsStillOneGroupForThePeer() throws Exception {
        java.sql.Connection one = nodes.connect(1);
        java.sql.Connection two = nodes.connect(2);
        Db.exec(one, "CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)");
        Await.until(WAIT, "node 2 has the table", () -> Db.dump(nodes.database(2)).contains("table t"));
        nodes.nats().pause(); // what is sent waits in its socket and lands in order once it resumes
        try {
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
        } finally {
            nodes.nats().resume();
        }
        Await.until(WAIT, "node 2 has every row",
                () -> ((Number) Db.scalar(two, "SELECT count(*) FROM t")).longValue() == ROWS);
    }
}
