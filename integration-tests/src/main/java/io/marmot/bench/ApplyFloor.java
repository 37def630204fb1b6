package io.marmot.bench;

import io.marmot.wire.RowChange;
import io.marmot.wire.WireFormat;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor beside {@link ApplyCost}: plain sqlite-jdbc writing the same rows into a table without triggers or row
 * versions, 100 rows a statement, 2000 rows a transaction, from changes decoded beforehand. What the apply path costs
 * above it is the price of replication (row versions, merge decisions, the capture log's churn, decoding).
 */
final class ApplyFloor {
    private static final String[] SQL = {
        "INSERT INTO bench (id, node, payload, data) VALUES " + tuples("(?, ?, ?, ?)", ApplyCost.ROWS_PER_TX),
        "UPDATE bench SET node = v.column2, payload = v.column3 FROM (VALUES "
                + tuples("(?, ?, ?)", ApplyCost.ROWS_PER_TX) + ") AS v WHERE bench.id = v.column1",
        "DELETE FROM bench WHERE id IN (" + tuples("?", ApplyCost.ROWS_PER_TX) + ")"};

    private ApplyFloor() {
    }

    /** {@code tuple} {@code rows} times (written here: the driver of an older commit, measured by this, may lack it). */
    private static String tuples(String tuple, int rows) {
        return String.join(", ", java.util.Collections.nCopies(rows, tuple));
    }

    /** Per phase (insert, update, delete): {@link ApplyCost.Cost} per row on a fresh file. */
    static ApplyCost.Cost[] run(Path db, List<byte[]>[] phases, boolean countSteps) throws Exception {
        List<List<RowChange>>[] decoded = decode(phases);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA synchronous = NORMAL");
            s.execute(BenchNode.SCHEMA);
            long[] steps = countSteps ? StepCounter.on(c) : new long[1];
            ApplyCost.Cost[] out = new ApplyCost.Cost[3];
            for (int p = 0; p < 3; p++) {
                System.gc();
                long steps0 = steps[0];
                long cpu0 = ApplyCost.cpu();
                long bytes0 = ApplyCost.allocated();
                long rows = write(c, s, p, decoded[p]);
                out[p] = new ApplyCost.Cost((double) (ApplyCost.cpu() - cpu0) / rows,
                        (double) (ApplyCost.allocated() - bytes0) / rows, (double) (steps[0] - steps0) / rows);
            }
            StepCounter.off(c);
            return out;
        }
    }

    private static long write(Connection c, Statement s, int phase, List<List<RowChange>> messages) throws SQLException {
        long rows = 0;
        try (PreparedStatement ps = c.prepareStatement(SQL[phase])) {
            for (int m = 0; m < messages.size(); m++) {
                if (m % 20 == 0) {
                    s.execute(m == 0 ? "BEGIN IMMEDIATE" : "COMMIT");
                    if (m > 0) {
                        s.execute("BEGIN IMMEDIATE");
                    }
                }
                int i = 1;
                for (RowChange ch : messages.get(m)) {
                    Object[] v = ch.values();
                    Object[] bound = switch (phase) {
                        case 0 -> v;
                        case 1 -> new Object[] {v[0], v[1], v[2]};
                        default -> new Object[] {v[0]};
                    };
                    for (Object x : bound) {
                        io.marmot.merge.SqlValues.bind(ps, i++, x);
                    }
                }
                rows += messages.get(m).size();
                ps.executeUpdate();
            }
            s.execute("COMMIT");
        }
        return rows;
    }

    @SuppressWarnings("unchecked")
    private static List<List<RowChange>>[] decode(List<byte[]>[] phases) throws Exception {
        List<List<RowChange>>[] out = new List[phases.length];
        for (int p = 0; p < phases.length; p++) {
            out[p] = new ArrayList<>();
            for (byte[] m : phases[p]) {
                out[p].add(WireFormat.decode(m).changes());
            }
        }
        return out;
    }
}
