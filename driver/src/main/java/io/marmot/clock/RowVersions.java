package io.marmot.clock;

import io.marmot.sqlite.ManyRows;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory of last-writer-wins ({@code __marmot_versions}: table, key bytes, the stamp of the row's last insert
 * or delete, and {@code cols}: its deleted flag and column claims, see {@link RowStateCodec}). A deleted row keeps
 * its stamp as a tombstone, so an older insert or update cannot bring it back. Use on one connection, inside its
 * write transactions; {@link RowMerge} decides what a change does with the state read here.
 */
public final class RowVersions implements AutoCloseable {
    public static final String TABLE = "__marmot_versions";
    private static final String RECORD_LOCAL_CONFLICT = " ON CONFLICT (tbl, pk) DO UPDATE SET hlc = excluded.hlc,"
            + " node = excluded.node, cols = excluded.cols WHERE excluded.hlc > hlc OR (excluded.hlc = hlc AND excluded.node > node)";

    private final PreparedStatement load;
    private final PreparedStatement store;
    private final PreparedStatement claimUnseen;
    private final PreparedStatement forget;
    private final ManyRows claimAll;
    private final ManyRows loadAll;
    private final ManyRows storeAll;
    private final ManyRows recordLocalAll;
    private final VersionWriters shared;
    private final ChangedKeys changed;

    /** @param shared what the engine's writers of versions share: its collector is told every key whose version changed */
    public RowVersions(Connection c, VersionWriters shared) throws SQLException {
        this.shared = shared;
        this.changed = shared.changed();
        this.load = c.prepareStatement("SELECT hlc, node, cols FROM " + TABLE + " WHERE tbl = ? AND pk = ?");
        // REPLACE rather than an upsert setting every column: the same row, 26 VM steps a row instead of 41 (the
        // table has no triggers and no foreign keys, which would see REPLACE's delete).
        this.store = c.prepareStatement("REPLACE INTO " + TABLE + " (tbl, pk, hlc, node, cols) VALUES (?, ?, ?, ?, ?)");
        this.claimUnseen = c.prepareStatement("INSERT INTO " + TABLE + " (tbl, pk, hlc, node) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (tbl, pk) DO NOTHING");
        // Local inserts and deletes are newer than anything applied (the clock's floor), so they replace the state
        // in one statement; the WHERE ({@link Hlc#newer}) only guards a log folded twice.
        // SQLite upserts the VALUES rows one after the other, so a key twice in one statement ends as the later.
        this.recordLocalAll = new ManyRows(c, 5, rows -> "INSERT INTO " + TABLE + " (tbl, pk, hlc, node, cols) VALUES "
                + ManyRows.tuples("(?, ?, ?, ?, ?)", rows) + RECORD_LOCAL_CONFLICT);
        this.forget = c.prepareStatement("DELETE FROM " + TABLE + " WHERE tbl = ? AND pk = ?");
        this.claimAll = new ManyRows(c, 4, rows -> "INSERT INTO " + TABLE + " (tbl, pk, hlc, node) VALUES "
                + ManyRows.tuples("(?, ?, ?, ?)", rows) + " ON CONFLICT (tbl, pk) DO NOTHING");
        this.loadAll = new ManyRows(c, 1, rows -> "SELECT pk, hlc, node, cols FROM " + TABLE + " WHERE tbl = ? AND pk IN ("
                + ManyRows.tuples("?", rows) + ")");
        this.storeAll = new ManyRows(c, 5, rows -> "REPLACE INTO " + TABLE + " (tbl, pk, hlc, node, cols) VALUES "
                + ManyRows.tuples("(?, ?, ?, ?, ?)", rows));
    }

    /** What the engine's writers of versions share (the turn of catch-ups, say). */
    public VersionWriters shared() {
        return shared;
    }

