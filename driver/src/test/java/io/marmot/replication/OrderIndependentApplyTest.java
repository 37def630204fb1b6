package io.marmot.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.capture.CaptureInstaller;
import io.marmot.config.MarmotConfig;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
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
 * Convergence whatever the delivery order: the same random changes of three origins, applied in order, shuffled
 * with duplicates, and in reverse, give identical databases, equal to the last-writer-wins model.
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
        List<ChangeBatch> batches = randomHistory(rnd, 300);

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

    /** Changes to 15 keys by three origins whose clocks interleave; each batch is one transaction. */
    private static List<ChangeBatch> randomHistory(Random rnd, int count) {
        List<ChangeBatch> out = new ArrayList<>();
        long clock = 1L << 40;
        for (int i = 0; i < count; i++) {
            long origin = 1 + rnd.nextInt(3);
            List<RowChange> changes = new ArrayList<>();
            int rows = 1 + rnd.nextInt(3);
            for (int r = 0; r < rows; r++) {
                clock += 1 + rnd.nextInt(3);
                // Sometimes two origins write at the same clock value: the node id breaks the tie.
                long version = rnd.nextInt(10) == 0 ? clock - 1 : clock;
                Long a = (long) rnd.nextInt(5);
                String b = "k" + rnd.nextInt(3);
                if (rnd.nextInt(4) == 0) {
                    changes.add(new RowChange(version, SHAPE, RowChange.DELETE, null, new Object[] {a, b}));
                } else {
                    Object v = switch (rnd.nextInt(5)) {
                        case 0 -> null;
                        case 1 -> rnd.nextLong();
                        case 2 -> rnd.nextDouble();
                        case 3 -> "text-" + rnd.nextInt(1000);
                        default -> new byte[] {(byte) rnd.nextInt(), 0, (byte) rnd.nextInt()};
                    };
                    changes.add(new RowChange(version, SHAPE, RowChange.UPDATE, null,
                            new Object[] {a, b, v, rnd.nextBoolean() ? null : rnd.nextDouble()}));
                }
            }
            out.add(new ChangeBatch(origin, clock, 0, true, changes));
        }
        return out;
    }

    private String applyAll(String name, List<ChangeBatch> batches, int perTransaction) throws SQLException {
        try (Connection c = Sqlite.open(dir.resolve(name + ".db"))) {
            try (Statement s = c.createStatement()) {
                s.execute(SCHEMA);
            }
            c.setAutoCommit(false);
            CaptureInstaller.reconcile(c, LOCAL_NODE, t -> true);
            c.commit();
            c.setAutoCommit(true);
            try (VersionCheckedWriter applier = new VersionCheckedWriter(c, LOCAL_NODE, MarmotConfig.defaults())) {
                for (int i = 0; i < batches.size(); i += perTransaction) {
                    List<List<ChangeBatch>> groups = new ArrayList<>();
                    for (ChangeBatch b : batches.subList(i, Math.min(batches.size(), i + perTransaction))) {
                        groups.add(List.of(b));
                    }
                    List<VersionCheckedWriter.Outcome> outcomes = applier.apply(groups, (db, o) -> { });
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

    /** The expected table: for every key, the change with the greatest (version, origin), unless a delete. */
    private String model(List<ChangeBatch> batches) throws SQLException {
        Map<List<Object>, Object[]> winner = new HashMap<>();
        Map<List<Object>, long[]> version = new HashMap<>();
        for (ChangeBatch b : batches) {
            for (RowChange ch : b.changes()) {
                List<Object> key = Arrays.asList(ch.key());
                long[] held = version.get(key);
                if (held == null || ch.version() > held[0] || (ch.version() == held[0] && b.origin() > held[1])) {
                    version.put(key, new long[] {ch.version(), b.origin()});
                    winner.put(key, ch.isDelete() ? null : ch.values());
                }
            }
        }
        try (Connection c = Sqlite.open(dir.resolve("model.db"))) {
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS t");
                s.execute(SCHEMA);
            }
            TreeMap<String, Object[]> sorted = new TreeMap<>();
            winner.forEach((k, v) -> {
                if (v != null) {
                    sorted.put(k.toString(), v);
                }
            });
            try (var ps = c.prepareStatement("INSERT INTO t VALUES (?, ?, ?, ?)")) {
                for (Object[] v : sorted.values()) {
                    for (int i = 0; i < 4; i++) {
                        RowWriter.bind(ps, i + 1, v[i]);
                    }
                    ps.executeUpdate();
                }
            }
            return dump(c);
        }
    }
}
