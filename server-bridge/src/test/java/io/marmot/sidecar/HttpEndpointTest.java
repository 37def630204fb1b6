package io.marmot.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.NatsServer;
import io.marmot.testing.Sqlite3;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** /health answers 200 when the node is connected and in sync, 503 when not; /metrics speaks Prometheus. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpEndpointTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    @Test
    void healthAndMetricsOfAConnectedNode() throws Exception {
        Path db = dir.resolve("h.db");
        Sqlite3.query(db, Books.SCHEMA);
        int port = freePort();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                SidecarProcess node = SidecarProcess.replicate(db, 7, nats.url(), "--http-port",
                        Integer.toString(port), "--change-feed", "shop.cdc")) {
            node.awaitReplicating();
            Await.until(Duration.ofSeconds(10), "/health says up", () -> get(port, "/health").statusCode() == 200);
            HttpResponse<String> health = get(port, "/health");
            assertEquals("application/json", health.headers().firstValue("Content-Type").orElse(""));
            assertTrue(health.body().contains("\"status\":\"up\"") && health.body().contains("\"ready\":true")
                    && health.body().contains("\"natsConnected\":true") && health.body().contains("\"outOfSync\":false")
                    && health.body().contains("\"nodeId\":7") && health.body().contains("\"lagMillis\":"), health.body());

            Sqlite3.query(db, "INSERT INTO Books VALUES (1, 'Middlemarch', 'George Eliot', 1871)");
            Await.until(Duration.ofSeconds(10), "the change is counted as published",
                    () -> metric(get(port, "/metrics").body(), "marmot_published_changes_total") == 1);
            HttpResponse<String> metrics = get(port, "/metrics");
            assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            for (String name : new String[] {"marmot_published_messages_total", "marmot_applied_messages_total",
                    "marmot_applied_changes_total", "marmot_stale_changes_total", "marmot_rejected_messages_total",
                    "marmot_parked_messages_total", "marmot_missed_messages_total", "marmot_pending_changes",
                    "marmot_lag_milliseconds", "marmot_out_of_sync", "marmot_nats_connected", "marmot_up"}) {
                assertTrue(metrics.body().contains("# TYPE " + name + " "), name + " in\n" + metrics.body());
                metric(metrics.body(), name);
            }
            assertEquals(1, metric(metrics.body(), "marmot_up"));
            Await.until(Duration.ofSeconds(10), "the only node emits the change feed",
                    () -> metric(get(port, "/metrics").body(), "marmot_change_feed_emitting") == 1);
            assertEquals(0, metric(get(port, "/metrics").body(), "marmot_change_feed_missing_messages_total"));

            for (String trouble : new String[] {"connection_drops", "slow_consumers", "heartbeat_alarms", "refused_pulls",
                    "servers_left"}) {
                assertEquals(0, metric(get(port, "/metrics").body(), "marmot_nats_" + trouble + "_total"), trouble);
            }
            nats.kill();
            nats.restart();
            Await.until(Duration.ofSeconds(30), "the node connected again, its connection's drop counted",
                    () -> metric(get(port, "/metrics").body(), "marmot_nats_connected") == 1
                            && metric(get(port, "/metrics").body(), "marmot_nats_connection_drops_total") == 1);

            assertEquals(404, get(port, "/nothing").statusCode());
            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
        }
    }

    @Test
    void healthIs503WhileNatsIsUnreachable() throws Exception {
        Path db = dir.resolve("u.db");
        Sqlite3.query(db, Books.SCHEMA);
        int port = freePort();
        int nowhere = freePort();
        try (SidecarProcess node = SidecarProcess.replicate(db, 8, "nats://127.0.0.1:" + nowhere, "--http-port",
                Integer.toString(port))) {
            node.awaitLog("marmot sidecar running", Duration.ofSeconds(30));
            HttpResponse<String> health = get(port, "/health");
            assertEquals(503, health.statusCode(), health.body());
            assertTrue(health.body().contains("\"status\":\"down\"") && health.body().contains("\"ready\":false")
                    && health.body().contains("\"natsConnected\":false")
                    && health.body().contains("\"problems\":[\"not connected to NATS"), health.body());
            assertEquals(0, metric(get(port, "/metrics").body(), "marmot_ready"));
            assertEquals(0, metric(get(port, "/metrics").body(), "marmot_nats_connected"));
            assertTrue(!get(port, "/metrics").body().contains("marmot_change_feed"), "no feed metrics without change-feed");
        }
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static long metric(String body, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{node=\"\\d+\"\\} (\\d+)$").matcher(body);
        if (!m.find()) {
            throw new AssertionError("no sample of " + name + " in\n" + body);
        }
        return Long.parseLong(m.group(1));
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
