package io.marmot.sidecar;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.marmot.engine.Health;
import io.marmot.engine.MarmotEngine;
import io.marmot.replication.ReplicationStats;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /health} (JSON; 200 when the engine runs, is connected to NATS and in sync, else 503) and
 * {@code /metrics} (Prometheus text format) from the engine's counters. Bound before the engine starts, so
 * a monitor sees "not ready" rather than a refused connection while the engine comes up.
 */
final class HttpEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<MarmotEngine> engine;
    private final Supplier<String> restoring;

    private HttpEndpoint(HttpServer server, ExecutorService executor, Supplier<MarmotEngine> engine,
            Supplier<String> restoring) {
        this.server = server;
        this.executor = executor;
        this.engine = engine;
        this.restoring = restoring;
    }

    /** Listens on {@code bind} and a port chosen by {@code port}; {@code engine} gives null until the engine has started. */
    static HttpEndpoint start(String bind, HttpPort port, Supplier<MarmotEngine> engine) throws IOException {
        return start(bind, port, engine, () -> null);
    }

    /** As above; {@code restoring} says what the restore of a snapshot is doing before the engine starts, else null. */
    static HttpEndpoint start(String bind, HttpPort port, Supplier<MarmotEngine> engine, Supplier<String> restoring)
            throws IOException {
        HttpServer server = HttpBinding.bind(bind, port);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "marmot-http");
            t.setDaemon(true);
            return t;
        });
        HttpEndpoint endpoint = new HttpEndpoint(server, executor, engine, restoring);
        server.setExecutor(executor);
        server.createContext("/health", endpoint::health);
        server.createContext("/metrics", endpoint::metrics);
        server.createContext("/", ex -> endpoint.respond(ex, 404, "text/plain; charset=utf-8",
                "not found: try /health or /metrics\n"));
        server.start();
        log.info("HTTP endpoint on http://{}:{}/ (/health, /metrics)", bind, endpoint.port());
        return endpoint;
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void health(HttpExchange ex) throws IOException {
        if (!readOnly(ex) || !exact(ex, "/health")) {
            return;
        }
        MarmotEngine e = engine.get();
        boolean running = e != null && !e.isClosed();
        ReplicationStats s = running ? e.stats() : null;
        String restore = running ? null : restoring.get();
        Health health = running ? e.health() : new Health(false, List.of(restore != null ? "restoring a snapshot: "
                + restore : "the engine is not running"));
        boolean connected = running && e.natsConnected();
        boolean outOfSync = s != null && s.outOfSync();
        StringBuilder b = new StringBuilder(256);
        b.append("{\"status\":\"").append(restore != null ? "restoring" : health.ready() ? "up" : "down").append('"');
        b.append(",\"ready\":").append(health.ready());
        if (running) {
            b.append(",\"nodeId\":").append(e.nodeId());
            b.append(",\"database\":");
            Json.string(b, e.database().toString());
            b.append(",\"natsUrl\":");
            Json.string(b, e.natsUrl());
        }
        b.append(",\"natsConnected\":").append(connected);
        b.append(",\"lagMillis\":").append(s == null ? 0 : s.lastLagMillis());
        b.append(",\"pendingChanges\":").append(s == null ? 0 : s.pendingChanges());
        b.append(",\"outOfSync\":").append(outOfSync);
        b.append(",\"missedMessages\":").append(s == null ? 0 : s.missedMessages());
        b.append(",\"backlogMessages\":").append(s == null ? 0 : s.backlogMessages());
        b.append(",\"behindMessages\":").append(s == null ? 0 : s.behindMessages());
        b.append(",\"applyFailures\":").append(s == null ? 0 : s.applyFailures());
        b.append(",\"schemaAgrees\":").append(s == null || s.schemaAgrees());
        b.append(",\"lastVerifiedMillis\":").append(s == null ? 0 : s.lastVerifiedMillis());
        b.append(",\"rowsFoundDifferent\":").append(s == null ? 0 : s.rowsFoundDifferent());
        b.append(",\"rowsRepaired\":").append(s == null ? 0 : s.rowsRepaired());
        b.append(",\"rowsSettled\":").append(s == null ? 0 : s.rowsSettled());
        b.append(",\"peers\":{");
        if (s != null) {
            int i = 0;
            for (Map.Entry<Long, Boolean> p : s.peerAgreement().entrySet()) {
                b.append(i++ > 0 ? "," : "").append('"').append(p.getKey()).append("\":\"")
                        .append(p.getValue() ? "agrees" : "differs").append('"');
            }
        }
        b.append('}');
        b.append(",\"schemaFingerprint\":");
        Json.string(b, s == null ? "" : s.schemaFingerprint());
        b.append(",\"problems\":[");
        for (int i = 0; i < health.problems().size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            Json.string(b, health.problems().get(i));
        }
        b.append("]}\n");
        respond(ex, health.ready() ? 200 : 503, "application/json", b.toString());
    }

    private void metrics(HttpExchange ex) throws IOException {
        if (!readOnly(ex) || !exact(ex, "/metrics")) {
            return;
        }
        MarmotEngine e = engine.get();
        String text = MetricsText.of(e != null && !e.isClosed() ? e : null);
        respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", text);
    }

    private boolean readOnly(HttpExchange ex) throws IOException {
        String m = ex.getRequestMethod();
        if (m.equals("GET") || m.equals("HEAD")) {
            return true;
        }
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
        return false;
    }

    private boolean exact(HttpExchange ex, String path) throws IOException {
        if (ex.getRequestURI().getPath().equals(path)) {
            return true;
        }
        respond(ex, 404, "text/plain; charset=utf-8", "not found: try /health or /metrics\n");
        return false;
    }

    private void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            if (!head) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
