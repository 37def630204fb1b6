package io.marmot.apply;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code __marmot_received}: per stream, the {@link StreamPosition} this database has handled. Written in the same
 * transaction as the rows it covers, so after a crash the node reads again exactly from where its rows are.
 */
public final class ReceivedPositions {
    public static final String TABLE = "__marmot_received";

    private final Connection db;
    private final PreparedStatement upsert;

    /** Made whole: databases of earlier versions kept the sequence alone, and gain the other columns here. */
    static void createTable(Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (stream TEXT PRIMARY KEY, seq INTEGER NOT NULL,"
                    + " created INTEGER NOT NULL DEFAULT 0, stamp INTEGER NOT NULL DEFAULT 0,"
                    + " tail INTEGER NOT NULL DEFAULT 0)");
            Set<String> have = new HashSet<>();
            try (ResultSet rs = s.executeQuery("SELECT name FROM pragma_table_info('" + TABLE + "')")) {
                while (rs.next()) {
                    have.add(rs.getString(1));
                }
            }
            for (String column : new String[] {"created", "stamp", "tail"}) {
                if (!have.contains(column)) {
                    s.execute("ALTER TABLE " + TABLE + " ADD COLUMN " + column + " INTEGER NOT NULL DEFAULT 0");
                }
            }
        }
    }

    ReceivedPositions(Connection db) throws SQLException {
        this.db = db;
        createTable(db);
        this.upsert = db.prepareStatement("INSERT INTO " + TABLE + " (stream, seq, created, stamp, tail) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, created = excluded.created,"
                + " stamp = excluded.stamp, tail = excluded.tail");
    }

    Map<String, StreamPosition> load() throws SQLException {
        Map<String, StreamPosition> out = new HashMap<>();
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT stream, seq, created, stamp, tail FROM " + TABLE)) {
            while (rs.next()) {
                out.put(rs.getString(1), new StreamPosition(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
            }
        }
        return out;
    }

    /** Stores a position; call inside the transaction that applied what it covers. */
    void record(String stream, StreamPosition p) throws SQLException {
        upsert.setString(1, stream);
        upsert.setLong(2, p.seq());
        upsert.setLong(3, p.created());
        upsert.setLong(4, p.stamp());
        upsert.setLong(5, p.tail());
        upsert.executeUpdate();
    }

    void close() throws SQLException {
        upsert.close();
    }
}
