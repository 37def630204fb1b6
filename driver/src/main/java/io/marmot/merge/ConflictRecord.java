package io.marmot.merge;

import io.marmot.clock.RowMerge;
import io.marmot.listen.ChangeListener;
import io.marmot.replication.ReplicationCounters;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code __marmot_conflicts}: the values a write lost to another node's write under last-writer-wins, so nothing a
 * node committed disappears without a trace. Rows are written in the applier's transaction and kept for
 * {@code conflict-retention}. Key and values are JSON (a BLOB as {@code {"blob":"<hex>"}}).
 */
public final class ConflictRecord {
    private static final Logger log = LoggerFactory.getLogger(ConflictRecord.class);
    static final String TABLE = "__marmot_conflicts";

    private final long nodeId;
    private final ReplicationCounters stats;
    private final PreparedStatement insert;
    private final Set<String> warnedTables = new HashSet<>();
    /** Conflicts of the open transaction, for change listeners once it commits (null: nobody listens). */
    private java.util.List<java.util.function.Consumer<ChangeListener>> heard;

    ConflictRecord(Connection db, long nodeId, ReplicationCounters stats) throws SQLException {
        create(db);
        this.nodeId = nodeId;
        this.stats = stats;
        this.insert = db.prepareStatement("INSERT INTO " + TABLE + " (at, kind, tbl, pk, lost_values, lost_version,"
                + " lost_node, won_version, won_node) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }

    public static void create(Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
                    + " kind TEXT NOT NULL, tbl TEXT NOT NULL, pk TEXT NOT NULL, lost_values TEXT NOT NULL,"
                    + " lost_version INTEGER NOT NULL, lost_node INTEGER NOT NULL, won_version INTEGER NOT NULL,"
                    + " won_node INTEGER NOT NULL)");
            s.execute("CREATE INDEX IF NOT EXISTS " + TABLE + "_at ON " + TABLE + " (at)");
        }
    }

    /** Records what a change of {@code table} at {@code key} lost, or made lose; inside the applier's transaction. */
    void record(String table, Object[] key, RowMerge.Lost lost) throws SQLException {
        insert.setLong(1, System.currentTimeMillis());
        insert.setString(2, lost.kind().label);
        insert.setString(3, table);
        insert.setString(4, json(key));
        insert.setString(5, json(lost.values()));
        insert.setLong(6, lost.lost().version());
        insert.setLong(7, lost.lost().node());
        insert.setLong(8, lost.won().version());
        insert.setLong(9, lost.won().node());
        insert.executeUpdate();
        stats.conflict(lost.kind());
        if (heard != null) {
            String what = json(lost.values()) + " of node " + lost.lost().node() + " (version " + lost.lost().version()
                    + ") lost to node " + lost.won().node() + " (version " + lost.won().version() + ")";
            java.util.List<Object> k = java.util.Arrays.asList(key.clone());
            heard.add(l -> l.onConflict(table, k, lost.kind().label, what));
            if (lost.kind() == RowMerge.Kind.UNIQUE) {
                heard.add(l -> l.onUniqueClashSettled(table, "key " + k + ": " + what));
            }
        }
        if (lost.kind() == RowMerge.Kind.INSERT_INSERT && warnedTables.add(table)) {
            log.warn("{} - nodes {} and {} inserted the same key {} into table {}: one row replaced the other"
                    + " everywhere (its values are in {}). Keys SQLite picks (INTEGER PRIMARY KEY, AUTOINCREMENT, JPA's"
                    + " IDENTITY) collide between nodes: insert marmot_id() as the key, or give a BIGINT key"
                    + " DEFAULT (marmot_id()), or with JPA annotate the id @MarmotId (io.marmot.hibernate); see the"
                    + " README's \"Keys that do not collide\" (logged once per table)",
                    nodeId, lost.lost().node(), lost.won().node(), json(key), table, TABLE);
        } else {
            log.debug("{} - {} conflict on {} {}: node {} lost to node {}", nodeId, lost.kind().label, table, json(key),
                    lost.lost().node(), lost.won().node());
        }
    }

    /** From now on (a transaction begins) conflicts are kept for listeners, or not; none kept so far. */
    void hear(boolean listening) {
        heard = listening ? new java.util.ArrayList<>() : null;
    }

    /** How many events the transaction holds so far (a savepoint's mark). */
    int heardMark() {
        return heard == null ? 0 : heard.size();
    }

    /** A savepoint rolled back: what it recorded is gone again. */
    void forgetSince(int mark) {
        if (heard != null) {
            heard.subList(mark, heard.size()).clear();
        }
    }

    /** The transaction committed: its conflicts, for the listeners. */
    java.util.List<java.util.function.Consumer<ChangeListener>> heard() {
        java.util.List<java.util.function.Consumer<ChangeListener>> out = heard == null ? java.util.List.of() : heard;
        heard = null;
        return out;
    }

    /** Deletes conflicts older than the retention; in its own short transaction. */
    public static int prune(Connection db, Duration retention) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM " + TABLE + " WHERE at < ?")) {
            ps.setLong(1, System.currentTimeMillis() - retention.toMillis());
            return ps.executeUpdate();
        }
    }

    void close() throws SQLException {
        insert.close();
    }

    static String json(Object[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ",");
            value(sb, values[i]);
        }
        return sb.append(']').toString();
    }

    static String json(Map<String, Object> values) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : values.entrySet()) {
            sb.append(sb.length() == 1 ? "" : ",");
            string(sb, e.getKey());
            sb.append(':');
            value(sb, e.getValue());
        }
        return sb.append('}').toString();
    }

    private static void value(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Long || v instanceof Integer) {
            sb.append(v);
        } else if (v instanceof Double d) {
            sb.append(d.isNaN() || d.isInfinite() ? "null" : d.toString());
        } else if (v instanceof byte[] b) {
            sb.append("{\"blob\":\"").append(HexFormat.of().formatHex(b)).append("\"}");
        } else {
            string(sb, v.toString());
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
