package io.marmot.it;

import static io.marmot.testing.Db.count;
import static io.marmot.testing.Db.exec;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.testing.Await;
import io.marmot.testing.NatsServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With no nats-url a node starts its own nats-server, and a second node joins it through the same port. */
class EmbeddedNatsTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void nodesWithoutUrlShareAnEmbeddedServer() throws Exception {
        int port = freePort();
        try (Connection a = DriverManager.getConnection("jdbc:marmot:sqlite:" + dir.resolve("a.db") + "?node-id=1&nats-port=" + port);
                Connection b = DriverManager.getConnection("jdbc:marmot:sqlite:" + dir.resolve("b.db") + "?node-id=2&nats-port=" + port)) {
            exec(a, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)");
            exec(b, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)");
            exec(a, "INSERT INTO t VALUES (1)");
            Await.until(Duration.ofSeconds(20), "row on b", () -> count(b, "SELECT count(*) FROM t") == 1);
            assertTrue(Files.isDirectory(dir.resolve("a.db-nats")), "the JetStream store lives beside the first database");
        }
        Marmot.closeAll();
        Await.until(Duration.ofSeconds(10), "embedded server stopped with its last node", () -> {
            try (ServerSocket s = new ServerSocket(port)) {
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    @Test
    void aMissingBinarySaysHowToInstallIt() {
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection("jdbc:marmot:sqlite:"
                + dir.resolve("c.db") + "?nats-port=" + freePort() + "&nats-server-path=" + dir.resolve("no-such-nats-server")));
        assertTrue(e.getMessage().contains("nats-server-path"), e.getMessage());
        assertTrue(e.getMessage().contains("nats-url"), "says how to do without it: " + e.getMessage());
    }

    private static int freePort() throws java.io.IOException {
        return NatsServer.freePort();
    }
}
