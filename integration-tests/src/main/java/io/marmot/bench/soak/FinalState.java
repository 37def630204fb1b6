package io.marmot.bench.soak;

import io.marmot.testing.Db;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the nodes hold, against what the key logs say was committed: rows lost (logged inserted, never deleted, missing
 * on some node), rows back from the dead (logged deleted, present on some node), and whether the nodes' replicated
 * tables are equal in full content.
 */
public record FinalState(long transactions, long keys, long lost, long resurrected, boolean equal, List<String> details) {
    private static final int DETAILS = 10;

    static FinalState read(Path dir, List<Path> dbs) throws IOException, SQLException {
        List<KeyLog> logs = new ArrayList<>();
        long transactions = 0;
        long keys = 0;
        for (int n = 1; n <= Soak.NODES; n++) {
            KeyLog log = new KeyLog(dir, n).refresh();
            logs.add(log);
            transactions += log.transactions();
            keys += log.keys().size();
        }
        long lost = 0;
        long resurrected = 0;
        List<String> details = new ArrayList<>();
        List<String> dumps = new ArrayList<>();
        for (int i = 0; i < dbs.size(); i++) {
            Set<Long> present = ids(dbs.get(i));
            for (KeyLog log : logs) {
                for (Map.Entry<Long, KeyLog.Key> e : log.keys().entrySet()) {
                    KeyLog.Key k = e.getValue();
                    boolean there = present.contains(e.getKey());
                    if (k.deleting == Long.MAX_VALUE && !there) {
                        lost++;
                        detail(details, "node " + (i + 1) + " lacks row " + e.getKey() + " committed on node " + log.node
                                + " at " + java.time.Instant.ofEpochMilli(k.inserted));
                    } else if (k.deleted && there) {
                        resurrected++;
                        detail(details, "node " + (i + 1) + " holds row " + e.getKey() + " deleted on node " + log.node);
                    }
                }
            }
            dumps.add(Db.dump(dbs.get(i)));
        }
        boolean equal = true;
        for (int i = 1; i < dumps.size(); i++) {
            if (!dumps.get(i).equals(dumps.get(0))) {
                equal = false;
                detail(details, "node " + (i + 1) + " differs from node 1: " + firstDifference(dumps.get(0), dumps.get(i)));
            }
        }
        return new FinalState(transactions, keys, lost, resurrected, equal, details);
    }

    public boolean clean() {
        return lost == 0 && resurrected == 0 && equal;
    }

    private static Set<Long> ids(Path db) throws SQLException {
        Set<Long> ids = new HashSet<>();
        try (Connection c = Db.plain(db); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM soak_rows")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    private static void detail(List<String> details, String line) {
        if (details.size() < DETAILS) {
            details.add(line);
        }
    }

    private static String firstDifference(String a, String b) {
        String[] la = a.split("\n");
        String[] lb = b.split("\n");
        for (int i = 0; i < Math.min(la.length, lb.length); i++) {
            if (!la[i].equals(lb[i])) {
                return "line " + (i + 1) + ": '" + la[i] + "' vs '" + lb[i] + "'";
            }
        }
        return la.length + " lines vs " + lb.length;
    }
}
