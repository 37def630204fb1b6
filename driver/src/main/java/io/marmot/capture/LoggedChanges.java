package io.marmot.capture;

import io.marmot.clock.Hlc;
import io.marmot.schema.PastShapes;
import io.marmot.schema.SchemaJournal;
import io.marmot.schema.SchemaReader;
import io.marmot.schema.TableInfo;
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
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads captured changes back out of the log as {@link RowChange}s, naming their columns by the shape their table had
 * when they were logged: the shape before a later schema change ({@link PastShapes}), else the shape as last
 * recorded for the peers ({@link SchemaJournal}: a change another process made is not recorded yet), else the current
 * schema. One instance per connection; it caches table shapes until the schema changes.
 */
public final class LoggedChanges {
    private static final Logger log = LoggerFactory.getLogger(LoggedChanges.class);
    private static final int FIRST_VALUE = 5;

    private final Map<String, TableInfo> tables = new HashMap<>();
    /** Message shapes by table shape (one instance per distinct shape, see {@link #canonical}) and column count. */
    private final Map<TableInfo, TableShape[]> shapes = new java.util.IdentityHashMap<>();
    private final Map<TableInfo, TableInfo> canonical = new HashMap<>();
    private final Set<String> warned = new HashSet<>();
    /** Per read (its snapshot): the past shapes, and the shapes as recorded by table name. */
    private List<PastShapes.Past> past;
    private final Map<String, Optional<TableInfo>> recorded = new HashMap<>();
    private long unsendable;
    private int schemaVersion = -1;
    private int width;
    private PreparedStatement query;
    /** The table the rows of the previous read named last: the query returns NULL for its name. */
    private String usualTable;
    /** Of the current read. */
    private String boundTable;
    private String lastTable;
    private LogMarkers markers;

