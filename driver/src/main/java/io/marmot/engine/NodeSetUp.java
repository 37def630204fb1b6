package io.marmot.engine;

import io.marmot.apply.ApplierTables;
import io.marmot.capture.CaptureInstaller;
import io.marmot.capture.CaptureOptions;
import io.marmot.capture.SchemaCapture;
import io.marmot.clock.VersionWriters;
import io.marmot.config.MarmotConfig;
import io.marmot.schema.SchemaReader;
import io.marmot.sqlite.Sqlite;
import java.nio.file.Path;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * A starting node's identity and capture, set up in one write transaction on a connection closed once the engine's
 * own connections are open (they open their own, so an idle database holds no descriptor for its start).
 */
final class NodeSetUp {
    private static final Logger log = LoggerFactory.getLogger(NodeSetUp.class);

    private NodeSetUp() {
    }

    /** The identity, and the set-up's connection still open: see {@link #establish}. */
    record Held(NodeIdentity identity, SQLiteConnection connection) implements AutoCloseable {
        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }

    /**
     * Sets up identity and capture; the connection stays open until the caller closes it, once the engine's own
     * connections are open. Closed at once, it was the file's last: SQLite checkpointed and deleted the WAL it had just
     * made, and the applier's first statement made the WAL and its index again: with 400 databases opening from 8
     * threads, the close and that statement were a third of the opening threads' samples.
     */
    static Held establish(Path database, MarmotConfig config, VersionWriters writers) throws SQLException {
        long lastWritten = OpenGroups.lastWritten(database); // before SQLite opens it
        SQLiteConnection c = Sqlite.open(database);
        try {
            return new Held(establish(c, database, config, writers, lastWritten), c);
        } catch (SQLException | RuntimeException e) {
            try {
                c.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private static NodeIdentity establish(SQLiteConnection c, Path database, MarmotConfig config, VersionWriters writers,
            long lastWritten) throws SQLException {
        WalMode.enable(c, database);
        int[] version = new int[1];
        NodeIdentity identity = Sqlite.inWriteTransaction(c, tx -> {
            NodeIdentity who = NodeIdentity.establish(tx, database, config);
            OpenGroups.closeAtStart(tx, who.nodeId(), database, lastWritten);
            CaptureInstaller.Result r = SchemaCapture.follow(tx, who.nodeId(), CaptureOptions.of(config), writers);
            NodeIdentity.store(tx, who.nodeId());
            if (config.replicate()) {
                ApplierTables.create(tx);
            }
            if (r.firstInstall()) {
                log.info("{} - capture installed in {} on {} tables", who.nodeId(), database, r.tablesInstalled().size());
            }
            version[0] = SchemaReader.schemaVersion(tx);
            return who;
        });
        writers.schemaFollowed(version[0]);
        return identity;
    }
}
