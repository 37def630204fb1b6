package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static io.marmot.it.Nodes.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reader on a peer never sees part of a replicated transaction. */
class ApplyAtomicityTest {
    private static final int TRANSACTIONS = 150;
    private static final int ROWS = 40;

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void readersSeeWholeTransactionsOnly() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url());
                Connection b = Nodes.open(dir.resolve("b.db"), 2, nats.url())) {
            String schema = "CREATE TABLE items (batch INTEGER, n INTEGER, PRIMARY KEY (batch, n))";
            exec(a, schema);
            exec(b, schema);
            Thread writer = new Thread(() -> {
                try (PreparedStatement ins = a.prepareStatement("INSERT INTO items VALUES (?, ?)")) {
                    a.setAutoCommit(false);
                    for (int t = 1; t <= TRANSACTIONS; t++) {
                        for (int r = 1; r <= ROWS; r++) {
                            ins.setInt(1, t);
                            ins.setInt(2, r);
                            ins.executeUpdate();
                        }
                        a.commit();
                    }
                    a.setAutoCommit(true);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            int observations = 0;
            try (Statement s = b.createStatement()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline) {
                    try (ResultSet rs = s.executeQuery("SELECT batch, count(*) FROM items GROUP BY batch HAVING count(*) <> " + ROWS)) {
                        assertTrue(!rs.next(), () -> "half a transaction visible on the peer");
                    }
                    observations++;
                    if (scalar(b, "SELECT count(*) FROM items") == (long) TRANSACTIONS * ROWS) {
                        break;
                    }
                }
            }
            writer.join();
            assertEquals((long) TRANSACTIONS * ROWS, scalar(b, "SELECT count(*) FROM items"));
            assertTrue(observations > 3, "the reader looked while rows arrived: " + observations);
        }
    }
}