    public static void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (tbl TEXT NOT NULL, pk BLOB NOT NULL,"
                    + " hlc INTEGER NOT NULL, node INTEGER NOT NULL, cols BLOB, PRIMARY KEY (tbl, pk)) WITHOUT ROWID");
            boolean hasCols;
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pragma_table_info('" + TABLE + "') WHERE name = 'cols'")) {
                hasCols = rs.next();
            }
            if (!hasCols) {
                s.execute("ALTER TABLE " + TABLE + " ADD COLUMN cols BLOB"); // databases of whole-row versions
            }
        }
    }

    /**
     * A table was renamed: its rows' states follow it (else every row would look unseen under the new name). Runs in
     * the transaction of the rename.
     */
    public static void renameTable(Connection c, String from, String to) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + TABLE + "'")) {
            if (!rs.next()) {
                return;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE OR REPLACE " + TABLE + " SET tbl = ? WHERE tbl = ?")) {
            ps.setString(1, to);
            ps.setString(2, from);
            ps.executeUpdate();
        }
    }

    public RowState load(String table, byte[] key) throws SQLException {
        load.setString(1, table);
        load.setBytes(2, key);
        try (ResultSet rs = load.executeQuery()) {
            if (!rs.next()) {
                return RowState.UNSEEN;
            }
            return RowStateCodec.decode(new Stamp(rs.getLong(1), rs.getLong(2)), rs.getBytes(3));
        }
    }

    public void store(String table, byte[] key, RowState state) throws SQLException {
        store.setString(1, table);
        store.setBytes(2, key);
        store.setLong(3, state.row().version());
        store.setLong(4, state.row().node());
        store.setBytes(5, RowStateCodec.encode(state));
        store.executeUpdate();
        changed(table, key);
    }

    /** Records an insert of a row nobody wrote before; false (nothing done) when the row has a state. */
    public boolean claimUnseen(String table, byte[] key, Stamp s) throws SQLException {
        claimUnseen.setString(1, table);
        claimUnseen.setBytes(2, key);
        claimUnseen.setLong(3, s.version());
        claimUnseen.setLong(4, s.node());
        if (claimUnseen.executeUpdate() == 0) {
            return false;
        }
        changed(table, key);
        return true;
    }

    /**
     * {@link #claimUnseen} for many rows of one table (distinct keys), in a few statements; true when every row was
     * unseen and is claimed. False: some rows had a state, and those that had none are claimed all the same: the
     * caller rolls back to a savepoint taken before and merges the rows one by one.
     */
    public boolean claimUnseenAll(String table, List<byte[]> keys, long[] versions, long node) throws SQLException {
        int claimed = 0;
        for (int from = 0; from < keys.size();) {
            int n = claimAll.chunk(keys.size() - from);
            PreparedStatement ps = claimAll.statement(n);
            int p = 1;
            for (int i = from; i < from + n; i++) {
                ps.setString(p++, table);
                ps.setBytes(p++, keys.get(i));
                ps.setLong(p++, versions[i]);
                ps.setLong(p++, node);
            }
            claimed += ps.executeUpdate(); // the rows inserted: those that had no state
            from += n;
        }
        if (claimed != keys.size()) {
            return false;
        }
        for (byte[] key : keys) {
            changed(table, key);
        }
        return true;
    }

    /** {@link #load} of many rows of one table in a few statements: the states by key bytes (absent: unseen). */
    public Map<ByteBuffer, RowState> loadAll(String table, List<byte[]> keys) throws SQLException {
        Map<ByteBuffer, RowState> out = new HashMap<>();
        for (int from = 0; from < keys.size();) {
            int n = loadAll.chunk(keys.size() - from);
            PreparedStatement ps = loadAll.statement(n);
            ps.setString(1, table);
            for (int i = 0; i < n; i++) {
                ps.setBytes(i + 2, keys.get(from + i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(ByteBuffer.wrap(rs.getBytes(1)), RowStateCodec.decode(new Stamp(rs.getLong(2), rs.getLong(3)),
                            rs.getBytes(4)));
                }
            }
            from += n;
        }
        return out;
    }

    /** {@link #store} of many rows of one table (distinct keys) in a few statements. */
    public void storeAll(String table, List<byte[]> keys, List<RowState> states) throws SQLException {
        for (int from = 0; from < keys.size();) {
            int n = storeAll.chunk(keys.size() - from);
            PreparedStatement ps = storeAll.statement(n);
            int p = 1;
            for (int i = from; i < from + n; i++) {
                RowState state = states.get(i);
                ps.setString(p++, table);
                ps.setBytes(p++, keys.get(i));
                ps.setLong(p++, state.row().version());
                ps.setLong(p++, state.row().node());
                ps.setBytes(p++, RowStateCodec.encode(state));
            }
            ps.executeUpdate();
            from += n;
        }
        for (byte[] key : keys) {
            changed(table, key);
        }
    }

    /**
     * Records local inserts (or deletes, {@code deleted[i]}), in commit order: each row's state starts anew at its
     * stamp. A few statements of many rows: through sqlite-jdbc a statement costs about as much as the row's own work.
     */
    public void recordLocalAll(List<String> tables, List<byte[]> keys, List<Stamp> stamps, boolean[] deleted)
            throws SQLException {
        for (int from = 0; from < keys.size();) {
            int n = recordLocalAll.chunk(keys.size() - from);
            PreparedStatement ps = recordLocalAll.statement(n);
            int p = 1;
            for (int i = from; i < from + n; i++) {
                Stamp s = stamps.get(i);
                ps.setString(p++, tables.get(i));
                ps.setBytes(p++, keys.get(i));
                ps.setLong(p++, s.version());
                ps.setLong(p++, s.node());
                ps.setBytes(p++, RowStateCodec.encode(deleted[i] ? RowState.UNSEEN.withRow(s) : RowState.alive(s)));
            }
            ps.executeUpdate();
            from += n;
        }
        for (int i = 0; i < keys.size(); i++) {
            changed(tables.get(i), keys.get(i));
        }
    }

    /** Forgets the row's state (undoes {@link #claimUnseen} whose write failed). */
    public void forget(String table, byte[] key) throws SQLException {
        forget.setString(1, table);
        forget.setBytes(2, key);
        forget.executeUpdate();
    }

    private void changed(String table, byte[] key) {
        if (changed != null) {
            changed.changed(table, key);
        }
    }

    @Override
    public void close() throws SQLException {
        try (PreparedStatement a = load; PreparedStatement b = store; PreparedStatement c = claimUnseen;
                PreparedStatement e = forget; ManyRows f = claimAll;
                ManyRows g = loadAll; ManyRows h = storeAll; ManyRows i = recordLocalAll) {
            // closes all eight, keeping the first failure
        }
    }
}
