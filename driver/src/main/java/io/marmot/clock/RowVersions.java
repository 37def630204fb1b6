package io.marmot.clock;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The version each row holds ({@code __marmot_versions}: table, key bytes, version, node), the memory of
 * last-writer-wins. A change is applied only if it raises its row's version; a delete keeps its version as a
 * tombstone, so an older update cannot bring the row back. Use on one connection, inside its write transactions.
 */
public final class RowVersions implements AutoCloseable {
    public static final String TABLE = "__marmot_versions";

    private final PreparedStatement advance;

    public RowVersions(Connection c) throws SQLException {
        // One statement looks up and records together; its WHERE is {@link Hlc#newer}.
        this.advance = c.prepareStatement("INSERT INTO " + TABLE + " (tbl, pk, hlc, node) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (tbl, pk) DO UPDATE SET hlc = excluded.hlc, node = excluded.node"
                + " WHERE excluded.hlc > hlc OR (excluded.hlc = hlc AND excluded.node > node)");
    }

    public static void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (tbl TEXT NOT NULL, pk BLOB NOT NULL,"
                    + " hlc INTEGER NOT NULL, node INTEGER NOT NULL, PRIMARY KEY (tbl, pk)) WITHOUT ROWID");
        }
    }

    /**
     * Raises the row's version to (version, node) if that is newer than the version it holds; true when it did,
     * that is, when the change carrying that version must be applied.
     */
    public boolean advance(String table, byte[] key, long version, long node) throws SQLException {
        advance.setString(1, table);
        advance.setBytes(2, key);
        advance.setLong(3, version);
        advance.setLong(4, node);
        return advance.executeUpdate() > 0;
    }

    @Override
    public void close() throws SQLException {
        advance.close();
    }
}
