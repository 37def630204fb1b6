package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Nodes authenticate to a protected server, and the secret never reaches a log line. */
class NatsCredentialsTest {
    private static final String PASSWORD = "s3cret-Pa55word";
    private static final String TOKEN = "t0ken-never-logged";

    @Test
    void userAndPasswordInTheUrlOrAsParameters() throws Exception {
        Cluster.with(1).server("--user", "alice", "--pass", PASSWORD).params("nats-user=alice&nats-password=" + PASSWORD)
                .run((cluster, a) -> {
                    String inUrl = "nats://alice:" + PASSWORD + "@127.0.0.1:" + cluster.nats().port();
                    NodeProcess b = new NodeProcess(java.util.List.of(), cluster.db("b"), 2, inUrl, cluster.dir().resolve("b.log"));
                    try {
                        a.exec("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload TEXT)");
                        b.send("write 1 5");
                        b.expect(l -> l.equals("done"), 30);
                        Await.until(Duration.ofSeconds(20), "rows from the authenticated peer",
                                () -> a.scalar("SELECT count(*) FROM events") == 5);
                    } finally {
                        b.close();
                    }
                    String log = Files.readString(cluster.dir().resolve("b.log"));
                    assertTrue(log.contains("NATS connected"), log);
                    assertFalse(log.contains(PASSWORD), "the password appears in the node's log:\n" + log);
                });
    }

    @Test
    void tokenAuthentication() throws Exception {
        Cluster.with(2).server("--auth", TOKEN).params("nats-token=" + TOKEN).run((cluster, a, b) -> {
            a.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)");
            b.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)");
            a.exec("INSERT INTO t VALUES (1)");
            Await.until(Duration.ofSeconds(20), "row through a token-protected server", () -> b.scalar("SELECT count(*) FROM t") == 1);
            assertFalse(a.engine().config().toString().contains(TOKEN));
        });
    }
}
