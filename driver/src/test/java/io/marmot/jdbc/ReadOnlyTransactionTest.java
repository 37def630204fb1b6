package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteErrorCode;

/**
 * {@code setReadOnly(true)}, what Spring does for {@code @Transactional(readOnly = true)}: the connection's
 * transactions read without the write lock, so writers on other connections are not held up by them, and a write
 * inside one fails as with sqlite-jdbc's {@code jdbc.explicit_readonly} ({@code SQLITE_READONLY}).
 */
class ReadOnlyTransactionTest {
    /** How long the read-only transaction stays open: the insert must commit within it. */
    private static final long HELD_SECONDS = 2;

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        Marmot.closeAll();
    }

    @Test
    void aReadOnlyTransactionDoesNotHoldUpWritersAndCannotWrite() throws Exception {
        Path db = dir.resolve("ro.db");
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (Connection ro = Db.open(db); Connection w = Db.open(db)) {
            Db.exec(w, "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)", "INSERT INTO item VALUES (1, 'apple')");
            ro.setReadOnly(true);
            ro.setAutoCommit(false);
            assertTrue(ro.isReadOnly());
            assertEquals(1L, Db.count(ro, "SELECT count(*) FROM item"), "the read-only transaction has begun");

            Future<Integer> insert = writer.submit(() -> Db.update(w, "INSERT INTO item VALUES (2, 'pear')"));
            try {
                assertEquals(1, insert.get(HELD_SECONDS, TimeUnit.SECONDS));
            } catch (TimeoutException e) {
                throw new AssertionError("the insert on another connection waited for the read-only transaction");
            }
            // still the same transaction: it reads its snapshot, from before the insert
            assertEquals(1L, Db.count(ro, "SELECT count(*) FROM item"));
            SQLException write = assertThrows(SQLException.class, () -> Db.exec(ro, "UPDATE item SET name = 'plum'"));
            assertEquals(SQLiteErrorCode.SQLITE_READONLY.code, write.getErrorCode() & 0xff, write.getMessage());
            assertThrows(SQLException.class, () -> ro.setReadOnly(false), "not inside a transaction that ran a statement");
            ro.rollback();
            assertEquals(2L, Db.count(ro, "SELECT count(*) FROM item"), "the next transaction sees the insert");
            ro.commit();

            ro.setReadOnly(false);
            assertFalse(ro.isReadOnly());
            Db.exec(ro, "UPDATE item SET name = 'plum' WHERE id = 2");
            ro.commit();
            assertEquals(1L, Db.count(w, "SELECT count(*) FROM item WHERE name = 'plum'"));
        } finally {
            writer.shutdownNow();
            assertTrue(writer.awaitTermination(10, TimeUnit.SECONDS));
        }
    }
}
