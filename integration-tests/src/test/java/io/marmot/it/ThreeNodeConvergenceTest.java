package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Three JVMs write conflicting random changes at the same time; all three databases end identical. */
class ThreeNodeConvergenceTest {
    @Test
    void concurrentConflictingWritesConverge() throws Exception {
        Cluster.inJvms(3, "", (cluster, a, b, c) -> {
            List<NodeProcess> nodes = List.of(a, b, c);
            for (int n = 1; n <= 3; n++) {
                nodes.get(n - 1).send("chaos " + (1000 + n) + " 300");
            }
            for (NodeProcess node : nodes) {
                node.expect(l -> l.equals("done"), 120);
            }
            List<String> names = List.of("a", "b", "c");
            String[] last = new String[3];
            Await.until(Duration.ofSeconds(60), "three identical databases", () -> {
                for (int n = 0; n < 3; n++) {
                    last[n] = Db.dump(cluster.db(names.get(n)));
                }
                return last[0].equals(last[1]) && last[1].equals(last[2]);
            });
            assertTrue(last[0].lines().count() > 20, "the workload left rows to compare:\n" + last[0]);
            assertEquals(last[0], last[2]);
        });
    }
}
