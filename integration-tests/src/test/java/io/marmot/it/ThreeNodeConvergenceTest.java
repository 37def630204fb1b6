package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three JVMs write conflicting random changes at the same time; all three databases end identical. */
class ThreeNodeConvergenceTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void concurrentConflictingWritesConverge() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"))) {
            List<NodeProcess> nodes = new ArrayList<>();
            try {
                for (int n = 1; n <= 3; n++) {
                    nodes.add(new NodeProcess(db(n), n, nats.url(), dir.resolve("node-" + n + ".log")));
                }
                for (int n = 1; n <= 3; n++) {
                    nodes.get(n - 1).send("chaos " + (1000 + n) + " 300");
                }
                for (NodeProcess node : nodes) {
                    node.expect(l -> l.equals("done"), 120);
                }
                String[] last = new String[3];
                Await.until(Duration.ofSeconds(60), "three identical databases", () -> {
                    for (int n = 1; n <= 3; n++) {
                        last[n - 1] = dump(db(n));
                    }
                    return last[0].equals(last[1]) && last[1].equals(last[2]);
                });
                assertTrue(last[0].lines().count() > 20, "the workload left rows to compare:\n" + last[0]);
                assertEquals(last[0], last[2]);
            } finally {
                for (NodeProcess node : nodes) {
                    node.close();
                }
            }
        }
    }

    private Path db(int n) {
        return dir.resolve("node-" + n + ".db");
    }

    /** Reads a node's database with plain sqlite-jdbc, as an outside observer. */
    static String dump(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            return Workload.dump(s);
        }
    }
}
