package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.engine.Health;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node whose NATS server freezes (SIGSTOP) keeps a connection that looks alive: its feed delivers nothing, and
 * without a check it would stay "ready" while the peers' rows pile up (jnats notices a dead server only after its
 * pings go unanswered, minutes later). The node must say it is behind within seconds and move to another server of
 * the cluster, where it catches up while the frozen server is still stopped.
 */
class FeedStallTest {
    private static final int ROWS = 300;

    @Test
    void aNodeOnAFrozenServerSaysSoAndMovesToAnotherServer() throws Exception {
        Cluster.with(0).natsCluster().run(cluster -> {
            NatsServer frozen = cluster.natsCluster().server(1);
            String params = "&log-replicas=3&verify-interval=0";
            try (Node a = new Node("a", 1, cluster.db("a"), Db.MARMOT + cluster.db("a") + "?node-id=1&nats-url="
                            + frozen.url() + params);
                    Node b = new Node("b", 2, cluster.db("b"), Db.MARMOT + cluster.db("b") + "?node-id=2&nats-url="
                            + cluster.natsCluster().server(2).url() + params)) {
                a.exec("CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT)");
                Await.until(Duration.ofSeconds(30), "the table on node b",
                        () -> Db.count(b.path(), "SELECT count(*) FROM sqlite_master WHERE name = 'events'") == 1);
                insert(b, 1, 10);
                Await.until(Duration.ofSeconds(30), "the first rows on node a",
                        () -> Db.count(a.path(), "SELECT count(*) FROM events") == 10);
                Await.until(Duration.ofSeconds(30), "node a ready before the fault", () -> a.engine().health().ready());

                frozen.pause();
                try {
                    long frozenAt = System.nanoTime();
                    insert(b, 11, ROWS);
                    List<String> said = new ArrayList<>();
                    Await.until(Duration.ofSeconds(60), "every row of node b on node a while its server is frozen",
                            () -> {
                                Health h = a.engine().health();
                                if (!h.ready()) {
                                    said.addAll(h.problems());
                                }
                                return Db.count(a.path(), "SELECT count(*) FROM events") == ROWS;
                            });
                    long seconds = (System.nanoTime() - frozenAt) / 1_000_000_000L;
                    assertTrue(frozen.isRunning(), "the server was still stopped when node a caught up");
                    assertTrue(said.stream().anyMatch(p -> p.contains("cannot tell how far") || p.contains("behind by")),
                            "node a said it was behind while it lacked rows (" + seconds + " s): " + said);
                } finally {
                    frozen.resume();
                }
                Await.until(Duration.ofSeconds(30), "node a ready again", () -> a.engine().health().ready());
                assertEquals(Db.dump(b.path()), Db.dump(a.path()), "node a equals node b");
            }
        });
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
