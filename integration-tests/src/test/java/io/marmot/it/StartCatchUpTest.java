package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * A node's first connection waits until it applied what the change streams held at its start (catch-up-wait), so an
 * application's start-up writes do not beat the cluster's history; and that wait is bounded when NATS is away.
 */
class StartCatchUpTest {
    /** What an application runs on every start (Spring's data.sql, a CommandLineRunner). */
    private static final String SEED = "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL);"
            + "INSERT OR IGNORE INTO counters (name, n) VALUES ('visits', 0)";
    private static final List<String> SEEDING = List.of("env", "MARMOT_IT_SEED=" + SEED);

    @Test
    void aNewNodesStartUpSeedDoesNotBeatTheClustersHistory() throws Exception {
        Cluster.with(0).run(cluster -> {
            NodeProcess one = cluster.process(SEEDING, "one", 1);
            for (int i = 0; i < 50; i++) {
                one.send("sql UPDATE counters SET n = n + 1 WHERE name = 'visits'");
                one.expect("ok"::equals, 30);
            }
            one.send("published");
            one.expect("published"::equals, 40);
            // A fresh file joins; its application seeds on the first connection, as node 1's did.
            cluster.process(SEEDING, "two", 2);
            Path a = cluster.db("one");
            Path b = cluster.db("two");
            Await.until(Duration.ofSeconds(30), "both nodes hold the same rows",
                    () -> Db.dump(a).equals(Db.dump(b)));
            assertEquals(50, Db.count(a, "SELECT n FROM counters WHERE name = 'visits'"), "node 1 kept its increments");
            assertEquals(50, Db.count(b, "SELECT n FROM counters WHERE name = 'visits'"), "node 2 has them too");
            assertEquals(Db.dump(a), Db.dump(b));
        });
    }

    @Test
    void theWaitIsBoundedWhenNatsIsAway() throws Exception {
        Cluster.with(0).run(cluster -> {
            NodeProcess restarted = cluster.process("restarted", 1);
            restarted.send("sql INSERT INTO events VALUES (1, 'before NATS went away')");
            restarted.expect("ok"::equals, 30);
            restarted.send("published");
            restarted.expect("published"::equals, 40);
            restarted.close();
            cluster.nats().stop();

            // A new database waits for NATS up to catch-up-wait (4 s here), then opens and says why.
            long started = System.nanoTime();
            NodeProcess fresh = cluster.process("fresh", 2, "catch-up-wait=4", "snapshot-restore-wait=2");
            long freshMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(freshMillis >= 3_500 && freshMillis < 20_000, "a new database opened after " + freshMillis + " ms");
            String log = Files.readString(cluster.dir().resolve("fresh.log"));
            assertTrue(log.contains("did not catch up with the change streams within 4 s")
                    && log.contains("writes made before catch-up may lose to history they did not see"), log);

            // A database that has run before opens after the short grace, not after catch-up-wait (30 s by default).
            started = System.nanoTime();
            NodeProcess again = cluster.process("restarted", 1);
            long restartMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(restartMillis < 15_000, "a restart opened after " + restartMillis + " ms");
            assertTrue(Files.readString(cluster.dir().resolve("restarted-2.log")).contains("this database has run before"));
            fresh.kill(); // a clean stop would try to send to the absent NATS first
            again.kill();
        });
    }

    @Test
    void theFirstConnectionReturnsCaughtUpAndHealthSaysSoMeanwhile() throws Exception {
        Cluster.with(0).run(cluster -> {
            Node one = cluster.node("one", 1, "");
            one.exec("CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT)");
            for (int i = 1; i <= 50; i++) {
                one.exec("INSERT INTO events VALUES (" + i + ", 'event " + i + "')");
            }
            one.engine().awaitPublished(Duration.ofSeconds(30));
            cluster.nats().pause(); // the new node's first connection cannot learn how far the streams reach
            java.util.concurrent.ExecutorService opener = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                java.util.concurrent.Future<Node> two = opener.submit(() -> cluster.node("two", 2, "snapshot-restore-wait=1"));
                Await.until(Duration.ofSeconds(20), "the new node's health says it is catching up",
                        () -> io.marmot.Marmot.engine(cluster.db("two"))
                                .map(e -> !e.health().ready() && e.health().problems().toString().contains("catching up"))
                                .orElse(false));
                assertTrue(!two.isDone(), "the first connection waits");
                cluster.nats().resume();
                Node opened = two.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(50, opened.scalar("SELECT count(*) FROM events"), "caught up when the first connection returns");
                assertTrue(!opened.engine().health().problems().toString().contains("catching up"),
                        opened.engine().health().toString());
            } finally {
                opener.shutdownNow();
            }
        });
    }
}
