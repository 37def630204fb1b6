package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static io.marmot.it.Nodes.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engine threads never keep an application's JVM alive, and exiting flushes what was written. */
class LifecycleTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void theJvmExitsAndItsLastWriteArrives() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                Connection peer = Nodes.open(dir.resolve("peer.db"), 1, nats.url())) {
            exec(peer, "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload TEXT)");
            Path log = dir.resolve("exit.log");
            Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), ExitMain.class.getName(), dir.resolve("exit.db").toString(),
                    nats.url())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the JVM did not exit: a marmot thread keeps it alive");
            assertEquals(0, p.exitValue(), Files.readString(log));
            assertTrue(Files.readString(log).contains("engine stopped"), Files.readString(log));
            Await.until(Duration.ofSeconds(20), "the write made just before exit",
                    () -> scalar(peer, "SELECT count(*) FROM events WHERE id = 42") == 1);
        }
    }

    @Test
    void connectionsPerRequestShareOneEngine() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"))) {
            io.marmot.engine.MarmotEngine first = null;
            for (int i = 0; i < 50; i++) {
                try (Connection c = Nodes.open(dir.resolve("a.db"), 1, nats.url())) {
                    exec(c, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (" + i + ")");
                }
                io.marmot.engine.MarmotEngine now = io.marmot.engine.Engines.running(dir.resolve("a.db").toRealPath());
                if (first == null) {
                    first = now;
                }
                assertTrue(first == now && !now.isClosed(), "closing a connection must not restart the engine");
            }
        }
    }
}
