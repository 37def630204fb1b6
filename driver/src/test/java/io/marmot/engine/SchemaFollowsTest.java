package io.marmot.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.marmot.Marmot;
import io.marmot.fixture.TwoNodes;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Capture follows each schema change once (issue 24, open fast): two replicas that each create their table at start,
 * as a thousand tenants do, leave their schema watchers nothing to follow, since the start's set-up, the DDL through
 * the driver and the peer's change (in place already) each followed their own; a change by another process (the
 * sqlite3 shell) is still followed by the watcher. Old code: each watcher followed at its first look, after the DDL
 * and after the applier made its tables, and each peer's change in place was followed in a write transaction of its own.
 */
class SchemaFollowsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TABLE = "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)";

    @RegisterExtension
    final TwoNodes nodes = TwoNodes.perTest();

    @Test
    void theWatcherFollowsOnlyWhatAnotherProcessChanged() throws Exception {
        Sqlite3.assumeInstalled();
        Connection one = nodes.connect(1);
        Connection two = nodes.connect(2);
        Db.exec(one, TABLE);
        Db.exec(two, TABLE);
        Db.exec(one, "INSERT INTO notes VALUES (1, 'from one')");
        Db.exec(two, "INSERT INTO notes VALUES (2, 'from two')");
        Await.until(WAIT, "both rows on both nodes", () -> Db.dump(nodes.database(1)).equals(Db.dump(nodes.database(2)))
                && Db.dump(nodes.database(1)).contains("from two") && Db.dump(nodes.database(2)).contains("from one"));
        for (int node = 1; node <= 2; node++) {
            MarmotEngine engine = Marmot.engine(nodes.database(node)).orElseThrow();
            engine.awaitCaughtUp(WAIT); // the peer's schema message applied (in place) too
            assertFalse(engine.schemaWatcher().check(), "node " + node + ": nothing left to follow");
            assertEquals(0, engine.schemaWatcher().follows(), "node " + node + ": the watcher followed nothing");
        }

        Sqlite3.exec(nodes.database(1), "ALTER TABLE notes ADD COLUMN tag TEXT");
        MarmotEngine engine = Marmot.engine(nodes.database(1)).orElseThrow();
        Await.until(WAIT, "the watcher follows another process's change", () -> {
            engine.schemaWatcher().check();
            return engine.schemaWatcher().follows() == 1;
        });
        Await.until(WAIT, "the column on node 2", () -> Db.count(nodes.database(2),
                "SELECT count(*) FROM pragma_table_info('notes') WHERE name = 'tag'") == 1);
    }
}
