package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsCluster;
import io.marmot.testing.NatsServer;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node's feed is an ordered consumer: an R1 consumer that lives on one server of the NATS cluster. When that server
 * dies while the node stays connected to another one, nothing reaches the client: the pull it waits on is never
 * answered, and jnats notices only by its heartbeat alarm (idle heartbeat 15 s, alarm after three, checked every
 * 45 s), 45 to 90 s later. That was the ~77 s in which ClusterFailoverTest's nodes logged nothing (seen with the
 * repair work on shared pools, and without): every thread idle, the feed waiting. Rows written after such a death
 * must reach the node well before jnats would notice.
 */
class ConsumerHostKilledTest {
    private static final String STREAM = "marmot-changes-1-1";
    /** Below jnats' earliest heartbeat alarm (45 s), with room for a stream leader election on a loaded machine. */
    private static final Duration ARRIVAL = Duration.ofSeconds(40);

    @Test
    void rowsWrittenAfterTheServerOfAFeedDiedArriveWithinSeconds() throws Exception {
        Cluster.with(0).natsCluster().run(cluster -> {
            NatsCluster servers = cluster.natsCluster();
            NatsServer kept = servers.server(0); // every node stays connected to it throughout
            try (Node a = node(cluster, "a", 1, kept); Node b = node(cluster, "b", 2, kept);
                    Node c = node(cluster, "c", 3, kept)) {
                a.exec("CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT)");
                insert(a, 1, 10);
                for (Node n : List.of(b, c)) {
                    Await.until(Duration.ofSeconds(30), "the first rows on node " + n.name(),
                            () -> Db.count(n.path(), "SELECT count(*) FROM events") == 10);
                }
                String host = Await.value(Duration.ofSeconds(20), "a feed on a server other than " + NatsCluster.name(0),
                        () -> feedHost(kept.url()), h -> h != null);
                NatsServer victim = servers.server(host);
                victim.kill();
                long killedAt = System.nanoTime();
                try {
                    insert(a, 11, 30);
                    for (Node n : List.of(b, c)) {
                        Await.until(ARRIVAL, "the rows written after server " + host + " died on node " + n.name(),
                                () -> Db.count(n.path(), "SELECT count(*) FROM events") == 30);
                    }
                    long millis = (System.nanoTime() - killedAt) / 1_000_000;
                    System.out.println("ConsumerHostKilledTest: rows on every node " + millis + " ms after " + host
                            + " (hosting a feed) was killed");
                    assertTrue(millis < ARRIVAL.toMillis(), millis + " ms");
                } finally {
                    victim.restart();
                }
                for (Node n : List.of(b, c)) {
                    assertEquals(Db.dump(a.path()), Db.dump(n.path()), "node " + n.name() + " equals node a");
                }
            }
        });
    }

    private static Node node(Cluster cluster, String name, long id, NatsServer server) throws Exception {
        return new Node(name, id, cluster.db(name), Db.MARMOT + cluster.db(name) + "?node-id=" + id + "&nats-url="
                + server.url() + "&log-replicas=3&verify-interval=0");
    }

    /** The server (n2 or n3) hosting one of the stream's consumers (the nodes' feeds), or null while none is known. */
    private static String feedHost(String url) throws Exception {
        try (io.nats.client.Connection nc = Nats.connect(url)) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            for (ConsumerInfo ci : jsm.getConsumers(STREAM)) {
                String leader = ci.getClusterInfo() == null ? null : ci.getClusterInfo().getLeader();
                System.out.println("ConsumerHostKilledTest: consumer " + ci.getName() + " on " + leader);
                if (leader != null && !leader.equals(NatsCluster.name(0))) {
                    return leader;
                }
            }
            return null;
        }
    }

    /** Rows {@code from}..{@code to}, one per transaction, on node {@code n}. */
    private static void insert(Node n, int from, int to) throws Exception {
        try (Connection c = n.open(); PreparedStatement ps = c.prepareStatement("INSERT INTO events VALUES (?, ?)")) {
            for (int id = from; id <= to; id++) {
                ps.setInt(1, id);
                ps.setString(2, "row " + id);
                ps.executeUpdate();
            }
        }
    }
}
