package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.replication.ReplicationStats;
import io.marmot.testing.Await;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A node's digest is written when it changes, or once in a quiet period, so it outlives a crash of its node by up to
 * half an hour. A crashed node's last digest that differs at the same stream positions is no divergence (no peer to
 * agree with, nor to repair from): its claim names a holder whose liveness key lapsed. A running node's is one.
 */
class CrashedPeerDigestTest {
    @Test
    void aCrashedNodesDifferingDigestRaisesNoAlarmARunningNodesDoes() throws Exception {
        Cluster.run(1, "verify-interval=1", (cluster, a) -> {
            a.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            for (int i = 1; i <= 20; i++) {
                a.exec("INSERT INTO t VALUES (" + i + ", 'row " + i + "')");
            }
            try (Connection nc = Nats.connect(cluster.url())) {
                AtomicReference<String> mine = new AtomicReference<>();
                Await.until(Duration.ofSeconds(30), "a published a settled digest of its 20 rows", () -> {
                    KeyValueEntry e;
                    try {
                        e = nc.keyValue("marmot-changes-digests").get("node-" + a.id());
                    } catch (IOException | JetStreamApiException noBucketYet) {
                        return false;
                    }
                    String text = e == null || e.getValue() == null ? "" : e.getValueAsString();
                    mine.set(text);
                    return text.split("\n")[0].endsWith(" 1") && text.contains("\ntable t 20 ");
                });
                KeyValue digests = nc.keyValue("marmot-changes-digests");
                // Two copies of a's digest at a's positions, each with another hash for t: the same messages applied,
                // other rows.
                digests.put("node-999", otherRows(mine.get(), a.id(), 999));
                digests.put("node-998", otherRows(mine.get(), a.id(), 998));
                // Node 999 crashed: its claim's holder has no liveness key. Node 998 runs in another JVM.
                KeyValue claims = nc.keyValue("marmot-changes-claims");
                claims.put("node-999", "instance-999 holder-999 elsewhere:/n999.db");
                claims.put("node-998", "instance-998 holder-998 elsewhere:/n998.db");
                nc.keyValue("marmot-live").put("live-holder-998", "alive");
                // a's data did not change since all agreed: a peer that found a difference sends such a note
                nc.publish("marmot-changes-repair." + a.id(), new byte[0]);
                nc.flush(Duration.ofSeconds(5));
            }
            // A difference counts once seen in two rounds in a row.
            Await.until(Duration.ofSeconds(60), "a reports the running node's other rows",
                    () -> a.engine().stats().divergences().stream().anyMatch(d -> d.contains("node 998")));
            ReplicationStats s = a.engine().stats();
            assertEquals(1, s.peersDiffering(), "only the running node differs: " + s.divergences());
            assertEquals(Boolean.FALSE, s.peerAgreement().get(998L));
            assertFalse(s.divergences().stream().anyMatch(d -> d.contains("node 999")), "the crashed node's digest is"
                    + " not judged: " + s.divergences());
            assertFalse(s.peerAgreement().containsKey(999L), "nor counted: " + s.peerAgreement());
        });
    }

    /** {@code digest}, node {@code from}'s, as node {@code to}'s with another hash for every table. */
    private static String otherRows(String digest, long from, long to) {
        StringBuilder out = new StringBuilder();
        for (String line : digest.split("\n")) {
            String[] f = line.split(" ");
            if (f[0].equals("digest")) {
                f[2] = String.valueOf(to);
            } else if (f[0].equals("table")) {
                f[3] = String.valueOf(Long.parseLong(f[3]) + 1);
            }
            out.append(String.join(" ", f)).append('\n');
        }
        assertTrue(out.indexOf("digest 1 " + to + " ") == 0, "node " + from + "'s digest: " + digest);
        return out.toString();
    }
}
