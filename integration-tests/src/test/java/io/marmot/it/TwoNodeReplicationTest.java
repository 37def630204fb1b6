package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TwoNodeReplicationTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void rowsFlowBothWays() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"))) {
            String schema = "CREATE TABLE Books (id INTEGER PRIMARY KEY, title TEXT, year INTEGER)";
            try (Connection a = DriverManager.getConnection("jdbc:marmot:sqlite:" + dir.resolve("a.db") + "?node-id=1&nats-url=" + nats.url());
                    Connection b = DriverManager.getConnection("jdbc:marmot:sqlite:" + dir.resolve("b.db") + "?node-id=2&nats-url=" + nats.url());
                    Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
                sa.execute(schema);
                sb.execute(schema);
                sa.execute("INSERT INTO Books VALUES (1, 'Pride and Prejudice', 1813)");
                Await.until(Duration.ofSeconds(10), "row on b", () -> count(sb, "SELECT count(*) FROM Books WHERE id = 1") == 1);
                sb.execute("UPDATE Books SET year = 1814 WHERE id = 1");
                Await.until(Duration.ofSeconds(10), "update on a", () -> count(sa, "SELECT year FROM Books WHERE id = 1") == 1814);
                sa.execute("DELETE FROM Books WHERE id = 1");
                Await.until(Duration.ofSeconds(10), "delete on b", () -> count(sb, "SELECT count(*) FROM Books") == 0);
                assertEquals(0, count(sa, "SELECT count(*) FROM Books"));
            }
        }
    }

    @Test
    void writesAfterTheLogWasPrunedStillFlow() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url());
                Connection b = Nodes.open(dir.resolve("b.db"), 2, nats.url());
                Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            sa.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            sb.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            for (int round = 1; round <= 3; round++) {
                sa.execute("INSERT INTO t VALUES (" + round + ")");
                int expected = round;
                Await.until(Duration.ofSeconds(10), "row " + round + " on b", () -> count(sb, "SELECT count(*) FROM t") == expected);
                // Published rows leave the log about once a second; the next write must not be mistaken for an old one.
                Await.until(Duration.ofSeconds(10), "log pruned", () -> count(sa, "SELECT count(*) FROM __marmot_log") <= 1
                        && count(sa, "SELECT published_seq FROM __marmot_state") >= count(sa, "SELECT max(seq) FROM __marmot_log"));
            }
        }
    }

    static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }
}
