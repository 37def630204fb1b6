package io.marmot.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.replication.MarmotRuntime;
import io.marmot.replication.WorkPools;
import io.marmot.sqlite.EngineConnections;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import io.marmot.testing.Sqlite3;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM's bound on the engines' own connections (issue 24, "fewer descriptors"): with more databases busy at once
 * than the bound, the engines take turns with their connections, no more are open at once than the bound and the
 * steps running, and every tenant's replicas still end up with the same rows, rounds after rounds.
 */
class EngineConnectionsBoundTest {
    private static final int TENANTS = 12; // 24 databases
    private static final int BOUND = 6;
    private static final int ROUNDS = 4;
    private static final Duration WITHIN = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
        System.clearProperty(EngineConnections.BOUND_PROPERTY);
    }

    @Test
    void databasesBusyAtOnceTakeTurnsWithinTheBoundAndConverge() throws Exception {
        Marmot.closeAll(); // the bound is read when the runtime starts
        System.setProperty(EngineConnections.BOUND_PROPERTY, String.valueOf(BOUND));
        Path root = dir.toRealPath();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            ReplicatedTenants.openAll(TENANTS, (t, n) -> db(root, t, n), (t, n) -> url(nats, t, n));
            EngineConnections bound = MarmotRuntime.get().engineConnections();
            assertEquals(BOUND, bound.bound());
            ExecutorService writers = Executors.newFixedThreadPool(4);
            try {
                for (int round = 1; round <= ROUNDS; round++) {
                    writeToEveryTenant(writers, round, nats, root);
                }
            } finally {
                writers.shutdown();
            }
            for (int t = 0; t < TENANTS; t++) {
                Path first = db(root, t, 1);
                Path second = db(root, t, 2);
                Await.until(WITHIN, "tenant " + t + "'s replicas hold the same rows",
                        () -> Db.dump(first).equals(Db.dump(second)));
                assertEquals(2 * ROUNDS, Db.count(second, "SELECT count(*) FROM notes"), "tenant " + t);
            }
            // Every step that runs may have opened one before the bound looks again: never more.
            int steps = WorkPools.PUBLISH_THREADS + WorkPools.APPLY_THREADS + 2 + 2;
            System.out.printf("engine connections: bound %d, most open at once %d, let go for the bound %d%n",
                    bound.bound(), bound.mostOpen(), bound.letGo());
            assertTrue(bound.mostOpen() <= BOUND + steps, "at most the bound and the steps running: " + bound.mostOpen());
            assertTrue(bound.letGo() > 0, "the bound took connections: 24 databases' engines wanted more than " + BOUND);
            Await.until(WITHIN, "the connections left at the bound or below once all is replicated",
                    () -> bound.openCount() <= BOUND);
        }
    }

    /**
     * With a bound of one, each step lets the others' connections go, often between another process's commit and the
     * look that would have seen it: that look is owed, so every row the {@code sqlite3} shell writes still goes out.
     */
    @Test
    void anotherProcesssCommitsReachThePeerWhileTheBoundTakesConnections() throws Exception {
        Sqlite3.assumeInstalled();
        Marmot.closeAll();
        System.setProperty(EngineConnections.BOUND_PROPERTY, "1");
        Path root = dir.toRealPath();
        int tenants = 4;
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            ReplicatedTenants.openAll(tenants, (t, n) -> db(root, t, n), (t, n) -> url(nats, t, n));
            // the engines stay open while a connection through the driver to each replica does
            List<Connection> held = new ArrayList<>();
            try {
                for (int t = 0; t < tenants; t++) {
                    for (int n = 1; n <= 2; n++) {
                        held.add(Db.node(db(root, t, n), url(nats, t, n)));
                    }
                }
                for (int round = 1; round <= 5; round++) {
                    for (int t = 0; t < tenants; t++) {
                        Sqlite3.exec(db(root, t, 1), "INSERT INTO notes VALUES (" + round + ", 'shell round " + round + "')");
                    }
                    for (int t = 0; t < tenants; t++) {
                        Path second = db(root, t, 2);
                        int expected = round;
                        Await.until(WITHIN, "tenant " + t + "'s shell row of round " + round + " on its other replica",
                                () -> Db.count(second, "SELECT count(*) FROM notes") == expected);
                    }
                }
            } finally {
                for (Connection c : held) {
                    c.close();
                }
            }
            EngineConnections bound = MarmotRuntime.get().engineConnections();
            System.out.printf("engine connections, bound 1: most open at once %d, let go for the bound %d%n",
                    bound.mostOpen(), bound.letGo());
            assertTrue(bound.letGo() > 0, "the bound took connections");
            for (int t = 0; t < tenants; t++) {
                assertEquals(Db.dump(db(root, t, 1)), Db.dump(db(root, t, 2)), "tenant " + t);
            }
        }
    }

    /** A row on each replica of every tenant, from four threads at once: every database's engine has work. */
    private static void writeToEveryTenant(ExecutorService writers, int round, NatsServer nats, Path root) throws Exception {
        List<Future<?>> written = new ArrayList<>();
        AtomicInteger id = new AtomicInteger(round * 100);
        for (int t = 0; t < TENANTS; t++) {
            for (int node = 1; node <= 2; node++) {
                int tenant = t;
                int n = node;
                int rowId = id.incrementAndGet();
                written.add(writers.submit(() -> {
                    try (Connection c = Db.node(db(root, tenant, n), url(nats, tenant, n))) {
                        Db.exec(c, "INSERT INTO notes VALUES (" + rowId + ", 'round " + round + " on " + n + "')");
                    }
                    return null;
                }));
            }
        }
        for (Future<?> f : written) {
            f.get();
        }
    }

    private static String url(NatsServer nats, int tenant, int node) {
        return "node-id=" + node + "&nats-url=" + nats.url() + "&stream-prefix=tenant-" + tenant + "&subject-prefix=tenant-"
                + tenant + "&max-log-bytes=" + (8 << 20);
    }

    private static Path db(Path root, int tenant, int replica) {
        return root.resolve("tenant-" + tenant + "-" + replica + ".db");
    }
}
