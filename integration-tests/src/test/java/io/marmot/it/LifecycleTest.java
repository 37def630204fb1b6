package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Engine threads never keep an application's JVM alive, and exiting flushes what was written. */
class LifecycleTest {
    @Test
    void theJvmExitsAndItsLastWriteArrives() throws Exception {
        Cluster.run(1, "", (cluster, peer) -> {
            peer.exec("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload TEXT)");
            Path log = cluster.dir().resolve("exit.log");
            Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), ExitMain.class.getName(), cluster.db("exit").toString(),
                    cluster.url())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the JVM did not exit: a marmot thread keeps it alive");
            } finally {
                if (p.isAlive()) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            assertEquals(0, p.exitValue(), Files.readString(log));
            assertTrue(Files.readString(log).contains("engine stopped"), Files.readString(log));
            Await.until(Duration.ofSeconds(20), "the write made just before exit",
                    () -> peer.scalar("SELECT count(*) FROM events WHERE id = 42") == 1);
        });
    }

    @Test
    void connectionsPerRequestShareOneEngine() throws Exception {
        Cluster.with(0).run(cluster -> {
            Path db = cluster.db("a");
            String url = cluster.urlOf("a", 1, "");
            MarmotEngine first = null;
            for (int i = 0; i < 50; i++) {
                try (Connection c = DriverManager.getConnection(url)) { // no connection stays open in between
                    Db.exec(c, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (" + i + ")");
                }
                MarmotEngine now = Marmot.engine(db).orElseThrow(() -> new AssertionError("no engine after a closed connection"));
                if (first == null) {
                    first = now;
                }
                assertTrue(first == now && !now.isClosed(), "closing a connection must not restart the engine");
            }
            assertEquals(50, Db.count(db, "SELECT count(*) FROM t"));
        });
    }
}
