package io.marmot.engine;

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
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What idle databases' feed watchdogs ask nats-server (issue 24, "idle means idle"): tenants of two replicas each,
 * every tenant its own stream, as {@code Benchmark --only 7} runs a thousand. Once the feeds are quiet the watchdogs
 * read their streams' ends from one listing the connection shares: over the idle interval (65 s, so that what each
 * database did once a minute is in it) a dozen stream listings, not a stream info request per database. The requests
 * are counted by a connection of the test's own. Old code: each database asked for its stream's info every 20 s, 200
 * requests per 20 s here; later, its snapshot schedule every minute. Afterwards the watchdogs still see what the
 * listing does not show: a tenant's lost stream makes both its replicas not ready. Key-value writes in the same
 * interval: the JVM's one liveness key renewed, no claim, schema fingerprint or digest written (old code: every
 * database renewed its own claim every 20 s, later its unchanged schema fingerprint every minute).
 */
class IdleStreamLooksTest {
    private static final int TENANTS = 100;
    private static final int DATABASES = 2 * TENANTS;
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(65);
    /** Opening, the feeds' first looks (2, 4, 8, 16 s apart), the start's first rounds, then an idle interval. */
    private static final Duration WITHIN = Duration.ofSeconds(240);
    /** A handful, whatever the number of databases: a database that is behind still asks its stream itself. */
    private static final int INFOS_AT_MOST = 10;
    /** A listing every 5 s at most, one page for these hundred streams. */
    private static final int LISTINGS_AT_MOST = 14;

    @TempDir
    Path dir;

    @Test
    void idleWatchdogsShareAStreamListingInsteadOfAskingEachStream() throws Exception {
        Path root = dir.toRealPath();
        Deque<Long> infos = new ConcurrentLinkedDeque<>();
        Deque<Long> listings = new ConcurrentLinkedDeque<>();
        Deque<Long> claimWrites = new ConcurrentLinkedDeque<>();
        Deque<Long> liveWrites = new ConcurrentLinkedDeque<>();
        AtomicInteger bound = new AtomicInteger();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                io.nats.client.Connection counter = Nats.connect(nats.url())) {
            Dispatcher d = counter.createDispatcher(m -> {
                String s = m.getSubject();
                if (s.startsWith("$JS.API.STREAM.INFO.t")) {
                    infos.add(System.nanoTime());
                } else if (s.equals("$JS.API.STREAM.LIST")) {
                    listings.add(System.nanoTime());
                } else if (s.startsWith("$JS.API.CONSUMER.CREATE.t")) {
                    bound.incrementAndGet();
                } else if (s.startsWith("$KV.t")) {
                    claimWrites.add(System.nanoTime()); // claims, schemas, digests: whatever a database writes
                } else if (s.startsWith("$KV.marmot-live.")) {
                    liveWrites.add(System.nanoTime());
                }
            });
            d.subscribe("$JS.API.>");
            d.subscribe("$KV.>");
            counter.flush(Duration.ofSeconds(5));

            ReplicatedTenants.openAll(TENANTS, (t, node) -> file(root, t, node), (t, node) -> url(t, node, nats.url()));
            Await.until(WITHIN, "every database reading its tenant's stream", () -> bound.get() >= DATABASES);
            long counting = System.nanoTime();

            int[] window = new int[4];
            // The first interval after the feeds are bound holds the start's own writes (schema fingerprints, first
            // digests): the test waits for an idle one, which the old code's once-a-minute rewrites never left.
            Await.until(WITHIN, "an idle interval in which " + DATABASES + " databases' watchdogs asked at most "
                    + INFOS_AT_MOST + " stream infos and the databases wrote no key-value entry", () -> {
                        long now = System.nanoTime();
                        window[0] = recent(infos, now);
                        window[1] = recent(listings, now);
                        window[2] = recent(claimWrites, now);
                        window[3] = recent(liveWrites, now);
                        return now - counting >= INTERVAL_NANOS && window[0] <= INFOS_AT_MOST && window[2] == 0;
                    });
            String seen = window[0] + " stream info(s), " + window[1] + " listing(s), " + window[2]
                    + " key-value write(s) of the tenants and " + window[3] + " of the JVM's liveness key in 65 s";
            assertTrue(window[1] >= 1, "the watchdogs still looked, through the listing: " + seen);
            assertTrue(window[1] <= LISTINGS_AT_MOST, "one listing for every database of the connection: " + seen);
            assertTrue(window[3] >= 3 && window[3] <= 7, "the JVM's liveness key renewed for them all: " + seen);

            for (int node = 1; node <= 2; node++) {
                Path replica = file(root, 0, node);
                Await.until(WITHIN, "node " + node + " of tenant 0 ready before its stream is lost",
                        () -> Marmot.engine(replica).orElseThrow().health().ready());
            }
            String lost = counter.jetStreamManagement().getStreamNames().stream()
                    .filter(n -> n.startsWith("t0-")).findFirst().orElseThrow();
            counter.jetStreamManagement().deleteStream(lost);
            for (int node = 1; node <= 2; node++) {
                Path replica = file(root, 0, node);
                Await.until(WITHIN, "node " + node + " of tenant 0 not ready once its stream " + lost + " is lost",
                        () -> !Marmot.engine(replica).orElseThrow().health().ready());
            }
        } finally {
            Marmot.closeAll();
        }
    }

    /** Requests in the last idle interval; older ones are dropped. */
    private static int recent(Deque<Long> times, long now) {
        while (!times.isEmpty() && now - times.peekFirst() > INTERVAL_NANOS) {
            times.pollFirst();
        }
        return times.size();
    }

    private static Path file(Path root, int tenant, int node) {
        return root.resolve("tenant-" + tenant + "-" + node + ".db");
    }

    /** Each tenant its own streams and subjects, as with a database per tenant. */
    private static String url(int tenant, int node, String natsUrl) {
        return "node-id=" + node + "&nats-url=" + natsUrl + "&stream-prefix=t" + tenant + "&subject-prefix=t" + tenant
                + "&max-log-bytes=" + (8 << 20);
    }
}
