package io.marmot.engine;

import io.marmot.capture.ChangeLog;
import io.marmot.config.MarmotConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who this database is. The node id is the configured one, else the one stored in the database, else a fresh
 * random one; but a database whose file is not the file it was (a copy, a backup restored elsewhere: its
 * file-system identity changed) never keeps the stored id, so a copy never poses as its source. The instance
 * token, new for every such file, tells two live claimants of one node id apart (see NodeClaims).
 *
 * @param nodeId the id this node runs with
 * @param instance a token unique to this database file
 */
record NodeIdentity(long nodeId, String instance) {
    private static final Logger log = LoggerFactory.getLogger(NodeIdentity.class);
    static final String TABLE = "__marmot_identity";

    /** Decides the identity inside the caller's write transaction, before capture is installed. */
    static NodeIdentity establish(Connection c, Path database, MarmotConfig config) throws SQLException {
        String fileId = fileId(database);
        long stored = storedNodeId(c);
        String storedFile = null;
        String instance = null;
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id INTEGER PRIMARY KEY CHECK (id = 1),"
                    + " file_id TEXT NOT NULL, instance TEXT NOT NULL)");
            try (ResultSet rs = s.executeQuery("SELECT file_id, instance FROM " + TABLE)) {
                if (rs.next()) {
                    storedFile = rs.getString(1);
                    instance = rs.getString(2);
                }
            }
        }
        boolean copied = storedFile != null && !storedFile.isEmpty() && !fileId.isEmpty() && !storedFile.equals(fileId);
        if (instance == null || copied) {
            instance = UUID.randomUUID().toString();
        }
        long id = config.nodeId() != 0 ? config.nodeId()
                : stored != 0 && !copied ? stored : ThreadLocalRandom.current().nextLong(1, 1L << 48);
        if (copied) {
            log.warn("{} - {} is a copy of the database of node {} (its file is not the one that node wrote): it runs as"
                    + " node {}{}", id, database, stored, id, config.nodeId() != 0 ? ", as configured" : ", a fresh id");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (id, file_id, instance) VALUES (1, ?, ?)"
                + " ON CONFLICT (id) DO UPDATE SET file_id = excluded.file_id, instance = excluded.instance")) {
            ps.setString(1, fileId);
            ps.setString(2, instance);
            ps.executeUpdate();
        }
        return new NodeIdentity(id, instance);
    }

    private static long storedNodeId(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM sqlite_master WHERE name = '" + ChangeLog.STATE + "'")) {
            if (!rs.next()) {
                return 0;
            }
        }
        return ChangeLog.storedNodeId(c);
    }

    /** Keeps the node id in the change log's state row (capture and the applier read it there). */
    static void store(Connection c, long nodeId) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE " + ChangeLog.STATE + " SET node_id = " + nodeId + " WHERE node_id <> " + nodeId);
        }
    }

    /** The file's identity on its file system (device and inode on Linux); empty where the system has none. */
    private static String fileId(Path database) {
        try {
            Object key = Files.readAttributes(database, BasicFileAttributes.class).fileKey();
            return key == null ? "" : key.toString();
        } catch (IOException e) {
            return "";
        }
    }
}
