package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static io.marmot.it.Nodes.scalar;

import io.marmot.Marmot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nats-server comes back with an empty store (wiped, replaced): nodes recreate the streams and go on replicating. */
class NatsStoreLostTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void replicationResumesOnAFreshServer() throws Exception {
        Path store = dir.resolve("nats");
        TestNats nats = TestNats.start(store);
        int port = nats.port();
        try (Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url());
                Connection b = Nodes.open(dir.resolve("b.db"), 2, nats.url())) {
            exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
            exec(b, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
            for (int i = 1; i <= 50; i++) {
                exec(a, "INSERT INTO t VALUES (" + i + ")"); // 50 messages: b's position is well past 1
            }
            Await.until(Duration.ofSeconds(20), "first rows on b", () -> scalar(b, "SELECT count(*) FROM t") == 50);

            nats.close();
            try (Stream<Path> files = Files.walk(store)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            nats = TestNats.start(store, port);

            exec(a, "INSERT INTO t VALUES (51)");
            exec(b, "INSERT INTO t VALUES (52)");
            Await.until(Duration.ofSeconds(30), "new rows on both nodes", () -> scalar(b, "SELECT count(*) FROM t") == 52
                    && scalar(a, "SELECT count(*) FROM t") == 52);
        } finally {
            nats.close();
        }
    }
}
