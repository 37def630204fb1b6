package io.marmot.bench.soak;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A soak node's steady writer, through the driver: inserts of keys only this node (and this start of it) uses,
 * updates of keys all nodes share, multi-row transactions, deletes of its own older keys. Every key is logged
 * ({@link KeyLog}) only after its commit returned, with the true time (the node's faked clock corrected).
 */
final class SoakWriter extends Thread {
    static final int SHARED_KEYS = 20;
    private static final String INSERT = "INSERT INTO soak_rows (id, node, incarnation, payload) VALUES (?, ?, ?, ?)";
    private static final String UPSERT = "INSERT INTO soak_shared (k, v, node, n) VALUES (?, ?, ?, 1)"
            + " ON CONFLICT(k) DO UPDATE SET v = excluded.v, node = excluded.node, n = soak_shared.n + 1";

    private final String url;
    private final int node;
    private final int incarnation;
    private final long skewMillis;
    private final long pauseMillis;
    private final FileOutputStream keyLog;
    private final Random random;
    private final List<Long> own = new ArrayList<>();
    private long next;
    volatile boolean running = true;
    volatile long committed;
    volatile long failed;

    SoakWriter(String url, Path dir, int node, int incarnation, long skewMillis, long pauseMillis) throws IOException {
        super("soak-writer");
        this.url = url;
        this.node = node;
        this.incarnation = incarnation;
        this.skewMillis = skewMillis;
        this.pauseMillis = pauseMillis;
        this.keyLog = new FileOutputStream(KeyLog.file(dir, node).toFile(), true);
        this.random = new Random(node * 1_000L + incarnation);
        // node-unique keys: no two nodes, and no two starts of one node, ever insert the same key
        this.next = node * 1_000_000_000_000L + incarnation * 100_000_000L + 1;
    }

    long trueNow() {
        return System.currentTimeMillis() - skewMillis;
    }

    @Override
    public void run() {
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement insert = c.prepareStatement(INSERT);
                PreparedStatement upsert = c.prepareStatement(UPSERT);
                PreparedStatement delete = c.prepareStatement("DELETE FROM soak_rows WHERE id = ?")) {
            for (long i = 0; running && i < Long.MAX_VALUE; i++) {
                try {
                    step(c, insert, upsert, delete);
                    committed++;
                } catch (SQLException e) {
                    failed++;
                    if (failed <= 5 || failed % 100 == 0) {
                        System.err.println("soak writer: transaction failed (" + failed + " so far): " + e.getMessage());
                    }
                    if (!c.getAutoCommit()) {
                        c.rollback();
                        c.setAutoCommit(true);
                    }
                    Thread.sleep(200);
                }
                Thread.sleep(pauseMillis);
            }
        } catch (SQLException | IOException e) {
            e.printStackTrace();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void step(Connection c, PreparedStatement insert, PreparedStatement upsert, PreparedStatement delete)
            throws SQLException, IOException {
        int kind = random.nextInt(100);
        if (kind < 40) {
            long id = insert(insert);
            log("I", id);
        } else if (kind < 60) { // a multi-row transaction: three own keys and a shared one, all or nothing
            c.setAutoCommit(false);
            long[] ids = {insert(insert), insert(insert), insert(insert)};
            upsert(upsert);
            c.commit();
            c.setAutoCommit(true);
            for (long id : ids) {
                log("T", id);
            }
        } else if (kind < 85 || own.size() < 20) {
            log("U", upsert(upsert));
        } else {
            long id = own.remove(random.nextInt(own.size() - 10)); // never one of the ten newest
            log("P", id);
            delete.setLong(1, id);
            delete.executeUpdate();
            log("D", id);
        }
    }

    private long insert(PreparedStatement insert) throws SQLException {
        long id = next++;
        insert.setLong(1, id);
        insert.setInt(2, node);
        insert.setInt(3, incarnation);
        insert.setString(4, "row " + id + " written by node " + node);
        insert.executeUpdate();
        own.add(id);
        return id;
    }

    private int upsert(PreparedStatement upsert) throws SQLException {
        int k = 1 + random.nextInt(SHARED_KEYS);
        upsert.setInt(1, k);
        upsert.setString(2, "set by node " + node + " at " + trueNow());
        upsert.setInt(3, node);
        upsert.executeUpdate();
        return k;
    }

    private void log(String what, long id) throws IOException {
        // one write per line: a kill -9 cuts at most the line being written, never mixes two
        keyLog.write((what + " " + id + " " + trueNow() + "\n").getBytes(StandardCharsets.US_ASCII));
    }
}