    /** Receives changes in commit order with their versions; returns false to stop reading. */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(long seq, long version, long tx, RowChange change) throws SQLException;
    }

    /**
     * Visits the changes logged after {@code from}, in commit order, until the visitor says stop, or until a change
     * group that has not ended (see {@link ChangeLog}). Each change's version continues the sequence from {@code from}
     * by {@link Hlc#nextVersion}. Returns the position of the last row consumed (visited, a marker, or skipped
     * because its table is gone), or {@code from}. The visitor's {@code tx} tells groups apart.
     */
    public LogPosition read(Connection c, LogPosition from, Visitor visitor) throws SQLException {
        return read(c, from, false, visitor);
    }

    /**
     * Like {@link #read}, but each change carries only its row's key and, for an update, which columns changed:
     * what folding into row versions needs, without reading every value. Reads every stamped change, its group
     * ended or not.
     */
    public LogPosition readKeys(Connection c, LogPosition from, Visitor visitor) throws SQLException {
        return read(c, from, true, visitor);
    }

    private LogPosition read(Connection c, LogPosition from, boolean keysOnly, Visitor visitor) throws SQLException {
        try {
            return readRows(c, from, keysOnly, visitor);
        } finally {
            usualTable = lastTable;
        }
    }

    private LogPosition readRows(Connection c, LogPosition from, boolean keysOnly, Visitor visitor) throws SQLException {
        refreshIfSchemaChanged(c);
        if (query == null) {
            // The table's name only where it is not the one bound: reading it would cost a string (and two copies)
            // for every row, where nearly every row names the table the rows before it named.
            StringBuilder sql = new StringBuilder("SELECT seq, CASE WHEN tbl = ? THEN NULL ELSE tbl END, op, mask");
            for (int i = 0; i < width; i++) {
                sql.append(", c").append(i);
            }
            query = c.prepareStatement(sql.append(" FROM ").append(ChangeLog.LOG).append(" WHERE seq > ? ORDER BY seq")
                    .toString());
        }
        query.setString(1, usualTable);
        query.setLong(2, from.seq());
        LogPosition last = from;
        past = null;
        recorded.clear();
        if (markers == null) {
            markers = new LogMarkers(c);
        }
        markers.start(!keysOnly);
        boundTable = usualTable;
        lastTable = usualTable;
        try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                long seq = rs.getLong(1);
                long code = rs.getLong(3);
                int op = (int) (code & ChangeLog.OP_KIND);
                if (op == ChangeLog.GROUP_END || op == ChangeLog.STAMP) {
                    long reading = rs.getLong(4);
                    last = new LogPosition(seq, Hlc.nextVersion(last.seq(), last.version(), seq, reading));
                    continue;
                }
                int cols = (int) (code >> ChangeLog.COUNT_SHIFT & ChangeLog.COUNT_BITS);
                if (cols > width && SchemaReader.schemaVersion(c) != schemaVersion) {
                    schemaVersion = -1; // widened (a new table) since this read's look at the schema: read again
                    return last;
                }
                long stamp;
                long tx;
                if ((op & ChangeLog.LEGACY) != 0) { // logged before markers: its own reading and group
                    int after = FIRST_VALUE + cols;
                    stamp = rs.getLong(after + 1);
                    tx = rs.getLong(after + 2);
                } else {
                    if (!markers.cover(seq)) {
                        return last; // the open group: the engine stamps it when it closes it
                    }
                    stamp = markers.stamp();
                    tx = markers.group();
                }
                // Versions advance with the log position, and never fall below the stamp.
                long version = Hlc.nextVersion(last.seq(), last.version(), seq, stamp);
                RowChange change = toChange(c, rs, version, keysOnly, op & ~ChangeLog.LEGACY, cols,
                        code >>> ChangeLog.SPARSE_SHIFT);
                if (change != null && !visitor.visit(seq, version, tx, change)) {
                    return last;
                }
                last = new LogPosition(seq, version);
            }
        }
        return last;
    }

    /** Releases the cached statement; the instance may be used again. */
    public void close() throws SQLException {
        try {
            if (query != null) {
                query.close();
                query = null;
            }
        } finally {
            if (markers != null) {
                markers.close();
                markers = null;
            }
        }
    }

    /** The local shape of a table (null when it does not exist), from the cache. */
    public TableInfo table(Connection c, String name) throws SQLException {
        refreshIfSchemaChanged(c);
        return cachedTable(c, name);
    }

    /** The cached shape; the caller checked the schema version already (once per read, not per row). */
    private TableInfo cachedTable(Connection c, String name) throws SQLException {
        if (!tables.containsKey(name)) {
            tables.put(name, canonical(SchemaReader.table(c, name)));
        }
        return tables.get(name);
    }

    /** Rows the log held that matched no shape of their table, so were not sent (since this instance began). */
    public long unsendable() {
        return unsendable;
    }

    /** The shape of table {@code name} when the row at {@code seq} was logged; read inside the read's snapshot. */
    private TableInfo shapeWhenLogged(Connection c, String name, long seq) throws SQLException {
        if (past == null) {
            past = new ArrayList<>();
            for (PastShapes.Past p : PastShapes.load(c, seq - 1)) {
                past.add(new PastShapes.Past(p.table(), p.upto(), canonical(p.shape())));
            }
        }
        TableInfo before = PastShapes.at(past, name, seq);
        if (before != null) {
            return before;
        }
        Optional<TableInfo> asRecorded = recorded.get(name);
        if (asRecorded == null) {
            asRecorded = Optional.ofNullable(canonical(SchemaJournal.recordedShape(c, name)));
            recorded.put(name, asRecorded);
        }
        return asRecorded.isPresent() ? asRecorded.get() : cachedTable(c, name);
    }

    /** One instance per distinct shape, so shapes are cached by identity (cheap per row). */
    private TableInfo canonical(TableInfo t) {
        return t == null ? null : canonical.computeIfAbsent(t, k -> k);
    }

    private RowChange toChange(Connection c, ResultSet rs, long version, boolean keysOnly, int op, int cols, long sparse)
            throws SQLException {
        String named = rs.getString(2);
        String name = named == null ? boundTable : named;
        lastTable = name;
        TableInfo t = shapeWhenLogged(c, name, rs.getLong(1));
        if (t == null || cols > t.columns().size()) {
            unsendable++;
            if (warned.add(name)) {
                log.warn("changes to table {} logged with {} columns match no known shape of it ({}): they cannot be sent",
                        name, cols, t == null ? "no such table" : t.columns().size() + " columns");
            }
            return null;
        }
        TableShape shape = shape(t, cols);
        Object rowid = t.usesRowid() ? value(rs, FIRST_VALUE + cols) : null; // after the row's values
        int[] keys = shape.keyIndexes();
        Object[] values;
        if (op == RowChange.DELETE) {
            values = new Object[keys.length];
            for (int i = 0; i < keys.length; i++) {
                values[i] = value(rs, FIRST_VALUE + keys[i]);
            }
            return new RowChange(version, shape, op, rowid, values);
        }
        values = new Object[cols];
        for (int i = 0; i < cols; i++) {
            if (!keysOnly || shape.isKey(i)) {
                values[i] = value(rs, FIRST_VALUE + i);
            }
        }
        return new RowChange(version, shape, op, rowid, values,
                op == RowChange.UPDATE ? changed(rs, shape, sparse) : null);
    }

    /**
     * The columns an update changed: those of {@code sparse} whose logged value is not NULL (see
     * {@link TriggerBuilder#logUpdateSql}), the others from its mask; null (every column) for logs of earlier versions.
     */
    private static int[] changed(ResultSet rs, TableShape shape, long sparse) throws SQLException {
        long mask = rs.getLong(4);
        if (rs.wasNull()) {
            return null;
        }
        int n = 0;
        int[] out = new int[shape.columns().size()];
        for (int i = 0; i < out.length; i++) {
            if (shape.isKey(i)) {
                continue;
            }
            boolean changed = i < ChangeLog.SPARSE_LIMIT && (sparse & 1L << i) != 0
                    ? rs.getObject(FIRST_VALUE + i) != null
                    : (mask & (1L << Math.min(i, ChangeLog.MASK_SHARED_BIT))) != 0;
            if (changed) {
                out[n++] = i;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private TableShape shape(TableInfo t, int cols) {
        TableShape[] byCount = shapes.computeIfAbsent(t, k -> new TableShape[k.columns().size() + 1]);
        if (byCount[cols] == null) {
            List<String> names = new ArrayList<>(cols);
            for (int i = 0; i < cols; i++) {
                names.add(t.columns().get(i).name());
            }
            int[] keys = t.keyColumns().stream().mapToInt(t::columnIndex).toArray();
            byCount[cols] = new TableShape(t.name(), names, keys);
        }
        return byCount[cols];
    }

    private void refreshIfSchemaChanged(Connection c) throws SQLException {
        int version = SchemaReader.schemaVersion(c);
        if (version != schemaVersion) {
            close();
            tables.clear();
            shapes.clear();
            canonical.clear();
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
