package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A writer killed with SIGKILL mid-stream loses nothing whose commit returned, once it is restarted. */
class CrashRecoveryTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void everyCommittedRowReachesThePeerAfterKillNine() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                NodeProcess peer = new NodeProcess(dir.resolve("peer.db"), 2, nats.url(), dir.resolve("peer.log"))) {
            Set<Long> committed = new TreeSet<>();
            NodeProcess writer = new NodeProcess(dir.resolve("writer.db"), 1, nats.url(), dir.resolve("writer-1.log"));
            writer.send("write 1 1000000");
            writer.expect(l -> l.equals("committed 2000"), 60);
            writer.kill();
            for (String line : writer.drain()) {
                if (line.startsWith("committed ")) {
                    committed.add(Long.parseLong(line.substring("committed ".length())));
                }
            }
            committed.addAll(range(1, 2000));
            long highest = ((TreeSet<Long>) committed).last();
            assertTrue(highest >= 2000, "the writer was killed while writing");

            try (NodeProcess restarted = new NodeProcess(dir.resolve("writer.db"), 1, nats.url(), dir.resolve("writer-2.log"))) {
                Await.until(Duration.ofSeconds(60), "every committed row on the peer",
                        () -> count(dir.resolve("peer.db"), "SELECT count(*) FROM events WHERE id <= " + highest) == highest);
                // Rows are unique by key, so nothing was applied twice; and the peer has no row the writer lacks.
                Await.until(Duration.ofSeconds(30), "peer and restarted writer identical", () ->
                        count(dir.resolve("peer.db"), "SELECT count(*) FROM events")
                                == count(dir.resolve("writer.db"), "SELECT count(*) FROM events"));
                assertEquals(count(dir.resolve("writer.db"), "SELECT max(id) FROM events"),
                        count(dir.resolve("peer.db"), "SELECT max(id) FROM events"));
            }
        }
    }

    private static Set<Long> range(long from, long to) {
        Set<Long> s = new TreeSet<>();
        for (long i = from; i <= to; i++) {
            s.add(i);
        }
        return s;
    }

    static String text(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static long count(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }
}
