package io.marmot.sqlite;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's write transactions on one file that held its lock for a second or more. The application's writers and
 * other processes wait as long, so each is logged: the first at once, later ones at most once a minute per file, with
 * how many there were and the longest. The engine's long jobs work in slices of about 10 ms; what holds the lock this
 * long is work that must stay whole (a peer's transaction applied atomically, a schema change rebuilding a table), or
 * a machine too loaded to run the engine's thread.
 */
final class LongHolds {
    static final long LONG_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long SAY_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final Logger log = LoggerFactory.getLogger(LongHolds.class);

    private final String file;
    /** Guarded by this. */
    private long lastSaid;
    private boolean saidOnce;
    private int unsaid;
    private long longestUnsaid;

    LongHolds(String file) {
        this.file = file;
    }

    /** A write transaction of the engine held the lock {@code nanos} on {@code thread}. */
    void held(long nanos, String thread) {
        String line = note(nanos, thread, System.nanoTime());
        if (line != null) {
            log.info(line);
        }
    }

    /** The line to log now, or null while the last one is less than a minute old. */
    synchronized String note(long nanos, String thread, long now) {
        if (nanos < LONG_NANOS) {
            return null;
        }
        unsaid++;
        longestUnsaid = Math.max(longestUnsaid, nanos);
        if (saidOnce && now - lastSaid < SAY_EVERY_NANOS) {
            return null;
        }
        String line = String.format("the engine (%s) held the write lock of %s for %d ms: the application's writers and"
                + " other processes waited as long%s", thread, file, nanos / 1_000_000, unsaid == 1 ? ""
                : String.format(" (%d such holds since the last line, the longest %d ms)", unsaid,
                        longestUnsaid / 1_000_000));
        saidOnce = true;
        lastSaid = now;
        unsaid = 0;
        longestUnsaid = 0;
        return line;
    }
}
