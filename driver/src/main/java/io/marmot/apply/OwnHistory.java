package io.marmot.apply;

import io.marmot.sqlite.Sqlite;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which of this node id's messages in a stream this database file holds already. A node skips its own messages
 * because its file wrote them; but a file that is not the one that published them (the same {@code node-id} on an
 * empty file, a pod on an emptyDir volume; a copy or a restored backup) lacks them and must read them like anyone
 * else's. So the skip is tied to the file: {@code __marmot_own_history} records, per stream and for this file's
 * instance token, the stream's next sequence when the file first bound to it. Own messages from there on are this
 * file's; those before it were published by an earlier file with the same id and are applied (duplicates of what a
 * file holds change nothing, so a message of this file read as foreign costs only the reading). A stream created
 * anew while this file lived holds only this file's messages.
 */
final class OwnHistory {
    static final String TABLE = "__marmot_own_history";

    private final String instance;
    private final Map<String, Long> from = new ConcurrentHashMap<>();

    /** Creates the table through {@code db}; keeps no connection (the applier's is opened and closed as needed). */
    OwnHistory(Connection db, String instance) throws SQLException {
        this.instance = instance;
        createTable(db);
    }

    static void createTable(Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (stream TEXT PRIMARY KEY, instance TEXT NOT NULL,"
                    + " created INTEGER NOT NULL, from_seq INTEGER NOT NULL)");
        }
    }

    /** Whether the message at {@code seq}, published under this node id, was published by this file. */
    boolean mine(String stream, long seq) {
        Long first = from.get(stream);
        return first != null && seq >= first;
    }

    /** The stream (created at {@code created}, epoch ns) is bound, its last sequence {@code last}. */
    void bound(Connection db, String stream, long created, long last) throws SQLException {
        Long first = Sqlite.inWriteTransaction(db, c -> {
            String heldBy = null;
            long heldCreated = 0;
            long heldFrom = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT instance, created, from_seq FROM " + TABLE
                    + " WHERE stream = ?")) {
                ps.setString(1, stream);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        heldBy = rs.getString(1);
                        heldCreated = rs.getLong(2);
                        heldFrom = rs.getLong(3);
                    }
                }
            }
            boolean thisFile = instance.equals(heldBy);
            if (thisFile && heldCreated == created) {
                return heldFrom;
            }
            long next = thisFile ? 1 : last + 1;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (stream, instance, created, from_seq)"
                    + " VALUES (?, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET instance = excluded.instance,"
                    + " created = excluded.created, from_seq = excluded.from_seq")) {
                ps.setString(1, stream);
                ps.setString(2, instance);
                ps.setLong(3, created);
                ps.setLong(4, next);
                ps.executeUpdate();
            }
            return next;
        });
        from.put(stream, first);
    }
}
