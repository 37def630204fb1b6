package io.marmot.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What opening many replicated databases asks nats-server (issue 24, "open fast"): tenants of two replicas each, every
 * tenant its own streams and buckets, opened from several threads at once, as {@code Benchmark --only 7} does with a
 * thousand. The requests are counted by a connection of the test's own that hears every JetStream API request and
 * key-value write, from before the first open until every database reads its stream. Old code: every database asked
 * for its claims' bucket twice (its status, then the bucket) though its tenant's other replica had just opened it, read
 * its claim before creating it, asked for its stream's info in its set-up and again in its start's catch-up, and
 * deleted a durable consumer of an earlier version that a new database never had.
 */
class OpeningRequestsTest {
    private static final int TENANTS = 6;
    private static final int DATABASES = 2 * TENANTS;
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void openingDatabasesSharesTheirTenantsLooksAndAsksNothingTwice() throws Exception {
        Path root = dir.toRealPath();
        Map<String, Integer> counts = new TreeMap<>();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                io.nats.client.Connection counter = Nats.connect(nats.url())) {
            Dispatcher d = counter.createDispatcher(m -> {
                String kind = kind(m.getSubject());
                if (kind != null) {
                    synchronized (counts) {
                        counts.merge(kind, 1, Integer::sum);
                    }
                }
            });
            d.subscribe("$JS.API.>");
            d.subscribe("$KV.>");
            counter.flush(Duration.ofSeconds(5));

            ReplicatedTenants.openAll(TENANTS, (t, node) -> root.resolve("tenant-" + t + "-" + node + ".db"),
                    (t, node) -> "node-id=" + node + "&nats-url=" + nats.url() + "&stream-prefix=t" + t
                            + "&subject-prefix=t" + t);
            Await.until(WITHIN, "every database reading its tenant's stream", () -> {
                synchronized (counts) {
                    return counts.getOrDefault("consumer.create:changes", 0) >= DATABASES;
                }
            });
            counter.flush(Duration.ofSeconds(5));
            d.unsubscribe("$JS.API.>");
            d.unsubscribe("$KV.>");
            counter.flush(Duration.ofSeconds(5));
        } finally {
            Marmot.closeAll();
        }
        Map<String, Integer> seen;
        synchronized (counts) {
            seen = new TreeMap<>(counts);
        }
        String all = "requests while opening " + DATABASES + " databases: " + seen;
        // Each tenant's claims bucket opened once on the shared connection: its status, then the bucket (old: per
        // database).
        assertTrue(seen.getOrDefault("stream.info:claims", 0) <= 2 * TENANTS, all);
        // A new node's claim: created, then read back for the clock (old: read first as well).
        assertTrue(seen.getOrDefault("direct.get:claims", 0) <= DATABASES, all);
        // The JVM's liveness key, which the claims name: once for all of them.
        assertTrue(seen.getOrDefault("kv.put:live", 0) <= 1, all);
        // Set-up and start catch-up share one look; the feed's binding and the client's stream context ask again (36
        // here, every run on a quiet machine; old: a fourth per database, 48). The slack of one per tenant is for a
        // feed bound again on a loaded machine before the window closes (39 seen once at load 9-14).
        assertTrue(seen.getOrDefault("stream.info:changes", 0) <= 3 * DATABASES + TENANTS, all);
        // No database here ever ran an earlier version's durable consumer.
        assertEquals(0, seen.getOrDefault("consumer.delete:changes", 0), all);
    }

    /** {@code stream.info:changes}, {@code direct.get:claims}, {@code kv.put:schemas} …, the tenant left out. */
    private static String kind(String subject) {
        String[] t = subject.split("\\.");
        if (subject.startsWith("$KV.")) {
            return "kv.put:" + role(t[1]);
        }
        if (t.length < 5) {
            return t.length == 4 ? t[2].toLowerCase() + "." + t[3].toLowerCase() : null;
        }
        if (t[2].equals("DIRECT")) {
            return "direct.get:" + role(t[4]);
        }
        if (t[2].equals("CONSUMER") && t[3].equals("MSG")) {
            return t.length > 5 ? "consumer.msg.next:" + role(t[5]) : null;
        }
        return t[2].toLowerCase() + "." + t[3].toLowerCase() + ":" + role(t[4]);
    }

    /** {@code KV_t3-claims} is "claims", {@code t3-1-1} (a change stream) "changes". */
    private static String role(String name) {
        String n = name.startsWith("KV_") || name.startsWith("OBJ_") ? name.substring(name.indexOf('_') + 1) : name;
        return n.matches(".*-\\d+-\\d+$") ? "changes" : n.substring(n.lastIndexOf('-') + 1);
    }
}
