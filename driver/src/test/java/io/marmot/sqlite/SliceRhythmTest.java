package io.marmot.sqlite;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SliceRhythmTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @TempDir
    Path dir;

    /** Times an hour ahead: a breather set from them is still under way when the test looks. */
    private final long base = System.nanoTime() + TimeUnit.HOURS.toNanos(1);

    @Test
    void shortSlicesEarnABreatherOnlyOnceTheirBurstLasted10Ms() {
        SliceRhythm r = new SliceRhythm();
        for (int i = 0; i < 4; i++) { // 1-ms slices 1 ms apart: the burst spans 7 ms
            r.held(base + 2 * i * MS, base + (2 * i + 1) * MS, true);
            assertFalse(r.breathing(), "slice " + i);
        }
        r.held(base + 9 * MS, base + 10 * MS, true);
        assertTrue(r.breathing(), "a burst of 10 ms is followed by a breather");
    }

    @Test
    void aSliceAfterAQuietSpellBeginsABurstOfItsOwn() {
        SliceRhythm r = new SliceRhythm();
        r.held(base, base + 6 * MS, true);
        r.held(base + 26 * MS, base + 32 * MS, true); // 20 ms after the last: a new burst, 6 ms long
        assertFalse(r.breathing());
        r.held(base + 33 * MS, base + 37 * MS, true); // the same burst, now 11 ms long
        assertTrue(r.breathing());
    }

    /** The applier folds the few rows committed since its last transaction before each: no burst of its own. */
    @Test
    void shortJobsOfOneSliceBeginNoBurst() {
        SliceRhythm r = new SliceRhythm();
        for (int i = 0; i < 20; i++) {
            r.held(base + i * MS, base + i * MS + MS / 2, false);
        }
        assertFalse(r.breathing());
        r.held(base + 20 * MS, base + 21 * MS, true); // a job with more to do begins a burst
        r.held(base + 21 * MS, base + 32 * MS, false); // its last slice ends it, 11 ms on
        assertTrue(r.breathing());
    }

    @Test
    void oneLongSliceEarnsABreather() {
        SliceRhythm r = new SliceRhythm();
        r.held(base, base + 40 * MS, false);
        assertTrue(r.breathing());
    }

    /**
     * The engine's connections to one file share its rhythm, whichever thread holds them: a slice on one waits until
     * the lock was left free for 20 ms after another's burst (the fold of the applier and the prune of the publisher
     * followed each other back to back, and another process's writer waited up to 80 ms).
     */
    @Test
    void slicesOfAnotherConnectionToTheFileWaitOutTheBreather() throws SQLException {
        Path db = dir.resolve("r.db");
        try (Connection folding = Sqlite.open(db); Connection pruning = Sqlite.open(db);
                Connection elsewhere = Sqlite.open(dir.resolve("other.db"))) {
            Sqlite.inSlice(folding, c -> {
                LockSupport.parkNanos(12 * MS); // a slice that held the lock 12 ms
                return null;
            }, x -> false);
            long freed = System.nanoTime();
            assertTrue(Sqlite.breathing(pruning), "the file's breather is under way for its other connections");
            assertFalse(Sqlite.breathing(elsewhere), "another file keeps its own rhythm");
            long sliced = Sqlite.inSlice(pruning, c -> System.nanoTime(), x -> false);
            assertTrue(sliced - freed >= 20 * MS, "the slice began " + (sliced - freed) / MS + " ms after");
            assertFalse(Sqlite.breathing(pruning));
        }
    }
}
