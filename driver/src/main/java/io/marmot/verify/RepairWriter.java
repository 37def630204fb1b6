package io.marmot.verify;

import io.marmot.clock.ChangedKeys;
import io.marmot.clock.VersionWriters;
import io.marmot.clock.ColumnClaim;
import io.marmot.clock.RowKey;
import io.marmot.clock.RowState;
import io.marmot.clock.RowVersions;
import io.marmot.clock.Stamp;
import io.marmot.config.MarmotConfig;
import io.marmot.listen.ChangeEvent;
import io.marmot.listen.ChangeListeners;
import io.marmot.merge.RejectedChange;
import io.marmot.merge.VersionCheckedWriter;
import io.marmot.replication.ReplicationCounters;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import io.marmot.wire.Transaction;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database side of repair: reads this node's rows of the ranges being narrowed, and writes a peer's rows. Each
 * peer row becomes the changes that wrote it, with their original versions and origins (an insert stamped with the
 * row's stamp, an update per column claim, a delete for a tombstone), and goes through the applier's own
 * {@link VersionCheckedWriter}: the row ends exactly as in-order delivery would have left it, whichever side is
 * newer. What versions cannot decide is settled by content, the same way on both sides: equal states and different
 * rows (a write with triggers off) leave the row whose hash orders higher (a live state keeps a row, a deleted one
 * removes it); a row nobody versioned (written with triggers off, or before capture) that this node lacks entirely
 * is taken as it is. Those rows count as settled, the others as repaired. Short write transactions, one per slice.
 */
final class RepairWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RepairWriter.class);

    private final long nodeId;
    private final Path database;
    private final MarmotConfig config;
    private org.sqlite.SQLiteConnection read;
    private org.sqlite.SQLiteConnection write;
    private VersionCheckedWriter writer;
    private RowVersions readVersions;
    private RowVersions writeVersions;

    private final ChangeListeners listeners;
    private final VersionWriters writers;
    private final ChangedKeys changed;
    /** Rows settled by content in the open transaction, for the listeners once it commits. */
    private final List<Transaction> settled = new ArrayList<>();

    /** @param writers what the engine's writers of row versions share (its collector of changed keys) */
    RepairWriter(long nodeId, Path database, MarmotConfig config, ChangeListeners listeners, VersionWriters writers) {
        this.writers = writers;
        this.changed = writers.changed();
        this.nodeId = nodeId;
        this.listeners = listeners;
        this.database = database;
        this.config = config;
    }

    /** This node's rows of the given ranges, read now. */
    List<TableHashes.Row> rowsIn(TableHashes table, Collection<Long> ranges) throws SQLException {
        open();
        return table.rowsIn(read, ranges);
    }

    /** Applies a slice of the peer's rows in one write transaction; returns {repaired, settled}. */
    long[] apply(TableHashes local, List<byte[]> keys, List<RepairCodec.PeerRow> rows,
            Map<ByteBuffer, TableHashes.Row> localRows, boolean unfolded) throws SQLException {
        open();
        TableShape shape = TableHashes.shapeOf(local);
        boolean rowid = local.info().usesRowid();
        int columns = local.columns().size();
        List<Transaction> txs = new ArrayList<>();
        int[] firstTx = new int[keys.size()];
        int[] lastTx = new int[keys.size()];
        boolean[] unversioned = new boolean[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            firstTx[i] = txs.size();
            RepairCodec.PeerRow r = rows.get(i);
            Object[] keyValues = RowKey.decode(keys.get(i));
            TableHashes.Row ours = localRows.get(ByteBuffer.wrap(keys.get(i)));
            RowState mine = effective(readVersions.load(local.table(), keys.get(i)), ours != null);
            Object rid = rowid ? keyValues[0] : null;
            if (r.values() != null && r.values().length != columns + (rowid ? 1 : 0)) {
                throw new SQLException("a peer's row of table " + local.table() + " has " + r.values().length
                        + " values, " + columns + " expected");
            }
            Object[] values = r.values() == null ? null : Arrays.copyOf(r.values(), columns);
            RowState theirs = r.state();
            if (values != null && theirs.equals(RowState.UNSEEN)) {
                if (ours == null && mine.equals(RowState.UNSEEN) && !unfolded) {
                    txs.add(new Transaction(0, List.of(new RowChange(0, shape, RowChange.INSERT, rid, values))));
                    unversioned[i] = true;
                }
            } else if (values != null && !theirs.deleted()) {
                if (theirs.row().newerThan(mine.row())) {
                    txs.add(one(theirs.row(), new RowChange(theirs.row().version(), shape, RowChange.INSERT, rid, values)));
                }
                for (ColumnClaim c : theirs.claims()) {
                    int col = local.columns().indexOf(c.column());
                    if (col >= 0 && !shape.isKey(col) && c.stamp().newerThan(mine.stampOf(c.column()))) {
                        txs.add(one(c.stamp(), update(shape, values, keyValues, col, c.latent() ? c.value() : values[col],
                                c.stamp(), rid)));
                    }
                }
            } else if (theirs.tombstone()) {
                if (theirs.row().newerThan(mine.row())) {
                    txs.add(one(theirs.row(), new RowChange(theirs.row().version(), shape, RowChange.DELETE, rid,
                            rowid ? new Object[0] : keyValues)));
                }
                for (ColumnClaim c : theirs.claims()) {
                    int col = local.columns().indexOf(c.column());
                    if (c.latent() && col >= 0 && !shape.isKey(col) && c.stamp().newerThan(mine.stampOf(c.column()))) {
                        txs.add(one(c.stamp(), update(shape, null, keyValues, col, c.value(), c.stamp(), rid)));
                    }
                }
            }
            lastTx[i] = txs.size();
        }
        if (txs.isEmpty()) {
            txs.add(new Transaction(0, List.of())); // the writer folds local changes first: ties compare folded states
        }
        long[] counts = new long[2];
        settled.clear();
        boolean[] settledHere = new boolean[keys.size()];
        List<VersionCheckedWriter.Outcome> outcomes = writer.apply(txs, (db, os) -> {
            for (int i = 0; i < keys.size(); i++) {
                if (!unfolded) {
                    settledHere[i] = settleTie(db, local, shape, keys.get(i), rows.get(i));
                }
            }
        });
        for (int t = 0; t < txs.size(); t++) { // committed: listeners hear the rows written
            List<RowChange> written = outcomes.get(t).written();
            if (written != null && !written.isEmpty()) {
                listeners.committed(ChangeEvent.Source.REPAIR, txs.get(t).origin(), written.get(0).version(), written);
            }
        }
        settled.forEach(tx -> listeners.committed(ChangeEvent.Source.REPAIR, tx.origin(), tx.changes().get(0).version(),
                tx.changes()));
        listeners.flush();
        for (int i = 0; i < keys.size(); i++) {
            boolean applied = false;
            for (int t = firstTx[i]; t < lastTx[i]; t++) {
                VersionCheckedWriter.Outcome o = outcomes.get(t);
                if (o.rejected()) {
                    log.warn("{} - repairing table {} key {}: {}", nodeId, local.table(),
                            Arrays.deepToString(RowKey.decode(keys.get(i))), o.rejection());
                } else {
                    applied |= o.applied() > 0;
                }
            }
            if (settledHere[i] || (applied && unversioned[i])) {
                counts[1]++;
            } else if (applied) {
                counts[0]++;
            }
        }
        return counts;
    }

    /**
     * Inside the write transaction, after the peer's changes: a row still different under a state equal to the
     * peer's is settled by content, the same way on both nodes. True when this node's row was written.
     */
    private boolean settleTie(java.sql.Connection db, TableHashes local, TableShape shape, byte[] key,
            RepairCodec.PeerRow theirs) throws SQLException {
        Object[] keyValues = RowKey.decode(key);
        TableHashes.Row ours = local.row(db, keyValues);
        long theirHash = theirs.values() == null ? 0 : Digest.mix(RowKey.of(theirs.values()));
        if (ours == null ? theirs.values() == null : theirs.values() != null && ours.hash() == theirHash) {
            return false;
        }
        RowState mine = effective(writeVersions.load(local.table(), key), ours != null);
        if (!sameVersions(mine, effective(theirs.state(), theirs.values() != null))) {
            return false; // versions differ: last-writer-wins decided (or the peer takes this node's row)
        }
        boolean rowid = local.info().usesRowid();
        execute(db, "SAVEPOINT marmot_settle");
        try {
            RowChange wrote = null;
            if (mine.deleted()) {
                if (ours != null) {
                    writer.remove(shape, keyValues);
                    wrote = new RowChange(mine.row().version(), shape, RowChange.DELETE, rowid ? keyValues[0] : null,
                            rowid ? new Object[0] : keyValues);
                }
            } else if (theirs.values() != null && (ours == null || Long.compareUnsigned(theirHash, ours.hash()) > 0)) {
                Object[] values = Arrays.copyOf(theirs.values(), local.columns().size());
                writer.overwrite(new RowChange(0, shape, RowChange.INSERT, rowid ? keyValues[0] : null, values));
                wrote = new RowChange(mine.row().version(), shape, RowChange.INSERT, rowid ? keyValues[0] : null, values);
            }
            execute(db, "RELEASE marmot_settle");
            if (wrote != null && listeners.active()) {
                settled.add(new Transaction(mine.row().node(), List.of(wrote)));
            }
            if (wrote != null && changed != null) {
                changed.changed(local.table(), key); // no version changed: tell verification's hashing all the same
            }
            if (wrote != null) {
                log.warn("{} - settled table {} key {}: equal versions, different rows; the row whose content orders"
                        + " higher stays", nodeId, local.table(), Arrays.deepToString(keyValues));
            }
            return wrote != null;
        } catch (RejectedChange | SQLException e) {
            execute(db, "ROLLBACK TO marmot_settle");
            execute(db, "RELEASE marmot_settle");
            if (e instanceof SQLException se && !Sqlite.rejectsTheData(se)) {
                throw se;
            }
            log.warn("{} - cannot settle table {} key {}: {}", nodeId, local.table(), Arrays.deepToString(keyValues),
                    e.getMessage());
            return false;
        }
    }

    /** A row the table holds that no version describes stands as written by nobody, older than any write. */
    static RowState effective(RowState state, boolean present) {
        return present && state.equals(RowState.UNSEEN) ? RowState.alive(Stamp.NONE) : state;
    }

    static boolean sameVersions(RowState a, RowState b) {
        if (!a.row().equals(b.row()) || a.deleted() != b.deleted() || a.claims().size() != b.claims().size()) {
            return false;
        }
        for (int i = 0; i < a.claims().size(); i++) {
            ColumnClaim x = a.claims().get(i);
            ColumnClaim y = b.claims().get(i);
            if (!x.column().equals(y.column()) || !x.stamp().equals(y.stamp()) || x.latent() != y.latent()) {
                return false;
            }
        }
        return true;
    }

    private static Transaction one(Stamp s, RowChange change) {
        return new Transaction(s.node(), List.of(change));
    }

    private static RowChange update(TableShape shape, Object[] values, Object[] keyValues, int column, Object value,
            Stamp s, Object rid) {
        Object[] only = new Object[shape.columns().size()];
        only[column] = value;
        int[] keys = shape.keyIndexes();
        for (int k = 0; k < keys.length; k++) {
            only[keys[k]] = keyValues[k];
        }
        return new RowChange(s.version(), shape, RowChange.UPDATE, rid, only, new int[] {column});
    }

    private void open() throws SQLException {
        if (read == null) {
            read = Sqlite.open(database);
            readVersions = new RowVersions(read, writers);
        }
        if (write == null) {
            write = Sqlite.open(database);
            // Conflicts repair meets are recorded in __marmot_conflicts; they are not new deliveries to count.
            writer = new VersionCheckedWriter(write, nodeId, config, new ReplicationCounters(), listeners, writers);
            writeVersions = new RowVersions(write, writers);
        }
    }

    private static void execute(java.sql.Connection db, String sql) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public void close() {
        java.sql.Connection r = read;
        java.sql.Connection w = write;
        // In reverse: the statements first, then the connections (their write-lock waiters forgotten first).
        try (AutoCloseable d = () -> Sqlite.close(r); AutoCloseable e = () -> Sqlite.close(w);
                AutoCloseable a = readVersions; AutoCloseable b = writeVersions; AutoCloseable c = writer) {
            // closes all, keeping the first failure
        } catch (Exception e) {
            log.debug("{} - closing the repair writer: {}", nodeId, e.toString());
        }
        read = null;
        write = null;
        writer = null;
        readVersions = null;
        writeVersions = null;
    }
}
