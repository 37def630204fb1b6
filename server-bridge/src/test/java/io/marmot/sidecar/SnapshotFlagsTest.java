package io.marmot.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.NatsServer;
import io.marmot.testing.Sqlite3;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --save-snapshot} takes one and exits 0, {@code --list-snapshots} shows it, and a sidecar started on a
 * missing database restores it before it reports ready, under an id of its own.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SnapshotFlagsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    @Test
    void saveListAndRestoreThroughTheSidecar() throws Exception {
        Path source = dir.resolve("source.db");
        Sqlite3.query(source, Books.SCHEMA);
        Sqlite3.query(source, "INSERT INTO Books VALUES (1, 'Middlemarch', 'George Eliot', 1871);"
                + " INSERT INTO Books VALUES (2, 'Persuasion', 'Jane Austen', 1817)");
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                SidecarProcess node = SidecarProcess.replicate(source, 1, nats.url())) {
            node.awaitReplicating();
            // the copy records the stream positions the node has read: wait until it read back its own rows
            Await.until(Duration.ofSeconds(20), "the node's position past its own messages",
                    () -> !Sqlite3.query(source, "SELECT count(*) FROM __marmot_received WHERE seq > 0").trim().equals("0"));
            SidecarProcess save = SidecarProcess.start(dir.resolve("save.log"), "--db-path", source.toString(),
                    "--nats-url", nats.url(), "--save-snapshot");
            assertEquals(0, save.awaitExit(), save.log());
            assertTrue(save.log().contains("snapshot stored: snapshot-"), save.log());

            SidecarProcess list = SidecarProcess.start(dir.resolve("list.log"), "--nats-url", nats.url(),
                    "--list-snapshots");
            assertEquals(0, list.awaitExit(), list.log());
            assertTrue(list.log().matches("(?s).*snapshot-\\S+  \\d+ bytes, 2 rows, from node 1, taken .* s ago\\),"
                    + " positions marmot-changes-1-1@\\d+.*"), list.log());

            Path joining = dir.resolve("joining.db");
            int port = HttpEndpointTest.freePort();
            try (SidecarProcess joiner = SidecarProcess.start(dir.resolve("joining.log"), "--db-path", joining.toString(),
                    "--nats-url", nats.url(), "--http-port", Integer.toString(port))) {
                joiner.awaitReplicating();
                assertTrue(joiner.log().contains("restored from snapshot"), joiner.log());
                assertEquals("2", Sqlite3.query(joining, "SELECT count(*) FROM Books").trim());
                Await.until(Duration.ofSeconds(10), "the restored node reports up", () -> get(port).statusCode() == 200);
                String health = get(port).body();
                assertTrue(!health.contains("\"nodeId\":1,"), "a fresh id, not the source's: " + health);
                assertTrue(get(port, "/metrics").body().contains("marmot_restore_rows{"), "restore figures on /metrics");
                assertTrue(Files.notExists(dir.resolve("joining.db.marmot-restore")));
            }
        }
    }

    private static HttpResponse<String> get(int port) throws Exception {
        return get(port, "/health");
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
