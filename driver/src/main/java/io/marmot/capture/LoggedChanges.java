package io.marmot.capture;

import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads captured changes back out of the log as {@link RowChange}s, naming their columns from the current
 * schema. One instance per connection; it caches table shapes until the schema changes.
 */
public final class LoggedChanges {
    private static final Logger log = LoggerFactory.getLogger(LoggedChanges.class);

    private final Map<String, TableInfo> tables = new HashMap<>();
    private final Map<String, TableShape> shapes = new HashMap<>();
    private final Set<String> warned = new HashSet<>();
    private int schemaVersion = -1;
    private int width;

    /** Receives changes in commit order with their versions; returns false to stop reading. */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(long seq, long version, long group, RowChange change) throws SQLException;
    }

    /**
     * Visits the changes logged after {@code from}, in commit order, until the visitor says stop. Each change's
     * version continues the sequence from {@code from.version()}: {@code max(hlc, previous + 1)}. Returns the
     * position of the last row consumed (visited, or skipped because its table is gone), or {@code from}.
     */
    public LogPosition read(Connection c, LogPosition from, Visitor visitor) throws SQLException {
        refreshIfSchemaChanged(c);
        StringBuilder sql = new StringBuilder("SELECT seq, hlc, tx, tbl, op, cols, rid");
        for (int i = 0; i < width; i++) {
            sql.append(", c").append(i);
        }
        sql.append(" FROM ").append(ChangeLog.LOG).append(" WHERE seq > ? ORDER BY seq");
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            ps.setLong(1, from.seq());
            LogPosition last = from;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long seq = rs.getLong(1);
                    long version = Math.max(rs.getLong(2), last.version() + 1);
                    RowChange change = toChange(c, rs, version);
                    if (change != null && !visitor.visit(seq, version, rs.getLong(3), change)) {
                        return last;
                    }
                    last = new LogPosition(seq, version);
                }
            }
            return last;
        }
    }

    /** The local shape of a table (null when it does not exist), from the cache. */
    public TableInfo table(Connection c, String name) throws SQLException {
        refreshIfSchemaChanged(c);
        if (!tables.containsKey(name)) {
            tables.put(name, SchemaReader.table(c, name));
        }
        return tables.get(name);
    }

    private RowChange toChange(Connection c, ResultSet rs, long version) throws SQLException {
        String name = rs.getString(4);
        int op = rs.getInt(5);
        int cols = rs.getInt(6);
        TableInfo t = table(c, name);
        if (t == null || cols > t.columns().size()) {
            if (warned.add(name)) {
                log.warn("changes to table {} captured before it was dropped or lost a column cannot be sent", name);
            }
            return null;
        }
        TableShape shape = shape(t, cols);
        Object rowid = t.usesRowid() ? value(rs, 7) : null;
        Object[] values;
        if (op == ChangeLog.OP_DELETE) {
            int[] keys = shape.keyIndexes();
            values = new Object[keys.length];
            for (int i = 0; i < keys.length; i++) {
                values[i] = value(rs, 8 + keys[i]);
            }
        } else {
            values = new Object[cols];
            for (int i = 0; i < cols; i++) {
                values[i] = value(rs, 8 + i);
            }
        }
        return new RowChange(version, shape, op, rowid, values);
    }

    private TableShape shape(TableInfo t, int cols) {
        return shapes.computeIfAbsent(t.name() + '\0' + cols, k -> {
            List<String> names = new ArrayList<>(cols);
            for (int i = 0; i < cols; i++) {
                names.add(t.columns().get(i).name());
            }
            int[] keys = t.keyColumns().stream().mapToInt(t::columnIndex).toArray();
            return new TableShape(t.name(), names, keys);
        });
    }

    private void refreshIfSchemaChanged(Connection c) throws SQLException {
        int version = SchemaReader.schemaVersion(c);
        if (version != schemaVersion) {
            tables.clear();
            shapes.clear();
            width = ChangeLog.width(c);
            schemaVersion = version;
        }
    }

    /** A value exactly as stored: null, Long, Double, String or byte[]. */
    public static Object value(ResultSet rs, int column) throws SQLException {
        Object v = rs.getObject(column);
        return v instanceof Integer i ? Long.valueOf(i) : v;
    }
}
