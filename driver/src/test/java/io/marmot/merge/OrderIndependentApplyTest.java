package io.marmot.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.capture.CaptureOptions;
import io.marmot.capture.CaptureInstaller;
import io.marmot.config.MarmotConfig;
import io.marmot.replication.ReplicationCounters;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import io.marmot.wire.Transaction;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Convergence whatever the delivery order: the same random inserts, partial updates and deletes of three origins,
 * applied in order, shuffled with duplicates, and in reverse, give identical databases, equal to the model of
 * column-level last-writer-wins: a row exists when its newest insert-or-delete is an insert; each column holds the
 * value of the newest write to it among that insert and the updates newer than it.
 */
class OrderIndependentApplyTest {
    private static final String SCHEMA = "CREATE TABLE t (a INTEGER, b TEXT, v ANY, w REAL, PRIMARY KEY (a, b))";
    private static final TableShape SHAPE = new TableShape("t", List.of("a", "b", "v", "w"), new int[] {0, 1});
    private static final long LOCAL_NODE = 99;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 2026})
    void anyOrderConvergesToTheLastWriter(long seed) throws Exception {
        Random rnd = new Random(seed);
        converges(rnd, randomHistory(rnd, 300, false));
    }

    /**
     * Runs of inserts, updates and deletes go to the database many rows to a statement (BulkInserts, BulkChanges)
     * when each simply wins, else one by one: duplicates and any order still give the model's table.
     */
    @ParameterizedTest
    @ValueSource(longs = {5, 6, 7, 2027})
    void runsOfChangesConvergeToo(long seed) throws Exception {
        Random rnd = new Random(seed);
        converges(rnd, randomHistory(rnd, 300, true));
    }

    private void converges(Random rnd, List<ChangeBatch> batches) throws Exception {

        List<ChangeBatch> shuffled = new ArrayList<>(batches);
        shuffled.addAll(batches.subList(0, batches.size() / 3)); // duplicates
        Collections.shuffle(shuffled, rnd);
        List<ChangeBatch> reversed = new ArrayList<>(batches);
        Collections.reverse(reversed);

        String inOrder = applyAll("ordered", batches, 1);
        assertEquals(model(batches), inOrder, "in-order apply differs from the last-writer-wins model");
        assertEquals(inOrder, applyAll("shuffled", shuffled, 7), "shuffled delivery with duplicates diverged");
        assertEquals(inOrder, applyAll("reversed", reversed, 50), "reversed delivery diverged");
    }

    /**
     * Changes to 15 keys by three origins whose clocks interleave; each batch is one transaction. {@code runs}: half
     * the transactions are runs of inserts (of 1200 keys), of updates of the same columns, or of deletes (of 60 keys).
     */
    private static List<ChangeBatch> randomHistory(Random rnd, int count, boolean runs) {
        List<ChangeBatch> out = new ArrayList<>();
        long clock = 1L << 40;
        for (int i = 0; i < count; i++) {
            long origin = 1 + rnd.nextInt(3);
            List<RowChange> changes = new ArrayList<>();
            boolean run = runs && rnd.nextBoolean(); // 4 to 11 changes, mostly of one kind
            int runKind = run ? rnd.nextInt(3) : 0; // inserts of rows mostly new; updates of the same columns; deletes
            int rows = run ? 4 + rnd.nextInt(8) : 1 + rnd.nextInt(3);
            int start = run ? rnd.nextInt(20) : 0; // updates and deletes of a run: consecutive keys
            for (int r = 0; r < rows; r++) {
                clock += 1 + rnd.nextInt(3);
                // Sometimes two origins write at the same clock value: the node id breaks the tie.
                long version = rnd.nextInt(10) == 0 ? clock - 1 : clock;
                Long a = run && runKind > 0 ? (start + r) % 20 : (long) rnd.nextInt(run ? 400 : runs ? 20 : 5);
                String b = run && runKind > 0 ? "k" + start % 3 : "k" + rnd.nextInt(3);
                int kind = run && rnd.nextInt(8) != 0 ? new int[] {1, 5, 0}[runKind] : rnd.nextInt(6);
                if (kind == 0) {
                    changes.add(new RowChange(version, SHAPE, RowChange.DELETE, null, new Object[] {a, b}));
                } else if (kind <= 2) {
                    changes.add(new RowChange(version, SHAPE, RowChange.INSERT, null,
                            new Object[] {a, b, randomValue(rnd), rnd.nextBoolean() ? null : rnd.nextDouble()}));
                } else {
                    int[] changed = switch (run ? 2 : rnd.nextInt(3)) {
                        case 0 -> new int[] {2};
                        case 1 -> new int[] {3};
                        default -> new int[] {2, 3};
                    };
                    Object[] values = {a, b, null, null};
                    for (int col : changed) {
                        values[col] = col == 2 ? randomValue(rnd) : rnd.nextDouble();
                    }
                    changes.add(new RowChange(version, SHAPE, RowChange.UPDATE, null, values, changed));
                }
            }
            out.add(new ChangeBatch(origin, clock, 0, true, changes));
        }
        return out;
    }

    private static Object randomValue(Random rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> null;
            case 1 -> rnd.nextLong();
            case 2 -> rnd.nextDouble();
            case 3 -> "text-" + rnd.nextInt(1000);
            default -> new byte[] {(byte) rnd.nextInt(), 0, (byte) rnd.nextInt()};
        };
    }

    private String applyAll(String name, List<ChangeBatch> batches, int perTransaction) throws SQLException {
        try (Connection c = Sqlite.open(dir.resolve(name + ".db"))) {
            try (Statement s = c.createStatement()) {
                s.execute(SCHEMA);
            }
            c.setAutoCommit(false);
            CaptureInstaller.reconcile(c, LOCAL_NODE, CaptureOptions.everyTable());
            c.commit();
            c.setAutoCommit(true);
            try (VersionCheckedWriter applier = new VersionCheckedWriter(c, LOCAL_NODE, MarmotConfig.defaults(),
                    new ReplicationCounters())) {
                for (int i = 0; i < batches.size(); i += perTransaction) {
                    List<Transaction> txs = new ArrayList<>();
                    for (ChangeBatch b : batches.subList(i, Math.min(batches.size(), i + perTransaction))) {
                        txs.addAll(ChangeBatch.transactions(List.of(b)));
                    }
                    List<VersionCheckedWriter.Outcome> outcomes = applier.apply(txs, (db, o) -> { });
                    outcomes.forEach(o -> assertEquals(null, o.rejection()));
                }
            }
            try (Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM __marmot_log")) {
                    rs.next();
                    assertEquals(0, rs.getInt(1), "applied changes must not be captured again");
                }
            }
            return dump(c);
        }
    }

    private static String dump(Connection c) throws SQLException {
        StringBuilder sb = new StringBuilder();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT a, b, typeof(v), quote(v), typeof(w), quote(w) FROM t ORDER BY a, b")) {
            while (rs.next()) {
                sb.append(rs.getLong(1)).append('|').append(rs.getString(2)).append('|').append(rs.getString(3))
                        .append('|').append(rs.getString(4)).append('|').append(rs.getString(5)).append('|')
                        .append(rs.getString(6)).append('\n');
            }
        }
        return sb.toString();
    }

    /** The expected table, computed from the set of changes alone (see the class comment). */
    private String model(List<ChangeBatch> batches) throws SQLException {
        Map<List<Object>, long[]> life = new HashMap<>(); // newest insert-or-delete: version, origin, 1 if insert
        Map<List<Object>, Object[]> inserted = new HashMap<>();
        for (ChangeBatch b : batches) {
            for (RowChange ch : b.changes()) {
                if (ch.isUpdate()) {
                    continue;
                }
                List<Object> key = Arrays.asList(ch.key());
                long[] held = life.get(key);
                if (held == null || newer(ch.version(), b.origin(), held[0], held[1])) {
                    life.put(key, new long[] {ch.version(), b.origin(), ch.isDelete() ? 0 : 1});
                    inserted.put(key, ch.isDelete() ? null : ch.values().clone());
                }
            }
        }
        Map<List<Object>, Object[]> winner = new HashMap<>();
        Map<List<Object>, long[][]> columnStamps = new HashMap<>();
        life.forEach((key, held) -> {
            if (held[2] == 1) {
                winner.put(key, inserted.get(key));
                columnStamps.put(key, new long[][] {held, held, held, held});
            }
        });
        for (ChangeBatch b : batches) {
            for (RowChange ch : b.changes()) {
                List<Object> key = Arrays.asList(ch.key());
                if (!ch.isUpdate() || !winner.containsKey(key)) {
                    continue;
                }
                for (int col : ch.changed()) {
                    long[] held = columnStamps.get(key)[col];
                    if (newer(ch.version(), b.origin(), held[0], held[1])) {
                        columnStamps.get(key)[col] = new long[] {ch.version(), b.origin()};
                        winner.get(key)[col] = ch.values()[col];
                    }
                }
            }
        }
        try (Connection c = Sqlite.open(dir.resolve("model.db"))) {
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS t");
                s.execute(SCHEMA);
            }
            TreeMap<String, Object[]> sorted = new TreeMap<>();
            winner.forEach((k, v) -> sorted.put(k.toString(), v));
            try (var ps = c.prepareStatement("INSERT INTO t VALUES (?, ?, ?, ?)")) {
                for (Object[] v : sorted.values()) {
                    for (int i = 0; i < 4; i++) {
                        SqlValues.bind(ps, i + 1, v[i]);
                    }
                    ps.executeUpdate();
                }
            }
            return dump(c);
        }
    }

    private static boolean newer(long version, long origin, long heldVersion, long heldOrigin) {
        return version > heldVersion || (version == heldVersion && origin > heldOrigin);
    }
}
