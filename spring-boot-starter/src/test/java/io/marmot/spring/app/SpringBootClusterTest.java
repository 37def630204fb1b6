package io.marmot.spring.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Boot application on two nodes (two JVMs, one nats-server), configured by nothing but its
 * {@code jdbc:marmot:sqlite:} URL, both migrating at start-up at once: each migration runs once for the cluster,
 * the history and every row end the same on both nodes, the seed written after catch-up exists once, and
 * Actuator's {@code marmot} health and the {@code marmot_*} meters report the node.
 */
class SpringBootClusterTest {
    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void flywayAtStartUpOnTwoNodesRunsOnceForTheCluster() throws Exception {
        bothNodes("flyway_schema_history", "SELECT version, description, success FROM flyway_schema_history ORDER BY installed_rank",
                List.of(List.of("1", "items", 1), List.of("2", "data", 1), List.of("3", "price", 1)),
                List.of("V2", "V3"));
    }

    @Test
    void liquibaseAtStartUpOnTwoNodesRunsOnceForTheCluster() throws Exception {
        bothNodes("DATABASECHANGELOG", "SELECT id, author FROM DATABASECHANGELOG ORDER BY orderexecuted",
                List.of(List.of("1", "marmot"), List.of("2", "marmot"), List.of("3", "marmot")),
                List.of("2", "3"), "spring.flyway.enabled=false", "spring.liquibase.enabled=true",
                "spring.liquibase.change-log=classpath:db/changelog/changelog.sql");
    }

    /**
     * A node started after the cluster wrote rows, without migrations of its own: what it reads at start-up is the
     * cluster's (with {@code marmot.catch-up-timeout=0} it reads no table at all), and its seed finds the first
     * node's and writes nothing. When NATS goes away, its {@code marmot} health goes DOWN saying so.
     */
    @Test
    void aLateNodeSeedsAfterCatchingUpAndReportsLosingNats() throws Exception {
        Path db1 = dir.resolve("node1.db");
        Path db2 = dir.resolve("node2.db");
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                BootProcess node1 = new BootProcess(db1, 1, nats.url(), dir.resolve("node1.log"))) {
            node1.expect("ready", 120);
            node1.ask("sql WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 500)"
                    + " INSERT INTO item (id, name) SELECT x + 1000, 'bulk' FROM n", "ok");
            Await.value(CONVERGE, "node 1 published its rows", () -> node1.ask("health", "health "),
                    h -> h.contains("pendingChanges=0"));
            try (BootProcess node2 = new BootProcess(db2, 2, nats.url(), dir.resolve("node2.log"),
                    "spring.flyway.enabled=false", "seed.name=late")) {
                assertEquals("warm 504", node2.expect("warm ", 120), "what the application read at start-up");
                node2.expect("ready", 120);
                try (var c = Db.plain(db2)) {
                    assertEquals(List.of(List.of("seed", 1)), Db.list(c, "SELECT name, price FROM item WHERE id = 100"));
                    assertEquals(500, Db.count(c, "SELECT count(*) FROM item WHERE name = 'bulk'"));
                }
                Await.until(CONVERGE, "both nodes' files equal", () -> Db.dump(db1).equals(Db.dump(db2)));
                assertEquals(Db.dump(db1), Db.dump(db2), "both nodes' files");

                nats.stop();
                String down = Await.value(CONVERGE, "the marmot health component DOWN", () -> node2.ask("health", "health "),
                        h -> h.startsWith("health DOWN "));
                assertTrue(down.contains("not connected to NATS") && down.contains("node=2"), down);
            }
        }
    }

    private void bothNodes(String historyTable, String historyQuery, List<List<Object>> history, List<String> runs,
            String... properties) throws Exception {
        Path db1 = dir.resolve("node1.db");
        Path db2 = dir.resolve("node2.db");
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                BootProcess node1 = new BootProcess(db1, 1, nats.url(), dir.resolve("node1.log"), properties);
                BootProcess node2 = new BootProcess(db2, 2, nats.url(), dir.resolve("node2.log"), properties)) {
            node1.expect("ready", 120);
            node2.expect("ready", 120);

            Await.until(CONVERGE, "both nodes' files equal", () -> Db.dump(db1).equals(Db.dump(db2)));
            for (Path db : List.of(db1, db2)) {
                try (var c = Db.plain(db)) {
                    assertEquals(history, Db.list(c, historyQuery), historyTable + " of " + db);
                    assertEquals(runs, Db.list(c, "SELECT migration FROM migration_run ORDER BY migration").stream()
                            .map(r -> (String) r.get(0)).toList(), "each data migration ran once for the cluster, " + db);
                    assertEquals(List.of(List.of(1, "apple", 10), List.of(2, "pear", 20), List.of(3, "plum", 30),
                            List.of(100, "seed", 1)), Db.list(c, "SELECT id, name, price FROM item ORDER BY id"), "rows of " + db);
                    assertEquals(0, Db.count(c, "SELECT count(*) FROM __marmot_parked"), "nothing parked on " + db);
                }
            }

            for (BootProcess node : List.of(node1, node2)) {
                String health = Await.value(CONVERGE, "the marmot health component UP", () -> node.ask("health", "health "),
                        h -> h.startsWith("health UP ") && h.contains("backlogMessages=0"));
                assertTrue(health.contains("ready=true") && health.contains("problems=[]") && health.contains("natsConnected=true"),
                        health);
                String meters = node.ask("meters", "meters ");
                long id = node == node1 ? 1 : 2;
                Path db = node == node1 ? db1 : db2;
                for (String series : List.of("marmot_up", "marmot_ready", "marmot_published_messages_total",
                        "marmot_applied_messages_total", "marmot_rows_repaired_total", "marmot_backlog_messages",
                        "marmot_snapshots_taken_total", "marmot_conflicts_total")) {
                    assertTrue(meters.contains(series + "{") && meters.contains("node=\"" + id + "\"")
                            && meters.contains("database=\"" + db + "\""), series + " missing from " + meters);
                }
            }
            assertEquals(Db.dump(db1), Db.dump(db2), "both nodes' files at the end");
        }
    }
}
