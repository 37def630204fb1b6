package io.marmot.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.sqlite.QuietFile;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On an idle database the schema watcher's look is one {@code stat} of the WAL instead of two queries (what a
 * thousand databases per JVM cost while idle); a schema change by another process is still noticed.
 */
class IdleSchemaWatchTest {
    @TempDir
    Path dir;

    /** The file's last write well in the past, as on a database nobody wrote for a while. */
    private static void age(Path file) throws Exception {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(60)));
    }

    @Test
    void aFileUntouchedSinceTheLookIsQuietUntilItIsWritten() throws Exception {
        Path f = dir.resolve("x.db-wal");
        Files.write(f, new byte[] {1, 2, 3});
        age(f);
        QuietFile quiet = new QuietFile(f);
        assertFalse(quiet.unchangedSinceLastLook(), "never looked at");
        quiet.looking();
        assertTrue(quiet.unchangedSinceLastLook());
        assertTrue(quiet.unchangedSinceLastLook());
        Files.write(f, new byte[] {4}, java.nio.file.StandardOpenOption.APPEND);
        assertFalse(quiet.unchangedSinceLastLook(), "written after the look");
    }

    @Test
    void aFileWrittenJustBeforeTheLookIsNeverTakenForQuiet() throws Exception {
        // Its timestamp could not tell a write in the same clock tick after the look: it is looked at again.
        Path f = dir.resolve("y.db-wal");
        Files.write(f, new byte[] {1});
        QuietFile quiet = new QuietFile(f);
        quiet.looking();
        assertFalse(quiet.unchangedSinceLastLook());
        QuietFile missing = new QuietFile(dir.resolve("none.db-wal"));
        missing.looking();
        assertFalse(missing.unchangedSinceLastLook(), "no file: the look runs its queries");
    }

    /**
     * The last connection of all to close checkpoints the WAL into the database and deletes it, and the next to open
     * creates it empty: neither is a commit, and a WAL that held nothing counts as unchanged while the database file
     * was not written; a commit that came and went between two looks (written, checkpointed, the WAL deleted) wrote it.
     */
    @Test
    void aWalGoneOrEmptyIsQuietUntilTheDatabaseFileIsWritten() throws Exception {
        Path db = dir.resolve("z.db");
        Path wal = dir.resolve("z.db-wal");
        Files.write(db, new byte[] {1, 2, 3});
        age(db);
        QuietFile quiet = new QuietFile(wal);
        quiet.looking();
        assertTrue(quiet.unchangedSinceLastLook(), "no WAL: nothing committed since the database was last written");
        Files.write(wal, new byte[0]);
        assertTrue(quiet.unchangedSinceLastLook(), "a WAL created empty by a reader holds no commit");
        Files.write(wal, new byte[] {1});
        assertFalse(quiet.unchangedSinceLastLook(), "a commit in the WAL");
        Files.delete(wal);
        Files.write(db, new byte[] {4, 5, 6});
        assertFalse(quiet.unchangedSinceLastLook(), "checkpointed into the database and the WAL deleted");
        age(db);
        quiet.looking();
        assertTrue(quiet.unchangedSinceLastLook());
        Files.write(db, new byte[] {7}, java.nio.file.StandardOpenOption.APPEND);
        assertFalse(quiet.unchangedSinceLastLook(), "the database file written");
        quiet.looking();
        assertFalse(quiet.unchangedSinceLastLook(), "the database written just before the look: looked at again");
    }

    @Test
    void aTableTheShellCreatesInAnIdleDatabaseIsCaptured() throws Exception {
        Sqlite3.assumeInstalled();
        Path db = dir.resolve("idle.db");
        try (Connection c = Db.open(db, "node-id=1&poll-interval=50")) {
            Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
            Path wal = Path.of(db + "-wal");
            age(wal);
            // The next look remembers the aged WAL; from the one after it on, a look is a stat.
            SchemaWatcher watcher = Engines.running(db.toRealPath()).schemaWatcher();
            Await.until(Duration.ofSeconds(10), "the watcher finds the WAL untouched", () -> watcher.quietLooks() > 0);
            Sqlite3.exec(db, "CREATE TABLE later (id INTEGER PRIMARY KEY, v TEXT);");
            Await.until(Duration.ofSeconds(10), "triggers on the table made by the shell", () -> Db.count(c,
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'later'") == 4);
            Sqlite3.exec(db, "INSERT INTO later VALUES (1, 'first');");
            assertEquals(List.of(List.of(1, "first")),
                    Db.list(c, "SELECT c0, c1 FROM __marmot_log WHERE tbl = 'later' ORDER BY seq"));
        } finally {
            Marmot.close(db);
        }
    }
}
