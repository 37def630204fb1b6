package io.marmot.apply;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.sqlite.Sqlite;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConnection;

/** Which of its node id's messages a database file skips as its own: those published since the file first bound. */
class OwnHistoryTest {
    private static final long CREATED = 1_000;

    @TempDir
    Path dir;

    @Test
    void aFileSkipsOnlyWhatItPublishedItselfAcrossRestarts() throws Exception {
        Path db = dir.resolve("a.db");
        try (SQLiteConnection c = Sqlite.open(db)) {
            OwnHistory h = new OwnHistory(c, "file-1");
            assertFalse(h.mine("s", 1), "nothing is this file's before it bound");
            h.bound(c, "s", CREATED, 40); // an earlier file with this node id published up to 40
            assertFalse(h.mine("s", 40), "the earlier file's message is read like a peer's");
            assertTrue(h.mine("s", 41), "published by this file");
        }
        try (SQLiteConnection c = Sqlite.open(db)) {
            OwnHistory h = new OwnHistory(c, "file-1");
            h.bound(c, "s", CREATED, 90); // the same file restarted: its boundary stands
            assertFalse(h.mine("s", 40));
            assertTrue(h.mine("s", 41));
            h.bound(c, "s", CREATED + 1, 5); // the stream was created anew while this file lived: all of it is its own
            assertTrue(h.mine("s", 1));
        }
        try (SQLiteConnection c = Sqlite.open(db)) {
            OwnHistory h = new OwnHistory(c, "file-2"); // a copy, or this file restored elsewhere: another instance
            h.bound(c, "s", CREATED + 1, 70);
            assertFalse(h.mine("s", 70), "the copy never held what its source published after the copy");
            assertTrue(h.mine("s", 71));
        }
    }
}
