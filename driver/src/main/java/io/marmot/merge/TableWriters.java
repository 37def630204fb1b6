package io.marmot.merge;

import io.marmot.capture.LoggedChanges;
import io.marmot.config.MarmotConfig;
import io.marmot.schema.Identifiers;
import io.marmot.schema.TableInfo;
import io.marmot.wire.TableShape;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finds the local table a received message's table maps to, and keeps a {@link TableWriter} for each. Every table
 * and column name a message carries is checked against the local schema here, and only the local spelling, quoted,
 * reaches SQL; values are always bound.
 */
final class TableWriters implements AutoCloseable {
    private final Connection c;
    private final LoggedChanges schema;
    private final MarmotConfig config;
    private final Map<TableShape, TableWriter> targets = new HashMap<>();
    private TableShape lastShape;
    private TableWriter lastTarget;

    TableWriters(Connection c, LoggedChanges schema, MarmotConfig config) {
        this.c = c;
        this.schema = schema;
        this.config = config;
    }

    /** The local table a message's table maps to; null when this node does not replicate that table. */
    TableWriter target(TableShape shape) throws RejectedChange, SQLException {
        if (shape == lastShape) {
            return lastTarget; // the changes of one message share their table's shape object
        }
        TableWriter t = targets.get(shape);
        if (t == null && !targets.containsKey(shape)) {
            t = resolve(shape);
            targets.put(shape, t);
        }
        lastShape = shape;
        lastTarget = t;
        return t;
    }

    /** Forgets prepared statements; call when the schema changed or a transaction failed. */
    void reset() throws SQLException {
        SQLException first = null;
        for (TableWriter t : targets.values()) {
            try {
                if (t != null) {
                    t.close();
                }
            } catch (SQLException e) {
                first = first == null ? e : first; // a statement a failure left broken: forgotten all the same
            }
        }
        targets.clear();
        lastShape = null;
        lastTarget = null;
        if (first != null) {
            throw first;
        }
    }

    private TableWriter resolve(TableShape shape) throws RejectedChange, SQLException {
        String name = printable(shape.name());
        if (Identifiers.isInternal(shape.name()) || shape.name().toLowerCase(Locale.ROOT).startsWith("sqlite_")) {
            throw new RejectedChange("message names the internal table '" + name + "'");
        }
        if (!config.replicates(shape.name())) {
            return null;
        }
        TableInfo local = schema.table(c, shape.name());
        if (local == null) {
            throw new RejectedChange("unknown table '" + name + "' (schemas differ between nodes)");
        }
        String[] columns = new String[shape.columns().size()];
        for (int i = 0; i < columns.length; i++) {
            int idx = local.columnIndex(shape.columns().get(i));
            if (idx < 0) {
                throw new RejectedChange("table '" + name + "' has no column '" + printable(shape.columns().get(i))
                        + "' here (schemas differ between nodes)");
            }
            columns[i] = local.columns().get(idx).name();
        }
        if (shape.usesRowid() != local.usesRowid()) {
            throw new RejectedChange("table '" + name + "' is keyed by " + (local.usesRowid() ? "rowid" : "primary key "
                    + local.keyColumns()) + " here but not in the message (schemas differ between nodes)");
        }
        List<String> keyNames = new ArrayList<>();
        for (int k : shape.keyIndexes()) {
            keyNames.add(columns[k]);
        }
        if (!local.usesRowid() && !keyNames.equals(local.keyColumns())) {
            throw new RejectedChange("table '" + name + "' has primary key " + local.keyColumns() + " here, the message "
                    + keyNames + " (schemas differ between nodes)");
        }
        return new TableWriter(c, local, columns, shape.keyIndexes());
    }

    @Override
    public void close() throws SQLException {
        reset();
    }

    /** A name from a message, safe to log: control characters cannot forge log lines. */
    static String printable(String name) {
        StringBuilder sb = new StringBuilder(Math.min(name.length(), 200));
        for (int i = 0; i < name.length() && sb.length() < 200; i++) {
            char ch = name.charAt(i);
            sb.append(Character.isISOControl(ch) ? '?' : ch);
        }
        return sb.toString();
    }
}
