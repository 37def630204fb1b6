package io.marmot.replication;

import io.marmot.capture.ChangeLog;
import io.marmot.capture.LoggedChanges;
import io.marmot.capture.VersionFold;
import io.marmot.clock.RowKey;
import io.marmot.clock.RowVersions;
import io.marmot.config.MarmotConfig;
import io.marmot.schema.SchemaReader;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.RowChange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The SQLite side of applying: groups of received batches go into ONE transaction, each group under its own
 * savepoint so it lands whole or not at all. A row change is applied only if its version (clock, origin) is
 * newer than the version the row holds, so duplicates and any delivery order give the same database.
 */
final class VersionCheckedWriter implements AutoCloseable {
    private final Connection db;
    private final LoggedChanges schema = new LoggedChanges();
    private final RowVersions versions;
    private final VersionFold fold;
    private final RowWriter writer;
    private int schemaVersion = -1;

    VersionCheckedWriter(Connection db, long nodeId, MarmotConfig config) throws SQLException {
        this.db = db;
        this.versions = new RowVersions(db);
        this.fold = new VersionFold(db, nodeId, versions);
        this.writer = new RowWriter(db, schema, config);
    }

    /** What became of one group: applied (with its counts) or rejected with a reason. */
    record Outcome(int applied, int stale, long maxVersion, String rejection) {
        boolean rejected() {
            return rejection != null;
        }
    }

    /** Work done in the same transaction, after the groups, seeing their outcomes (parking, positions). */
    @FunctionalInterface
    interface Epilogue {
        void run(Connection db, List<Outcome> outcomes) throws SQLException;
    }

    List<Outcome> apply(List<List<ChangeBatch>> groups, Epilogue epilogue) throws SQLException {
        if (!groups.isEmpty()) {
            fold.catchUp();
        }
        return Sqlite.inWriteTransaction(db, c -> {
            int version = SchemaReader.schemaVersion(db);
            if (version != schemaVersion) {
                writer.reset();
                schemaVersion = version;
            }
            execute("UPDATE " + ChangeLog.STATE + " SET applying = 1");
            if (!groups.isEmpty()) {
                fold.fold(); // local versions must be known before comparing with received ones
            }
            List<Outcome> outcomes = new ArrayList<>(groups.size());
            long maxVersion = 0;
            for (List<ChangeBatch> group : groups) {
                execute("SAVEPOINT marmot_group");
                Outcome o;
                try {
                    o = applyGroup(group);
                    maxVersion = Math.max(maxVersion, o.maxVersion());
                } catch (RejectedChange e) {
                    execute("ROLLBACK TO marmot_group");
                    o = new Outcome(0, 0, 0, e.getMessage());
                }
                execute("RELEASE marmot_group");
                outcomes.add(o);
            }
            epilogue.run(db, outcomes);
            try (PreparedStatement ps = db.prepareStatement("UPDATE " + ChangeLog.STATE
                    + " SET applying = 0, hlc = max(hlc, ?)")) {
                ps.setLong(1, maxVersion);
                ps.executeUpdate();
            }
            return outcomes;
        });
    }

    private Outcome applyGroup(List<ChangeBatch> group) throws RejectedChange, SQLException {
        long maxVersion = 0;
        int applied = 0;
        int stale = 0;
        for (ChangeBatch b : group) {
            for (RowChange ch : b.changes()) {
                RowWriter.Target t = writer.target(ch.table());
                if (t == null) {
                    continue;
                }
                if (!versions.advance(t.table, RowKey.of(ch.key()), ch.version(), b.origin())) {
                    stale++;
                    continue;
                }
                try {
                    if (ch.isDelete()) {
                        t.delete(ch);
                    } else {
                        t.upsert(ch);
                    }
                } catch (SQLException e) {
                    if (!Sqlite.rejectsTheData(e)) {
                        throw e; // this node's trouble (a full disk, say), not the change's: retried whole, never parked
                    }
                    throw new RejectedChange("table '" + t.table + "' key " + Arrays.deepToString(ch.key()) + ": "
                            + e.getMessage());
                }
                maxVersion = Math.max(maxVersion, ch.version());
                applied++;
            }
        }
        return new Outcome(applied, stale, maxVersion, null);
    }

    private void execute(String sql) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute(sql);
        }
    }

    /** After a failed transaction: statements it left half-run are prepared anew. */
    void forgetStatements() throws SQLException {
        writer.reset();
        schemaVersion = -1;
    }

    @Override
    public void close() throws SQLException {
        try {
            writer.close();
        } finally {
            try {
                fold.close();
                versions.close();
            } finally {
                schema.close();
            }
        }
    }
}
