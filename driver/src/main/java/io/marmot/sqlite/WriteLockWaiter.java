package io.marmot.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.sqlite.BusyHandler;

/**
 * Waits for SQLite's write lock in steps of a fraction of a millisecond. SQLite's own busy timeout backs off
 * to 100 ms naps, so a writer sharing the database with the engine's busy applier keeps waking up just after
 * the lock was taken again, and can starve until its timeout; polling finely takes the next free moment.
 */
public final class WriteLockWaiter extends BusyHandler {
    /** How long a connection opened through the driver waits when the application did not set busy_timeout. */
    public static final int DEFAULT_TIMEOUT_MS = 30_000;

    private final long timeoutNanos;
    private long since;

    private WriteLockWaiter(long timeoutMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** Installs the waiter on a connection; a timeout of 0 keeps SQLite's fail-at-once behaviour. */
    public static void install(Connection c, long timeoutMillis) throws SQLException {
        if (timeoutMillis > 0) {
            BusyHandler.setHandler(c, new WriteLockWaiter(timeoutMillis));
        }
    }

    @Override
    protected int callback(int attempts) {
        long now = System.nanoTime();
        if (attempts == 0) {
            since = now;
        }
        if (now - since >= timeoutNanos) {
            return 0; // give up: the statement fails with SQLITE_BUSY, as with busy_timeout
        }
        LockSupport.parkNanos(attempts < 50 ? 100_000 : 1_000_000);
        return 1;
    }
}
