package io.marmot.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import io.marmot.testing.Await;
import io.marmot.testing.NatsServer;
import io.marmot.testing.Sqlite3;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A sidecar node (sqlite3 shell writes) and a driver node (jdbc:marmot:sqlite: in this JVM) converge. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DriverInteropTest {
    @TempDir
    Path dir;

    @Test
    void sidecarAndDriverNodesConverge() throws Exception {
        Path sidecarDb = dir.resolve("sidecar.db");
        Path driverDb = dir.resolve("driver.db");
        Sqlite3.query(sidecarDb, Books.SCHEMA);
        Sqlite3.query(driverDb, Books.SCHEMA);
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                SidecarProcess sidecar = SidecarProcess.replicate(sidecarDb, 1, nats.url())) {
            sidecar.awaitReplicating();
            try (Connection c = DriverManager.getConnection("jdbc:marmot:sqlite:" + driverDb + "?node-id=2&nats-url="
                    + nats.url())) {
                Sqlite3.query(sidecarDb, "INSERT INTO Books VALUES (1, 'Walden', 'Henry David Thoreau', 1854)");
                Await.until(Duration.ofSeconds(15), "the shell's insert reaches the driver node",
                        () -> books(c).equals("1|Walden|Henry David Thoreau|1854"));

                try (Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO Books VALUES (2, 'Moby-Dick', 'Herman Melville', 1851)");
                    s.executeUpdate("UPDATE Books SET title = 'Walden; or, Life in the Woods' WHERE id = 1");
                }
                Await.until(Duration.ofSeconds(15), "the driver's writes reach the sidecar node",
                        () -> Books.in(sidecarDb).equals(books(c)));
                assertEquals("1|Walden; or, Life in the Woods|Henry David Thoreau|1854\n2|Moby-Dick|Herman Melville|1851",
                        Books.in(sidecarDb));

                Sqlite3.query(sidecarDb, "DELETE FROM Books WHERE id = 2");
                Await.until(Duration.ofSeconds(15), "the shell's delete reaches the driver node",
                        () -> books(c).equals("1|Walden; or, Life in the Woods|Henry David Thoreau|1854"));
            } finally {
                Marmot.close(driverDb);
            }
        }
    }

    private static String books(Connection c) throws Exception {
        StringBuilder b = new StringBuilder();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, title, author, publication_year FROM Books ORDER BY id")) {
            while (rs.next()) {
                if (b.length() > 0) {
                    b.append('\n');
                }
                b.append(rs.getLong(1)).append('|').append(rs.getString(2)).append('|').append(rs.getString(3))
                        .append('|').append(rs.getLong(4));
            }
        }
        return b.toString();
    }
}
