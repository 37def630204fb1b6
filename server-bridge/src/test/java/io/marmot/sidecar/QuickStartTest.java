package io.marmot.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.marmot.testing.Await;
import io.marmot.testing.NatsServer;
import io.marmot.testing.Sqlite3;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Marmot's quick start, verbatim: two sidecars on one machine given only -nats-url, -node-id and -db-path (so
 * both want the default HTTP port), and a row the sqlite3 shell writes on one arrives on the other.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class QuickStartTest {
    private static final Pattern HTTP = Pattern.compile("HTTP endpoint on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    @Test
    void twoSidecarsWithOnlyMarmotsThreeFlagsShareTheMachineAndReplicate() throws Exception {
        Path db1 = dir.resolve("marmot-1.db");
        Path db2 = dir.resolve("marmot-2.db");
        Sqlite3.query(db1, Books.SCHEMA);
        Sqlite3.query(db2, Books.SCHEMA);
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                SidecarProcess one = SidecarProcess.start(dir.resolve("marmot-1.log"),
                        "-nats-url", nats.url(), "-node-id", "1", "-db-path", db1.toString());
                SidecarProcess two = SidecarProcess.start(dir.resolve("marmot-2.log"),
                        "-nats-url", nats.url(), "-node-id", "2", "-db-path", db2.toString())) {
            one.awaitReplicating();
            two.awaitReplicating();
            int port1 = httpPort(one);
            int port2 = httpPort(two);
            assertNotEquals(port1, port2, "each sidecar has its own HTTP port");
            for (int port : new int[] {port1, port2}) {
                Await.until(Duration.ofSeconds(10), "/health on " + port + " says up",
                        () -> HttpEndpointTest.get(port, "/health").statusCode() == 200);
            }

            Sqlite3.query(db1, "INSERT INTO Books (title, author, publication_year)"
                    + " VALUES ('Pride and Prejudice', 'Jane Austen', 1813);");
            Await.until(Duration.ofSeconds(15), "the row reaches marmot-2.db",
                    () -> Books.in(db2).equals("1|Pride and Prejudice|Jane Austen|1813"));

            assertEquals(Main.OK, one.stop(), one.log());
            assertEquals(Main.OK, two.stop(), two.log());
        }
    }

    private static int httpPort(SidecarProcess node) throws Exception {
        Matcher m = HTTP.matcher(node.log());
        if (!m.find()) {
            throw new AssertionError("no HTTP endpoint in the log:\n" + node.log());
        }
        return Integer.parseInt(m.group(1));
    }
}
