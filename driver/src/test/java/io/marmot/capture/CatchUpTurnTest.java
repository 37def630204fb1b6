package io.marmot.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.clock.RowVersions;
import io.marmot.clock.VersionWriters;
import io.marmot.fixture.OneDatabase;
import io.marmot.sqlite.Sqlite;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The publisher's turn of folding does not wait while another thread of the engine folds the same backlog (the
 * applier before it applies): it waited for the whole of it (2.5-3.5 s after a 300,000-row commit) and published
 * nothing meanwhile. The applier's catch-up still waits, and then finds the log folded.
 */
class CatchUpTurnTest {
    Path db;
    Connection c;
    @RegisterExtension
    final OneDatabase database = OneDatabase.named("turn.db")
            .schema("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            .into((path, connection) -> {
                db = path;
                c = connection;
            });

    @Test
    void aTurnThatMayStopStepsAsideWhileAnotherThreadFolds() throws Exception {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, 'v')")) {
            for (int i = 1; i <= 1000; i++) {
                ps.setInt(1, i);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        c.commit();
        c.setAutoCommit(true);
        VersionWriters writers = VersionWriters.alone();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread applier = new Thread(() -> {
            writers.catchUpTurn().lock();
            try {
                held.countDown();
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                writers.catchUpTurn().unlock();
            }
        }, "folding-elsewhere");
        try (Connection engine = Sqlite.open(db); RowVersions versions = new RowVersions(engine, writers);
                VersionFold fold = new VersionFold(engine, 7, versions)) {
            applier.start();
            assertTrue(held.await(10, TimeUnit.SECONDS));
            assertTrue(fold.foldingElsewhere());
            assertNull(fold.tryCatchUp(() -> false), "another thread folds: this turn steps aside at once");
            release.countDown();
            applier.join(10_000);
            assertFalse(fold.foldingElsewhere());
            assertEquals(Boolean.TRUE, fold.tryCatchUp(() -> false));
            assertEquals(Db.count(engine, "SELECT max(seq) FROM __marmot_log"), fold.folded().seq());
        } finally {
            release.countDown();
        }
    }
}
