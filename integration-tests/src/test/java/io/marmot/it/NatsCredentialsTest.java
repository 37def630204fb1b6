package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static io.marmot.it.Nodes.scalar;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes authenticate to a protected server, and the secret never reaches a log line. */
class NatsCredentialsTest {
    private static final String PASSWORD = "s3cret-Pa55word";
    private static final String TOKEN = "t0ken-never-logged";

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void userAndPasswordInTheUrlOrAsParameters() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"), null, "--user", "alice", "--pass", PASSWORD)) {
            String inUrl = "nats://alice:" + PASSWORD + "@127.0.0.1:" + nats.port();
            try (Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url(), "nats-user=alice", "nats-password=" + PASSWORD);
                    NodeProcess b = new NodeProcess(dir.resolve("b.db"), 2, inUrl, dir.resolve("b.log"))) {
                exec(a, "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload TEXT)");
                b.send("write 1 5");
                b.expect(l -> l.equals("done"), 30);
                Await.until(Duration.ofSeconds(20), "rows from the authenticated peer", () -> scalar(a, "SELECT count(*) FROM events") == 5);
            }
            String log = Files.readString(dir.resolve("b.log"));
            assertTrue(log.contains("NATS connected"), log);
            assertFalse(log.contains(PASSWORD), "the password appears in the node's log:\n" + log);
        }
    }

    @Test
    void tokenAuthentication() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"), null, "--auth", TOKEN);
                Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url(), "nats-token=" + TOKEN);
                Connection b = Nodes.open(dir.resolve("b.db"), 2, nats.url(), "nats-token=" + TOKEN)) {
            exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
            exec(b, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
            exec(a, "INSERT INTO t VALUES (1)");
            Await.until(Duration.ofSeconds(20), "row through a token-protected server", () -> scalar(b, "SELECT count(*) FROM t") == 1);
            assertFalse(io.marmot.engine.Engines.running(dir.resolve("a.db").toRealPath()).config().toString().contains(TOKEN));
        }
    }
}
