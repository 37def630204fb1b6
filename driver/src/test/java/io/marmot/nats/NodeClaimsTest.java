package io.marmot.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.NatsCluster;
import io.marmot.testing.NatsServer;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The claim on a node id, on a three-server cluster (R3 bucket, reads answered by any replica) under write load: a
 * replica that lags answers a read right after the write with the previous revision. The claim must still never be
 * reported in use by another node, and the clock sample never taken from such a stale entry (the servers share this
 * machine's clock, so a right sample lies between the local readings around the write). And a claim whose JVM's
 * liveness key lapsed is taken over by another database, which the first learns at its next look.
 */
class NodeClaimsTest {
    private static final int CYCLES = 400;

    @TempDir
    Path dir;

    @Test
    void claimsUnderLoadOnThreeReplicasNeverReadTheirOwnPreviousRevision() throws Exception {
        try (NatsCluster cluster = NatsCluster.start(dir)) {
            Options options = new Options.Builder().servers(cluster.urls().split(",")).build();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong loadWrites = new AtomicLong();
            List<Thread> load = new ArrayList<>();
            List<Connection> connections = new ArrayList<>();
            try (Connection nc = Nats.connect(options)) {
                NodeClaims claims = new NodeClaims(7, "instance-of-7", "stale", NatsCluster.SIZE, "seven.db");
                Await.until(Duration.ofSeconds(30), "the R3 bucket exists", () -> {
                    try {
                        return claims.claim(nc);
                    } catch (Exception e) {
                        return false; // the cluster is still electing its meta leader
                    }
                });
                for (int i = 0; i < NatsCluster.SIZE; i++) {
                    Connection c = Nats.connect(new Options.Builder().server(cluster.server(i).url()).build());
                    connections.add(c);
                    KeyValue kv = c.keyValue("stale-claims");
                    String key = "load-" + i;
                    byte[] value = new byte[4096];
                    Thread t = new Thread(() -> {
                        while (!stop.get()) {
                            try {
                                kv.put(key + "-" + ThreadLocalRandom.current().nextInt(50), value);
                                loadWrites.incrementAndGet();
                            } catch (Exception e) {
                                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                            }
                        }
                    });
                    t.start();
                    load.add(t);
                }
                int conflicts = 0;
                int staleSamples = 0;
                int unsampled = 0;
                List<String> seen = new ArrayList<>();
                // Half the cycles alternate with a second claimant of the same database (a restart while the old
                // claim lives): each finds the entry changed since its own write, so it reads, as a restart does.
                NodeClaims restarted = new NodeClaims(7, "instance-of-7", "stale", NatsCluster.SIZE, "seven.db");
                for (int i = 0; i < CYCLES; i++) {
                    NodeClaims claimant = i >= CYCLES / 2 && i % 2 == 1 ? restarted : claims;
                    long before = System.currentTimeMillis();
                    boolean holds = claimant.claim(nc);
                    long after = System.currentTimeMillis();
                    if (!holds) {
                        conflicts++;
                        seen.add(claimant.conflict());
                    }
                    NodeClaims.Write w = claimant.lastWrite();
                    if (holds && w == null) {
                        unsampled++;
                    } else if (holds && (w.serverMillis() < w.before() - 1 || w.serverMillis() > w.after() + 1
                            || w.before() < before || w.after() > after)) {
                        staleSamples++;
                        seen.add("sample " + w + " outside [" + before + ", " + after + "]");
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // paces the cycles, waits for nothing
                }
                System.out.println("claims: " + CYCLES + " cycles, " + conflicts + " false conflicts, " + staleSamples
                        + " stale samples, " + unsampled + " without a sample, " + loadWrites.get() + " load writes; " + seen.stream().limit(5).toList());
                assertEquals(0, conflicts, "never reported in use by another node: " + seen);
                assertEquals(0, staleSamples, "never sampled from a stale entry: " + seen);
                assertTrue(unsampled < CYCLES / 10, "the clock is measured nearly every time: " + unsampled + " missed");
                assertTrue(loadWrites.get() > CYCLES, "the bucket was under load: " + loadWrites.get());
            } finally {
                stop.set(true);
                for (Thread t : load) {
                    t.join(10_000);
                }
                for (Connection c : connections) {
                    c.close();
                }
            }
        }
    }

    /**
     * Two databases with one node id, each in its own JVM (its own liveness key): the second is refused while the
     * first's key lives, takes the id over once it lapsed (deleted here, as its expiry would), and the first, whose
     * renewal finds its key gone, claims again and is refused in turn. Old code: claims were renewed one by one and
     * expired by themselves (no liveness key to lapse).
     */
    @Test
    void anIdWhoseHolderLapsedIsTakenOverAndTheFormerHolderStops() throws Exception {
        try (NatsServer nats = NatsServer.start(dir.resolve("nats")); Connection nc = Nats.connect(nats.url())) {
            NodeClaims first = new NodeClaims(9, "instance-one", "lapse", 1, "one.db");
            NodeClaims second = new NodeClaims(9, "instance-two", "lapse", 1, "two.db");
            assertTrue(first.claim(nc));
            assertTrue(first.renew(nc), "renewed");
            assertFalse(second.claim(nc), "refused while the first one's holder lives");
            assertTrue(second.conflict().contains("one.db"), second.conflict());

            String claim = nc.keyValue("lapse-claims").get("node-9").getValueAsString();
            assertTrue(claim.startsWith("instance-one "), claim);
            KeyValue live = nc.keyValue(ClaimHolder.BUCKET);
            assertEquals(2, live.keys().size(), "each JVM's liveness key: " + live.keys());
            live.delete("live-" + claim.split(" ")[1]);
            assertTrue(second.claim(nc), "taken over: " + second.conflict());
            Await.until(Duration.ofSeconds(30), "the first one's look finds its key lapsed and its id taken",
                    () -> !first.renew(nc));
            assertTrue(first.conflict().contains("two.db"), first.conflict());
            assertTrue(second.renew(nc), "the second keeps it: " + second.conflict());
            assertFalse(first.claim(nc), "while the second one's holder lives");
        }
    }
}
