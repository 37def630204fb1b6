package io.marmot.jdbc;

import io.marmot.fixture.TwoNodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions of many large rows (megabytes each) reach the peer whole and in bounded time, also when the peer
 * applies slower than it receives: neither the feed's pulls nor the publisher may put so many bytes in flight that
 * nats-server cuts the connection as a slow consumer (the benchmark's 1,000 rows of 16 KiB, 16 MB a transaction,
 * made it drop again and again on a loaded machine, and the peer stopped). The full-size case (20 transactions)
 * runs with {@code -Dmarmot.largeTx.transactions=20}.
 */
class LargeTransactionTest {
    private static final int TRANSACTIONS = Integer.getInteger("marmot.largeTx.transactions", 6);
    private static final int ROWS = Integer.getInteger("marmot.largeTx.rows", 1000);
    private static final int ROW_BYTES = Integer.getInteger("marmot.largeTx.rowBytes", 16 << 10);

    @TempDir
    Path dir;
    int monitor;
    TwoNodes nodes;
    Connection writer;
    Connection peer;

    @BeforeEach
    void open() throws Exception {
        monitor = NatsServer.freePort();
        nodes = TwoNodes.start(dir, "-m", Integer.toString(monitor));
        writer = nodes.connect(1);
        peer = nodes.connect(2);
        Db.exec(writer, "CREATE TABLE t (id INTEGER PRIMARY KEY, tx INTEGER, v BLOB)");
        Db.exec(peer, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, tx INTEGER, v BLOB)");
    }

    @AfterEach
    void close() throws Exception {
        nodes.close();
    }

    @Test
    void transactionsOfManyLargeRowsReachASlowPeer() throws Exception {
        long sentBefore = varz("out_bytes");
        long start = System.nanoTime();
        // The peer's applier waits on a writer of its own while node 1 writes: its feed fills and pauses, as
        // when the machine is loaded, and goes on once the applier drains.
        try (Connection blocker = Db.plain(nodes.database(2)); Statement s = blocker.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            write(TRANSACTIONS, ROWS, ROW_BYTES);
            s.execute("COMMIT");
        }
        double written = (System.nanoTime() - start) / 1e9;
        long rows = (long) TRANSACTIONS * ROWS;
        Await.until(Duration.ofSeconds(40), "node 2 has all " + rows + " rows",
                () -> Db.count(peer, "SELECT count(*) FROM t") == rows);
        double converged = (System.nanoTime() - start) / 1e9;
        String health = io.marmot.Marmot.engine(nodes.database(2)).orElseThrow().health().problems().toString();
        long sent = varz("out_bytes") - sentBefore;
        long data = rows * ROW_BYTES;
        System.out.printf("large rows: %d x %d rows of %d B written in %.1f s, on node 2 after %.1f s (%.1f MB/s);"
                + " nats-server sent %.0f MB for %.0f MB of rows, slow consumers %d%n", TRANSACTIONS, ROWS, ROW_BYTES,
                written, converged, data / 1e6 / converged, sent / 1e6, data / 1e6, varz("slow_consumers"));
        System.out.println("node 2's health problems: " + health);
        assertEquals(Db.dump(writer), Db.dump(peer), "node 2 holds exactly node 1's rows");
        assertTrue(!health.contains("NATS connection dropped"), "node 2's health: " + health);
        assertEquals(0, varz("slow_consumers"), "nats-server cut no client as a slow consumer:\n" + tail(nodes.nats().log()));
        // Both nodes read the stream (node 1 its own messages too): twice the rows, plus the headers and pauses.
        assertTrue(sent < 3 * data, "the feeds read each message about once, not " + sent / (2.0 * data) + " times");
    }

    /** Small rows keep their pace under the byte bounds (the figure to compare before and after a change). */
    @Test
    void manySmallRowsReachThePeer() throws Exception {
        int transactions = Integer.getInteger("marmot.largeTx.smallTransactions", 50);
        long start = System.nanoTime();
        write(transactions, 1000, 100);
        double written = (System.nanoTime() - start) / 1e9;
        long rows = transactions * 1000L;
        Await.until(Duration.ofSeconds(40), "node 2 has all " + rows + " rows",
                () -> Db.count(peer, "SELECT count(*) FROM t") == rows);
        double converged = (System.nanoTime() - start) / 1e9;
        System.out.printf("small rows: %d x 1000 rows of 100 B written in %.1f s, on node 2 after %.1f s (%.0f rows/s)%n",
                transactions, written, converged, rows / converged);
        assertEquals(Db.dump(writer), Db.dump(peer), "node 2 holds exactly node 1's rows");
    }

    private void write(int transactions, int rows, int rowBytes) throws Exception {
        Random random = new Random(7);
        writer.setAutoCommit(false);
        try (PreparedStatement ps = writer.prepareStatement("INSERT INTO t (tx, v) VALUES (?, ?)")) {
            for (int t = 0; t < transactions; t++) {
                for (int r = 0; r < rows; r++) {
                    byte[] v = new byte[rowBytes];
                    random.nextBytes(v); // incompressible: the wire carries every byte
                    ps.setInt(1, t);
                    ps.setBytes(2, v);
                    ps.executeUpdate();
                }
                writer.commit();
            }
        } finally {
            writer.setAutoCommit(true);
        }
    }

    /** A counter of nats-server's monitoring endpoint {@code /varz}. */
    private long varz(String field) throws Exception {
        try (InputStream in = URI.create("http://127.0.0.1:" + monitor + "/varz").toURL().openStream()) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("\"" + field + "\":\\s*(\\d+)").matcher(json);
            if (!m.find()) {
                throw new AssertionError("no " + field + " in /varz: " + json);
            }
            return Long.parseLong(m.group(1));
        }
    }

    private static String tail(String log) {
        return log.length() <= 4000 ? log : log.substring(log.length() - 4000);
    }
}
