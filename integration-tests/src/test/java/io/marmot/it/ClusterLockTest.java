package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import io.marmot.engine.ClusterLock;
import io.marmot.testing.Await;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueEntry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code Marmot.clusterLock} when NATS answers late: a write that went through but whose answer was lost. */
class ClusterLockTest {
    private static final String KEY = "lock-lost-answers";

    @Test
    void aRenewalWhoseAnswerWasLostKeepsTheLockAndItIsReleasedAtOnce() throws Exception {
        Cluster.run(2, "", (cluster, a, b) -> {
            try (io.nats.client.Connection nc = Nats.connect(cluster.url())) {
                KeyValue kv;
                try (ClusterLock lock = Marmot.clusterLock(a.path(), "lost-answers", Duration.ofSeconds(10))) {
                    kv = nc.keyValue("marmot-changes-locks");
                    KeyValueEntry held = kv.get(KEY);
                    // What a renewal leaves when the server stored it but its answer timed out (a loaded machine): the
                    // same value at a revision the holder does not know.
                    long written = kv.put(KEY, held.getValue());
                    Await.until(Duration.ofSeconds(15), "a renewed the lock from the revision it has now",
                            () -> kv.get(KEY).getRevision() > written);
                    assertArrayEquals(held.getValue(), kv.get(KEY).getValue(), "still a's");
                }
                // released at once (not lapsing after its 15 s lease): b takes it within a short wait
                try (ClusterLock taken = Marmot.clusterLock(b.path(), "lost-answers", Duration.ofSeconds(3))) {
                    assertEquals("lost-answers", taken.name());
                }
            }
        });
    }
}
