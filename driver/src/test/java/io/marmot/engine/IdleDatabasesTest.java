package io.marmot.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.replication.MarmotRuntime;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import io.marmot.testing.Sqlite3;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idle replicated databases cost no task on any pool for their local looks (issue 24): the JVM's one sweep stats
 * their WALs and wakes neither publisher nor schema watcher while nothing was written. Once one of them is written by
 * another process (the sqlite3 shell), its row and its new table are still captured, published and applied, and
 * both files end equal.
 */
class IdleDatabasesTest {
    private static final int TENANTS = 6;
    private static final Duration WITHIN = Duration.ofSeconds(60);
    /** After a quiet spell: a look a second at most, then publishing and applying. */
    private static final Duration PROMPTLY = Duration.ofSeconds(10);
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(3);

    @TempDir
    Path dir;

    @Test
    void idleDatabasesWakeNoPublisherNorSchemaWatcherAndAShellCommitStillReplicates() throws Exception {
        Sqlite3.assumeInstalled();
        Path root = dir.toRealPath();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            ReplicatedTenants.startWithARow(TENANTS, WITHIN, (t, n) -> file(root, t, n),
                    (t, n) -> url(t, n, nats.url()));

            // Old code: every database's publisher polled and its schema watcher looked once a second, each a task.
            ThreadPoolExecutor publish = (ThreadPoolExecutor) MarmotRuntime.get().publish();
            ThreadPoolExecutor schema = (ThreadPoolExecutor) MarmotRuntime.get().schemaWatch();
            long[] window = {System.nanoTime(), publish.getCompletedTaskCount() + schema.getCompletedTaskCount()};
            Await.until(WITHIN, "three seconds in which none of " + 2 * TENANTS + " idle databases' publishers and"
                    + " schema watchers ran", () -> {
                        long tasks = publish.getCompletedTaskCount() + schema.getCompletedTaskCount();
                        if (tasks != window[1] || publish.getActiveCount() + schema.getActiveCount() > 0) {
                            window[0] = System.nanoTime();
                            window[1] = tasks;
                            return false;
                        }
                        return System.nanoTime() - window[0] >= WINDOW_NANOS;
                    });

            Path first = file(root, 0, 1);
            Path second = file(root, 0, 2);
            Sqlite3.exec(first, "INSERT INTO notes VALUES (2, 'from the shell, after the quiet');"
                    + "CREATE TABLE later (id INTEGER PRIMARY KEY, v TEXT);");
            Await.until(PROMPTLY, "the shell's row on the second replica",
                    () -> Db.count(second, "SELECT count(*) FROM notes") == 2);
            Await.until(PROMPTLY, "capture on the table the shell made", () -> Db.count(first,
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'later'") > 0);
            Sqlite3.exec(first, "INSERT INTO later VALUES (1, 'into the new table');");
            Await.until(PROMPTLY, "the new table's row on the second replica",
                    () -> tableExists(second) && Db.count(second, "SELECT count(*) FROM later") == 1);
            assertEquals(Db.dump(first), Db.dump(second));
            assertTrue(Db.dump(first).contains("into the new table"));
        } finally {
            Marmot.closeAll();
        }
    }

    private static boolean tableExists(Path db) throws Exception {
        return Db.count(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'later'") == 1;
    }

    private static Path file(Path root, int tenant, int node) {
        return root.resolve("tenant-" + tenant + "-" + node + ".db");
    }

    /** Each tenant its own streams and subjects, as with a database per tenant. */
    private static String url(int tenant, int node, String natsUrl) {
        return "node-id=" + node + "&nats-url=" + natsUrl + "&poll-interval=50&stream-prefix=t" + tenant
                + "&subject-prefix=t" + tenant;
    }
}
