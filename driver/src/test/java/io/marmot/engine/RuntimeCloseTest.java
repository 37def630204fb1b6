package io.marmot.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.clock.ChangedKeys;
import io.marmot.replication.MarmotRuntime;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM's Marmot state has one owner, {@link MarmotRuntime}: closing it ({@code Marmot.closeAll}) leaves no engine,
 * no registry, no NATS connection and no Marmot thread behind, and the next connection starts afresh in the same JVM.
 */
class RuntimeCloseTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void closeAllLeavesNothingAndANewEngineStartsAfterwards() throws Exception {
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            closeAllLeavesNothing("nats-url=" + nats.url(), 0);
        }
    }

    /** The same with the embedded nats-server the engines share: it stops too, its port free again. */
    @Test
    void closeAllStopsTheEmbeddedServerToo() throws Exception {
        int port = NatsServer.freePort();
        closeAllLeavesNothing("nats-port=" + port, port);
    }

    /** @param embeddedPort the embedded server's port, free after closeAll; 0 for none */
    private void closeAllLeavesNothing(String nats, int embeddedPort) throws Exception {
        Path a = dir.resolve("a.db");
        Path b = dir.resolve("b.db");
        replicate(a, b, nats, 1);
        MarmotRuntime first = MarmotRuntime.existing();
        assertNotNull(first, "the engines opened the runtime");
        assertTrue(first.registries() >= 2, "engines and NATS connections are registered: " + first.registries());
        assertTrue(!marmotThreads().isEmpty(), "the engines run threads");

        Marmot.closeAll();

        assertNull(MarmotRuntime.existing(), "no runtime after closeAll");
        assertEquals(0, first.registries(), "the closed runtime's registries are empty");
        assertNull(Engines.running(a.toRealPath()));
        assertNull(Engines.running(b.toRealPath()));
        // within seconds: jnats's own connect and callback threads once outlived a closed connection by 30 s
        Await.until(Duration.ofSeconds(10), "no Marmot thread (engines', shared pools', NATS connections') left: "
                + marmotThreads(), () -> marmotThreads().isEmpty());
        if (embeddedPort != 0) {
            Await.until(WAIT, "the embedded server's port free", () -> portFree(embeddedPort));
        }

        replicate(a, b, nats, 2);
        assertNotSame(first, MarmotRuntime.existing(), "a new runtime for the new engines");
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /**
     * The engine hands its collector of changed keys to whatever writes row versions: the local write folded on one
     * node and the same write applied on the other both reach their engine's collector, which verification drains.
     */
    @Test
    void localAndAppliedWritesReachTheirEnginesCollector() throws Exception {
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            Path a = dir.resolve("a.db");
            Path b = dir.resolve("b.db");
            // verification rounds an hour apart: nothing drains the collectors but this test
            String params = "&verify-interval=3600&nats-url=" + nats.url();
            try (Connection ca = Db.node(a, "node-id=1" + params); Connection cb = Db.node(b, "node-id=2" + params)) {
                Db.exec(ca, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
                Await.until(WAIT, "the table on b", () -> Db.count(cb,
                        "SELECT count(*) FROM sqlite_master WHERE name = 't'") == 1);
                Db.exec(ca, "INSERT INTO t VALUES (7, 'x')");
                Await.until(WAIT, "the row on b", () -> Db.count(cb, "SELECT count(*) FROM t WHERE id = 7") == 1);
                awaitChanged(Engines.running(a.toRealPath()).versionWriters().changed(), "a (its own write, folded)");
                awaitChanged(Engines.running(b.toRealPath()).versionWriters().changed(), "b (the write applied)");
            }
        }
    }

    private static void awaitChanged(ChangedKeys keys, String node) throws Exception {
        assertNotNull(keys, "verification is on, so " + node + " collects");
        boolean[] seen = {false};
        Await.until(WAIT, "table t among the changed keys of " + node, () -> {
            Map<String, ChangedKeys.Table> drained = keys.drain();
            seen[0] |= drained.containsKey("t") && (drained.get("t").all() || !drained.get("t").integerRanges().isEmpty());
            return seen[0];
        });
    }

    /** Two nodes replicating a row each way, their connections closed after. */
    private static void replicate(Path a, Path b, String nats, int round) throws Exception {
        try (Connection ca = Db.node(a, "node-id=1&" + nats); Connection cb = Db.node(b, "node-id=2&" + nats)) {
            Db.exec(ca, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
            Db.exec(cb, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
            Db.exec(ca, "INSERT INTO t VALUES (" + (round * 10 + 1) + ", 'from a')");
            Db.exec(cb, "INSERT INTO t VALUES (" + (round * 10 + 2) + ", 'from b')");
            for (Connection c : List.of(ca, cb)) {
                Await.until(WAIT, "round " + round + "'s rows on both nodes",
                        () -> Db.count(c, "SELECT count(*) FROM t") == round * 2L);
            }
        }
    }

    private static List<String> marmotThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("marmot-")).sorted().toList();
    }
}
