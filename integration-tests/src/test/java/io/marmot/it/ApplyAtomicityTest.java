package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A reader on a peer never sees part of a replicated transaction. */
class ApplyAtomicityTest {
    private static final int TRANSACTIONS = 150;
    private static final int ROWS = 40;

    @Test
    void readersSeeWholeTransactionsOnly() throws Exception {
        Cluster.run(2, "", (cluster, a, b) -> {
            String schema = "CREATE TABLE IF NOT EXISTS items (batch INTEGER, n INTEGER, PRIMARY KEY (batch, n))";
            a.exec(schema);
            b.exec(schema);
            Connection writing = a.connection();
            Exception[] writerFailure = {null};
            Thread writer = new Thread(() -> {
                try (PreparedStatement ins = writing.prepareStatement("INSERT INTO items VALUES (?, ?)")) {
                    writing.setAutoCommit(false);
                    for (int t = 1; t <= TRANSACTIONS; t++) {
                        for (int r = 1; r <= ROWS; r++) {
                            ins.setInt(1, t);
                            ins.setInt(2, r);
                            ins.executeUpdate();
                        }
                        writing.commit();
                    }
                    writing.setAutoCommit(true);
                } catch (Exception e) {
                    writerFailure[0] = e;
                }
            });
            writer.start();
            int observations = 0;
            try (Statement s = b.connection().createStatement()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline) {
                    try (ResultSet rs = s.executeQuery("SELECT batch, count(*) FROM items GROUP BY batch HAVING count(*) <> " + ROWS)) {
                        assertTrue(!rs.next(), () -> "half a transaction visible on the peer");
                    }
                    observations++;
                    if (b.scalar("SELECT count(*) FROM items") == (long) TRANSACTIONS * ROWS) {
                        break;
                    }
                }
            } finally {
                writer.join(60_000);
            }
            assertTrue(writerFailure[0] == null, () -> "the writer failed: " + writerFailure[0]);
            assertEquals((long) TRANSACTIONS * ROWS, b.scalar("SELECT count(*) FROM items"));
            assertTrue(observations > 3, "the reader looked while rows arrived: " + observations);
        });
    }
}
