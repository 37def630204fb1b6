package io.marmot.engine;

import io.marmot.capture.CaptureInstaller;
import io.marmot.capture.CaptureOptions;
import io.marmot.capture.SchemaCapture;
import io.marmot.clock.VersionWriters;
import io.marmot.config.MarmotConfig;
import io.marmot.sqlite.Sqlite;
import java.nio.file.Path;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * A starting node's identity and capture, set up in one write transaction on a connection closed right after (the
 * engine's lasting connections open their own, so an idle database holds no descriptor for its start).
 */
final class NodeSetUp {
    private static final Logger log = LoggerFactory.getLogger(NodeSetUp.class);

    private NodeSetUp() {
    }

    static NodeIdentity establish(Path database, MarmotConfig config, VersionWriters writers) throws SQLException {
        long lastWritten = OpenGroups.lastWritten(database); // before SQLite opens it
        try (SQLiteConnection c = Sqlite.open(database)) {
            WalMode.enable(c, database);
            return Sqlite.inWriteTransaction(c, tx -> {
                NodeIdentity who = NodeIdentity.establish(tx, database, config);
                OpenGroups.closeAtStart(tx, who.nodeId(), database, lastWritten);
                CaptureInstaller.Result r = SchemaCapture.follow(tx, who.nodeId(), CaptureOptions.of(config), writers);
                NodeIdentity.store(tx, who.nodeId());
                if (r.firstInstall()) {
                    log.info("{} - capture installed in {} on {} tables", who.nodeId(), database, r.tablesInstalled().size());
                }
                return who;
            });
        }
    }
}
