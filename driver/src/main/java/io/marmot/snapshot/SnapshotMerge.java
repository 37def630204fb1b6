package io.marmot.snapshot;

import io.marmot.clock.ColumnClaim;
import io.marmot.clock.RowKey;
import io.marmot.clock.RowState;
import io.marmot.clock.RowVersions;
import io.marmot.config.MarmotConfig;
import io.marmot.merge.MergeWriter;
import io.marmot.schema.Identifiers;
import io.marmot.schema.SchemaReader;
import io.marmot.schema.TableInfo;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * Merges a snapshot into a live database: every row of the copy becomes the change the applier would apply, with
 * the version the copy holds for it (its {@code __marmot_versions}), and every tombstone the delete it records;
 * they go through the applier's own writer ({@link MergeWriter}) in bounded transactions. So what is newer here
 * (the node's own changes made while it was away, published or not) stays, what is newer in the copy wins, and
 * merging twice changes nothing. No file is replaced and no connection is disturbed. Tables or columns the copy
 * has and this database lacks (or a different key) cannot be merged: they are reported, never dropped in silence.
 */
final class SnapshotMerge {
    private static final Logger log = LoggerFactory.getLogger(SnapshotMerge.class);
    private static final int TRANSACTION_ROWS = 2000;
    private static final int REPORTED_REJECTIONS = 20;
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(3);

    /** What a merge did; {@code changed}: rows it changed by table; {@code problems} empty when all was merged. */
    record Outcome(long rows, long stale, Map<String, Long> changed, List<String> problems) {
        long applied() {
            return changed.values().stream().mapToLong(Long::longValue).sum();
        }

        boolean complete() {
            return problems.isEmpty();
        }
    }

    private final Path database;
    private final MarmotConfig config;
    private final long nodeId;
    private final boolean setBased;
    private final List<String> problems = new ArrayList<>();
    private long rows;
    private final Map<String, Long> changed = new LinkedHashMap<>();
    private String table;
    private long stale;
    private long started;
    private long lastReport;
    private long total;
    private final MergeBatch pending = new MergeBatch();

    private SnapshotMerge(Path database, MarmotConfig config, long nodeId, boolean setBased) {
        this.setBased = setBased;
        this.database = database;
        this.config = config;
        this.nodeId = nodeId;
    }

    /** Merges the checked copy at {@code copy} into {@code database}; {@code m} (may be null) sizes the progress log. */
    static Outcome merge(Path database, Path copy, Manifest m, MarmotConfig config, long nodeId,
            io.marmot.clock.VersionWriters writers) throws SQLException {
        return merge(database, copy, m, config, nodeId, true, writers);
    }

    /**
     * As above; {@code setBased} false sends every row through the row-by-row rule (tests compare the two).
     * {@code writers}: what the running engine's writers of versions share ({@code alone()} without an engine).
     */
    static Outcome merge(Path database, Path copy, Manifest m, MarmotConfig config, long nodeId, boolean setBased,
            io.marmot.clock.VersionWriters writers) throws SQLException {
        SnapshotMerge merge = new SnapshotMerge(database, config, nodeId, setBased);
        merge.total = m == null ? 0 : m.rows();
        try (SQLiteConnection snapshot = Sqlite.open(copy); SQLiteConnection local = Sqlite.open(database);
                MergeWriter writer = new MergeWriter(local, nodeId, config, writers)) {
            RowKeyFunction.register(snapshot);
            RowKeyFunction.register(local);
            try (java.sql.Statement s = local.createStatement()) {
                s.execute("PRAGMA cache_size = -65536"); // 64 MiB: row versions of a large table stay in memory
            }
            merge.started = System.nanoTime();
            merge.lastReport = merge.started;
            try (BulkMerge bulk = BulkMerge.attach(local, copy)) {
                for (String table : SchemaReader.userTables(snapshot)) {
                    if (config.replicates(table)) {
                        merge.table(snapshot, local, writer, bulk, table);
                    }
                }
            }
        }
        return new Outcome(merge.rows, merge.stale, Map.copyOf(merge.changed), List.copyOf(merge.problems));
    }

    private void table(Connection snapshot, Connection local, MergeWriter writer, BulkMerge bulk, String table)
            throws SQLException {
        this.table = table;
        TableInfo theirs = SchemaReader.table(snapshot, table);
        String refusal = MergeableTable.refusal(theirs, SchemaReader.table(local, table));
        if (refusal != null) {
            problems.add(refusal);
            return;
        }
        List<String> columns = theirs.columns().stream().map(TableInfo.Column::name).toList();
        int[] keyIndexes = theirs.keyColumns().stream().mapToInt(theirs::columnIndex).toArray();
        TableShape shape = new TableShape(table, columns, keyIndexes);
        List<String> keyExprs = theirs.usesRowid() ? List.of(theirs.rowidAlias())
                : theirs.keyColumns().stream().map(Identifiers::quote).toList();
        StringBuilder select = new StringBuilder("SELECT ");
        if (theirs.usesRowid()) {
            select.append(theirs.rowidAlias()).append(", ");
        }
        select.append(String.join(", ", columns.stream().map(Identifiers::quote).toList()));
        select.append(" FROM ").append(Identifiers.quote(table));
        try (RowVersions versions = new RowVersions(snapshot, io.marmot.clock.VersionWriters.alone())) {
            if (bulk.sliceable(table)) {
                try (PreparedStatement range = snapshot.prepareStatement(select + " WHERE rowid >= ? AND rowid <= ?")) {
                    sliced(writer, bulk, theirs, versions, shape, range);
                }
            } else {
                try (PreparedStatement all = snapshot.prepareStatement(select.toString());
                        ResultSet rs = all.executeQuery()) {
                    while (rs.next()) {
                        row(writer, versions, shape, rs);
                    }
                }
            }
            // States of keys the copy holds no row for: tombstones, and updates waiting for their row.
            String tombstones = "SELECT pk FROM " + RowVersions.TABLE + " WHERE tbl = ? AND pk NOT IN (SELECT "
                    + RowKeyFunction.sql(keyExprs) + " FROM " + Identifiers.quote(table) + ")";
            try (PreparedStatement tq = snapshot.prepareStatement(tombstones)) {
                tq.setString(1, table);
                try (ResultSet rs = tq.executeQuery()) {
                    while (rs.next()) {
                        byte[] pk = rs.getBytes(1);
                        RowState state = versions.load(table, pk);
                        Object[] key = RowKey.decode(pk);
                        Object rowid = theirs.usesRowid() ? key[0] : null;
                        Object[] keyValues = theirs.usesRowid() ? new Object[0] : key;
                        if (state.tombstone()) {
                            add(writer, state.row().node(), new RowChange(state.row().version(), shape,
                                    RowChange.DELETE, rowid, keyValues));
                        }
                        // Updates of a deleted row, or of one whose insert has not come: an insert newer than them
                        // brings them back.
                        Object[] keyed = new Object[shape.columns().size()];
                        for (int k = 0; k < shape.keyIndexes().length; k++) {
                            keyed[shape.keyIndexes()[k]] = keyValues[k];
                        }
                        for (ColumnClaim claim : state.claims()) {
                            if (claim.latent()) {
                                addClaim(writer, shape, rowid, keyed, claim);
                            }
                        }
                    }
                }
            }
        }
        flush(writer);
    }

    /** Slice by slice: new and equal rows set-based ({@link BulkMerge}), the others as changes. */
    private void sliced(MergeWriter writer, BulkMerge bulk, TableInfo theirs, RowVersions versions, TableShape shape,
            PreparedStatement range) throws SQLException {
        long from = Long.MIN_VALUE;
        SliceRows size = new SliceRows();
        for (Long last; (last = bulk.sliceEnd(theirs.name(), from, size.next())) != null; from = last + 1) {
            List<Long> different;
            if (setBased) {
                try {
                    BulkMerge.Slice slice = bulk.slice(writer, theirs, from, last);
                    rows += slice.inserted() + slice.same();
                    changed(slice.inserted());
                    stale += slice.same();
                    different = slice.different();
                    size.took(slice.rows(), slice.nanos());
                } catch (SQLException e) {
                    if (!Sqlite.rejectsTheData(e)) {
                        throw e;
                    }
                    different = null; // a row of the slice clashes here (a unique value, say): the rule settles it
                }
            } else {
                different = null;
            }
            if (different == null) {
                rowByRow(writer, versions, shape, range, from, last);
            } else {
                for (long rowid : different) {
                    rowByRow(writer, versions, shape, range, rowid, rowid);
                }
            }
            flush(writer);
            if (last == Long.MAX_VALUE) {
                break;
            }
        }
    }

    private void rowByRow(MergeWriter writer, RowVersions versions, TableShape shape, PreparedStatement range, long from,
            long last) throws SQLException {
        range.setLong(1, from);
        range.setLong(2, last);
        try (ResultSet rs = range.executeQuery()) {
            while (rs.next()) {
                row(writer, versions, shape, rs);
            }
        }
    }

    /** One row of the copy: its insert with the row's stamp, then one update per column claim. */
    private void row(MergeWriter writer, RowVersions versions, TableShape shape, ResultSet rs) throws SQLException {
        int offset = shape.usesRowid() ? 1 : 0;
        Object rowid = shape.usesRowid() ? CopiedRows.value(rs, 1) : null;
        Object[] values = new Object[shape.columns().size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = CopiedRows.value(rs, offset + i + 1);
        }
        RowChange insert = new RowChange(0, shape, RowChange.INSERT, rowid, values);
        RowState state = versions.load(shape.name(), RowKey.of(insert.key()));
        add(writer, state.row().node(), new RowChange(state.row().version(), shape, RowChange.INSERT, rowid, values));
        for (ColumnClaim claim : state.claims()) {
            addClaim(writer, shape, rowid, values, claim);
        }
    }

    private void addClaim(MergeWriter writer, TableShape shape, Object rowid, Object[] row, ColumnClaim claim)
            throws SQLException {
        RowChange update = CopiedRows.claimUpdate(shape, rowid, row, claim);
        if (update != null) {
            add(writer, claim.stamp().node(), update);
        }
    }

    private void add(MergeWriter writer, long origin, RowChange change) throws SQLException {
        if (pending.add(origin, change) >= TRANSACTION_ROWS) {
            flush(writer);
        }
    }

    /** Applies what is pending in one transaction. */
    private void flush(MergeWriter writer) throws SQLException {
        int count = pending.size();
        if (count > 0) {
            MergeWriter.Result r = pending.applyTo(writer);
            rows += count;
            changed(r.applied());
            stale += r.stale();
            for (String rejection : r.rejections()) {
                if (problems.size() < REPORTED_REJECTIONS) {
                    problems.add(rejection);
                } else if (problems.size() == REPORTED_REJECTIONS) {
                    problems.add("... more rows could not be merged");
                }
            }
        }
        reportProgress();
    }

    private void changed(long n) {
        if (n > 0) {
            changed.merge(table, n, Long::sum);
        }
    }

    private void reportProgress() {
        long now = System.nanoTime();
        if (now - lastReport >= PROGRESS_EVERY_NANOS) {
            lastReport = now;
            double seconds = (now - started) / 1e9;
            log.info("{} - merging snapshot into {}: {} of about {} changes ({}%), {} changes/s", nodeId, database, rows,
                    total, total > 0 ? Math.min(100, rows * 100 / total) : 0, (long) (rows / Math.max(seconds, 1e-3)));
        }
    }
}
