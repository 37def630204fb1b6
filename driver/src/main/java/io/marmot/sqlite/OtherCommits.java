package io.marmot.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Whether another connection committed since the last look, by SQLite's {@code PRAGMA data_version}: a poll that
 * finds none can rest, so a thousand idle databases cost little. Commits through the driver wake the publisher
 * anyway; this is for other processes.
 */
public final class OtherCommits implements AutoCloseable {
    private final Connection db;
    private PreparedStatement dataVersion;
    private long seen = -1;

    public OtherCommits(Connection db) {
        this.db = db;
    }

    /** True when some connection other than {@code db} committed since the previous call. */
    public boolean sinceLastLook() throws SQLException {
        if (dataVersion == null) {
            dataVersion = db.prepareStatement("PRAGMA data_version");
        }
        long version;
        try (ResultSet rs = dataVersion.executeQuery()) {
            version = rs.next() ? rs.getLong(1) : -1;
        }
        boolean changed = version != seen;
        seen = version;
        return changed;
    }

    @Override
    public void close() throws SQLException {
        if (dataVersion != null) {
            dataVersion.close();
        }
    }
}
