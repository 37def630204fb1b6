package io.marmot.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.capture.CaptureInstaller;
import io.marmot.capture.CaptureOptions;
import io.marmot.config.MarmotConfig;
import io.marmot.replication.ReplicationCounters;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import io.marmot.wire.Transaction;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run of inserts, updates or deletes in one transaction is written many rows to a statement (BulkInserts,
 * BulkChanges) only while nothing stands in its way: a row of it that clashes on another UNIQUE column, one an insert
 * finds already seen, a column or row another node wrote later, sends the whole run one by one. Either way the
 * outcome (rows, row versions, conflicts) is that of applying each change alone.
 */
class BulkRunsTest {
    private static final TableShape SHAPE = new TableShape("u", List.of("id", "email", "note"), new int[] {0});
    private static final long T0 = 1L << 40;

    @TempDir
    Path dir;

    @Test
    void aClashOnAnotherUniqueColumnGivesWhatOneByOneGives() throws Exception {
        String together = bothWays("clash", insert(T0 + 1, 100, "e3@x", "older, node 2"));
        assertEquals("1|e1@x|from node 1\n2|e2@x|from node 1\n3|e3@x|from node 1\n4|e4@x|from node 1\n"
                + "5|e5@x|from node 1\n6|e6@x|from node 1\n", together.substring(0, together.indexOf("--")),
                "the newer insert takes the unique value from row 100");
        assertEquals(1, together.lines().filter(l -> l.startsWith("unique|u|")).count(), together);
    }

    @Test
    void aRowSeenBeforeGivesWhatOneByOneGives() throws Exception {
        String together = bothWays("seen", insert(T0 + 200, 5, "e5-newer@x", "newer, node 2"));
        assertEquals("1|e1@x|from node 1\n2|e2@x|from node 1\n3|e3@x|from node 1\n4|e4@x|from node 1\n"
                + "5|e5-newer@x|newer, node 2\n6|e6@x|from node 1\n", together.substring(0, together.indexOf("--")),
                "row 5 keeps the newer insert");
    }

    /** Node 2's {@code earlier} row, then node 1's six inserts in one transaction; equal to them one by one. */
    private String bothWays(String name, RowChange earlier) throws Exception {
        List<RowChange> run = new ArrayList<>();
        for (long id = 1; id <= 6; id++) {
            run.add(insert(T0 + 100 + id, id, "e" + id + "@x", "from node 1"));
        }
        return bothWays(name, List.of(new Transaction(2, List.of(earlier))), run);
    }

    @Test
    void aRunOfUpdatesOfHeldRowsGivesWhatOneByOneGives() throws Exception {
        String together = bothWays("updates", sixRows(List.of()), updates());
        assertEquals(rows("updated by node 1"), together.substring(0, together.indexOf("--")));
    }

    @Test
    void anUpdateThatLosesAColumnSendsItsRunOneByOne() throws Exception {
        String together = bothWays("update-lost", sixRows(List.of(new Transaction(3, List.of(update(T0 + 500, 4,
                "newer, node 3"))))), updates());
        assertEquals(rows("updated by node 1").replace("4|e4@x|updated by node 1", "4|e4@x|newer, node 3"),
                together.substring(0, together.indexOf("--")));
        assertEquals(1, together.lines().filter(l -> l.startsWith("update-update|u|")).count(), together);
    }

    @Test
    void aRunOfDeletesGivesWhatOneByOneGives() throws Exception {
        String gone = bothWays("deletes", sixRows(List.of()), deletes());
        assertEquals("", gone.substring(0, gone.indexOf("--")));
        String kept = bothWays("delete-newer", sixRows(List.of(new Transaction(3, List.of(update(T0 + 500, 2,
                "newer, node 3"))))), deletes());
        assertEquals("", kept.substring(0, kept.indexOf("--")), "every row deleted; row 2's newer note kept aside");
        assertEquals(1, kept.lines().filter(l -> l.startsWith("delete-update|u|")).count(), kept);
    }

    /** Node 2's rows 1 to 6, then {@code more}. */
    private static List<Transaction> sixRows(List<Transaction> more) {
        List<RowChange> rows = new ArrayList<>();
        for (long id = 1; id <= 6; id++) {
            rows.add(insert(T0 + id, id, "e" + id + "@x", "from node 2"));
        }
        List<Transaction> out = new ArrayList<>(List.of(new Transaction(2, rows)));
        out.addAll(more);
        return out;
    }

