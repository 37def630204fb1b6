package io.marmot.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.NatsServer;
import io.marmot.testing.Sqlite3;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM stops a sidecar cleanly (exit 0, "stopped" logged); whatever was written on either side while it was
 * down flows once it is back; --cleanup removes marmot from the database and keeps the rows.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ShutdownRestartTest {
    private static final Duration CONVERGE = Duration.ofSeconds(20);
    private static final String MARMOT_OBJECTS = "SELECT count(*) FROM sqlite_master WHERE instr(name, '__marmot') = 1"
            + " OR instr(coalesce(sql, ''), '__marmot') > 0";

    @TempDir
    Path dir;

    @Test
    void sigtermStopsCleanlyAndARestartLosesNothing() throws Exception {
        Path db1 = dir.resolve("one.db");
        Path db2 = dir.resolve("two.db");
        Sqlite3.query(db1, Books.SCHEMA);
        Sqlite3.query(db2, Books.SCHEMA);
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                SidecarProcess node1 = SidecarProcess.replicate(db1, 1, nats.url())) {
            SidecarProcess node2 = SidecarProcess.replicate(db2, 2, nats.url());
            try {
                node1.awaitReplicating();
                node2.awaitReplicating();
                Sqlite3.query(db1, "INSERT INTO Books VALUES (1, 'Ulysses', 'James Joyce', 1922)");
                awaitSame(db1, db2);

                assertEquals(0, node2.stop(), "exit code after SIGTERM");
                assertTrue(node2.log().contains("marmot sidecar stopped: node 2"), node2.log());

                Sqlite3.query(db2, "INSERT INTO Books VALUES (2, 'Dubliners', 'James Joyce', 1914);"
                        + " UPDATE Books SET publication_year = 1920 WHERE id = 1");
                Sqlite3.query(db2, "INSERT INTO Books VALUES (3, 'Nostromo', 'Joseph Conrad', 1904)");
                Sqlite3.query(db1, "INSERT INTO Books VALUES (4, 'Kim', 'Rudyard Kipling', 1901)");

                node2 = SidecarProcess.replicate(db2, 2, nats.url());
                node2.awaitReplicating();
                awaitSame(db1, db2);
                assertEquals("1|Ulysses|James Joyce|1920\n2|Dubliners|James Joyce|1914\n3|Nostromo|Joseph Conrad|1904\n"
                        + "4|Kim|Rudyard Kipling|1901", Books.in(db1));
            } finally {
                node2.close();
            }
        }
    }

    @Test
    void cleanupRemovesMarmotAndKeepsTheRows() throws Exception {
        Path db = dir.resolve("clean.db");
        Sqlite3.query(db, Books.SCHEMA + "; INSERT INTO Books VALUES (1, 'Beloved', 'Toni Morrison', 1987)");
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                SidecarProcess node = SidecarProcess.replicate(db, 3, nats.url())) {
            node.awaitReplicating();
            Sqlite3.query(db, "INSERT INTO Books VALUES (2, 'Jazz', 'Toni Morrison', 1992)");
            assertEquals(0, node.stop());
        }
        assertTrue(Integer.parseInt(Sqlite3.query(db, MARMOT_OBJECTS)) > 0);
        try (SidecarProcess cleanup = SidecarProcess.start(dir.resolve("cleanup.log"), "-cleanup", "-db-path",
                db.toString())) {
            assertEquals(0, cleanup.awaitExit(), cleanup.log());
        }
        assertEquals("0", Sqlite3.query(db, MARMOT_OBJECTS));
        assertEquals("1|Beloved|Toni Morrison|1987\n2|Jazz|Toni Morrison|1992", Books.in(db));
    }

    private static void awaitSame(Path a, Path b) throws Exception {
        Await.until(CONVERGE, a.getFileName() + " and " + b.getFileName() + " hold the same books",
                () -> Books.in(a).equals(Books.in(b)));
    }
}
