package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database per tenant (issue 24): 200 databases in one JVM (100 tenants, two replicas each, streams of their own)
 * hold a fixed few Marmot threads, whatever their number, once they replicated and verified each other. Today it
 * fails with 223 (21 shared threads, and a dispatcher thread per database for its repair answers, RepairResponder):
 * enabled once the responders share their connection's threads.
 */
class ManyTenantsThreadsTest {
    private static final int TENANTS = 100;
    private static final int THREAD_BOUND = 64;
    private static final Duration WITHIN = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @Test
    void twoHundredDatabasesKeepAFewThreads() throws Exception {
        List<Connection> open = new ArrayList<>();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            for (int t = 0; t < TENANTS; t++) {
                for (int replica = 1; replica <= 2; replica++) {
                    Connection c = Db.node(db(t, replica), "node-id=" + replica + "&nats-url=" + nats.url()
                            + "&stream-prefix=tenant-" + t + "&subject-prefix=tenant-" + t + "&verify-interval=2"
                            + "&max-log-bytes=" + (8 << 20)); // a hundred streams fit the server's storage
                    open.add(c);
                    Db.exec(c, "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)");
                }
            }
            for (int t = 0; t < TENANTS; t++) {
                Db.exec(open.get(2 * t), "INSERT INTO notes VALUES (1, 'hello tenant " + t + "')");
            }
            for (int t = 0; t < TENANTS; t++) {
                Path first = db(t, 1);
                Path second = db(t, 2);
                Await.until(WITHIN, "tenant " + t + "'s replicas hold the same rows",
                        () -> Db.dump(first).equals(Db.dump(second)));
            }
            for (int t = 0; t < TENANTS; t++) {
                for (int replica = 1; replica <= 2; replica++) {
                    Path p = db(t, replica);
                    Await.until(WITHIN, p + " verified against its peer",
                            () -> Marmot.engine(p).orElseThrow().stats().peersAgreeing() == 1);
                }
            }
            Map<String, Integer> byName = marmotThreads();
            int total = byName.values().stream().mapToInt(Integer::intValue).sum();
            System.out.println("Marmot threads with " + 2 * TENANTS + " databases: " + total + " " + byName);
            assertTrue(total <= THREAD_BOUND, total + " Marmot threads for " + 2 * TENANTS + " databases: " + byName);
            assertEquals("hello tenant 7", Db.text(db(7, 2), "SELECT body FROM notes WHERE id = 1"));
        } finally {
            for (Connection c : open) {
                c.close();
            }
            Marmot.closeAll();
        }
    }

    private Path db(int tenant, int replica) {
        return dir.resolve("tenant-" + tenant + "-" + replica + ".db");
    }

    /** Live threads named marmot-…, counted by name with the numbers left out. */
    private static Map<String, Integer> marmotThreads() {
        Map<String, Integer> out = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("marmot-")) {
                out.merge(t.getName().replaceAll("\\d+", "#"), 1, Integer::sum);
            }
        }
        return out;
    }
}
