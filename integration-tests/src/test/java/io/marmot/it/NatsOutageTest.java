package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static io.marmot.it.Nodes.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nats-server stops while a node writes; local writes go on, and everything arrives once it is back. */
class NatsOutageTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void writesDuringAnOutageArriveAfterIt() throws Exception {
        TestNats nats = TestNats.start(dir.resolve("nats"));
        int port = nats.port();
        try (Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url());
                Connection b = Nodes.open(dir.resolve("b.db"), 2, nats.url())) {
            exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            exec(b, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            try (PreparedStatement ins = a.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                for (int i = 1; i <= 200; i++) {
                    insert(ins, i);
                }
                Await.until(Duration.ofSeconds(20), "first rows on b", () -> scalar(b, "SELECT count(*) FROM t") == 200);

                nats.close();
                long started = System.nanoTime();
                for (int i = 201; i <= 2200; i++) {
                    insert(ins, i); // NATS is down: the commit must still return at local speed
                }
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertEquals(2200, scalar(a, "SELECT count(*) FROM t"));
                assertEquals(200, scalar(b, "SELECT count(*) FROM t"), "nothing can arrive while NATS is down");
                org.junit.jupiter.api.Assertions.assertTrue(millis < 30_000, "2000 local commits took " + millis + " ms");

                nats = TestNats.start(dir.resolve("nats"), port);
                for (int i = 2201; i <= 2300; i++) {
                    insert(ins, i);
                }
                Await.until(Duration.ofSeconds(30), "every row on b after the outage",
                        () -> scalar(b, "SELECT count(*) FROM t") == 2300);
            }
        } finally {
            nats.close();
        }
    }

    private static void insert(PreparedStatement ins, int i) throws Exception {
        ins.setInt(1, i);
        ins.setString(2, "row " + i);
        ins.executeUpdate();
    }
}