    private static List<RowChange> updates() {
        List<RowChange> run = new ArrayList<>();
        for (long id = 1; id <= 6; id++) {
            run.add(update(T0 + 100 + id, id, "updated by node 1"));
        }
        return run;
    }

    private static List<RowChange> deletes() {
        List<RowChange> run = new ArrayList<>();
        for (long id = 1; id <= 6; id++) {
            run.add(new RowChange(T0 + 100 + id, SHAPE, RowChange.DELETE, null, new Object[] {id}));
        }
        return run;
    }

    private static RowChange update(long version, long id, String note) {
        return new RowChange(version, SHAPE, RowChange.UPDATE, null, new Object[] {id, null, note}, new int[] {2});
    }

    private static String rows(String note) {
        StringBuilder sb = new StringBuilder();
        for (int id = 1; id <= 6; id++) {
            sb.append(id).append("|e").append(id).append("@x|").append(note).append('\n');
        }
        return sb.toString();
    }

    /** {@code before}, then node 1's {@code run} in one transaction; equal to the run's changes applied one by one. */
    private String bothWays(String name, List<Transaction> before, List<RowChange> run) throws Exception {
        String together = applied(name, before, List.of(new Transaction(1, run)));
        List<Transaction> alone = new ArrayList<>();
        run.forEach(ch -> alone.add(new Transaction(1, List.of(ch))));
        assertEquals(applied(name + "-alone", before, alone), together);
        assertEquals("0", together.substring(together.lastIndexOf("--\n") + 3).trim(), "applied rows left in the log");
        return together;
    }

    @Test
    void aRunOfNewRowsLandsWholeAndIsNotCapturedAgain() throws Exception {
        List<RowChange> run = new ArrayList<>();
        for (long id = 1; id <= 300; id++) {
            run.add(insert(T0 + id, id, "e" + id + "@x", "n" + id));
        }
        String together = applied("new", List.of(), List.of(new Transaction(1, run)));
        List<Transaction> alone = new ArrayList<>();
        run.forEach(ch -> alone.add(new Transaction(1, List.of(ch))));
        assertEquals(applied("new-alone", List.of(), alone), together);
        assertEquals(300, together.lines().filter(l -> l.endsWith("@x|n" + l.split("\\|")[0])).count());
    }

    private static RowChange insert(long version, long id, String email, String note) {
        return new RowChange(version, SHAPE, RowChange.INSERT, null, new Object[] {id, email, note});
    }

    /** The table, the row versions and the conflicts after applying {@code first}, then {@code then}. */
    private String applied(String name, List<Transaction> first, List<Transaction> then) throws SQLException {
        try (Connection c = Sqlite.open(dir.resolve(name + ".db"))) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT UNIQUE, note TEXT)");
            }
            c.setAutoCommit(false);
            CaptureInstaller.reconcile(c, 99, CaptureOptions.everyTable());
            c.commit();
            c.setAutoCommit(true);
            try (VersionCheckedWriter w = new VersionCheckedWriter(c, 99, MarmotConfig.defaults(), new ReplicationCounters())) {
                for (List<Transaction> txs : List.of(first, then)) {
                    for (VersionCheckedWriter.Outcome o : w.apply(txs, (db, os) -> { })) {
                        assertEquals(null, o.rejection());
                    }
                }
            }
            return dump(c, "SELECT id, email, note FROM u ORDER BY id") + "--\n"
                    + dump(c, "SELECT hex(pk), hlc, node, hex(cols) FROM __marmot_versions ORDER BY pk") + "--\n"
                    + dump(c, "SELECT kind, tbl, pk, lost_values, lost_version, lost_node, won_version, won_node"
                            + " FROM __marmot_conflicts ORDER BY id") + "--\n"
                    + dump(c, "SELECT count(*) FROM __marmot_log");
        }
    }

    private static String dump(Connection c, String sql) throws SQLException {
        StringBuilder sb = new StringBuilder();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= n; i++) {
                    sb.append(i > 1 ? "|" : "").append(rs.getString(i));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }
}
