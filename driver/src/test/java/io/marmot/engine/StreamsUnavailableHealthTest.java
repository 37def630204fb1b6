package io.marmot.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connected to NATS is not enough to be ready: a node whose change streams cannot be created (here the server's
 * JetStream storage is smaller than what the stream reserves) publishes and applies nothing, and must say so until
 * the streams exist; then it is ready again and its rows flow.
 */
class StreamsUnavailableHealthTest {
    @TempDir
    Path dir;

    @Test
    void aNodeThatCannotSetUpItsStreamsIsNotReadyUntilItCan() throws Exception {
        Path conf = Files.writeString(dir.resolve("small.conf"), "jetstream {\n  max_file_store: 4MB\n}\n");
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"), "-c", conf.toString());
                Connection a = Db.node(dir.resolve("a.db"), 1, nats.url())) {
            Db.exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'one')");
            MarmotEngine engine = Marmot.engine(dir.resolve("a.db")).orElseThrow();
            Health h = Await.value(Duration.ofSeconds(20), "node a not ready while its streams cannot be created",
                    engine::health, x -> !x.ready());
            assertTrue(engine.natsConnected(), "connected all along: " + h.problems());
            assertTrue(h.problems().stream().anyMatch(p -> p.contains("setting up the change streams")),
                    "the problem is named: " + h.problems());

            // Another node creates the streams small enough for this server: node a uses them as they are.
            try (Connection b = Db.node(dir.resolve("b.db"), "node-id=2&nats-url=" + nats.url()
                    + "&poll-interval=50&max-log-bytes=1000000")) {
                Await.until(Duration.ofSeconds(30), "node a's row on node b",
                        () -> Db.count(dir.resolve("b.db"), "SELECT count(*) FROM t") == 1);
                Await.until(Duration.ofSeconds(30), "node a ready once its streams exist", () -> engine.health().ready());
                assertFalse(engine.stats().lastSetUpError().length() > 0, "set-up no longer failing");
                assertEquals(Db.dump(dir.resolve("a.db")), Db.dump(dir.resolve("b.db")), "both nodes equal");
            }
        }
    }
}
