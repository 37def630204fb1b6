package io.marmot.sqlite;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.sqlite.BusyHandler;

/**
 * Waits for SQLite's write lock in turn with the other connections of this JVM to the same file ({@link WriteLockQueue}):
 * woken by the commit of one of them when its turn has come, looking every millisecond for writers of other processes.
 * SQLite's own busy timeout backs off to 100 ms naps, so a writer sharing the database with the engine's busy applier
 * kept waking up just after the lock was taken again, and could starve until its timeout.
 */
public final class WriteLockWaiter extends BusyHandler {
    /** How long a connection opened through the driver waits when the application did not set busy_timeout. */
    public static final int DEFAULT_TIMEOUT_MS = 30_000;
    /** The waiter of each connection, so that the code freeing the lock can wake the next (weak: closed ones go). */
    private static final Map<Connection, WriteLockWaiter> INSTALLED = Collections.synchronizedMap(new WeakHashMap<>());

    private final long timeoutNanos;
    /** Null for a database without a file (in memory): nothing to share the lock with in this JVM. */
    private final WriteLockQueue.Place place;
    private long since;

    private WriteLockWaiter(long timeoutMillis, WriteLockQueue.Place place) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.place = place;
    }

    /**
     * Installs the waiter on a connection; a timeout of 0 keeps SQLite's fail-at-once behaviour.
     *
     * @param file the database file, as {@link #fileOf} gives it
     */
    public static WriteLockWaiter install(Connection c, long timeoutMillis, String file) throws SQLException {
        WriteLockWaiter old = INSTALLED.remove(c);
        if (old != null) {
            old.freed();
        }
        if (timeoutMillis <= 0) {
            return null;
        }
        WriteLockWaiter w = new WriteLockWaiter(timeoutMillis, file.isEmpty() ? null : WriteLockQueue.placeFor(file));
        BusyHandler.setHandler(c, w);
        INSTALLED.put(c, w);
        return w;
    }

    /** The connection's main database file ("" in memory), the key its waiters share. */
    public static String fileOf(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT file FROM pragma_database_list WHERE name = 'main'")) {
            String file = rs.next() ? rs.getString(1) : null;
            return file == null ? "" : file;
        }
    }

    /**
     * The connection freed the write lock (committed, rolled back, ended an autocommit statement), or may have: the
     * connection waiting longest for it tries it now. Cheap when nobody waits.
     */
    public static void released(Connection c) {
        WriteLockWaiter w = INSTALLED.get(c);
        if (w != null) {
            w.freed();
        }
    }

    /**
     * The engine's transaction on this connection ended: the connection waiting longest for the lock takes it now,
     * without the patience a commit of the application's lets running connections have first.
     */
    static void handedOn(Connection c) {
        WriteLockWaiter w = INSTALLED.get(c);
        if (w != null && w.place != null) {
            w.place.handedOn();
        }
    }

    /**
     * The connection is about to close: its place in the queue goes with it. A place left queued by a closed
     * connection would keep every later writer of the file waiting behind it ({@link WriteLockQueue}: 200 ms each).
     */
    public static void forget(Connection c) {
        WriteLockWaiter w = INSTALLED.remove(c);
        if (w != null) {
            w.freed();
        }
    }

    /** The engine's long holds of the connection's file; null without a file or a waiter. */
    static LongHolds longHoldsOf(Connection c) {
        WriteLockWaiter w = INSTALLED.get(c);
        return w == null || w.place == null ? null : w.place.longHolds();
    }

    /** The rhythm of the engine's long jobs on the connection's file; null without a file or a waiter. */
    static SliceRhythm rhythmOf(Connection c) {
        WriteLockWaiter w = INSTALLED.get(c);
        return w == null || w.place == null ? null : w.place.rhythm();
    }

    /** As {@link #released}, for a connection that keeps its waiter at hand. */
    public void freed() {
        if (place != null) {
            place.released();
        }
    }

    /**
     * Before a statement that may take the write lock: when the turn of a connection of this JVM waiting for it has
     * come, waits behind the waiters (then {@link #took} once the statement has the lock, or {@link #freed} once done).
     */
    public void awaitTurn() {
        if (place != null) {
            place.awaitTurn();
        }
    }

    /** The connection holds the write lock now (its {@code BEGIN IMMEDIATE} passed): it leaves the queue, waking nobody. */
    public void took() {
        if (place != null) {
            place.left();
        }
    }

    /** As {@link #took}, for a connection that does not keep its waiter at hand. */
    public static void took(Connection c) {
        WriteLockWaiter w = INSTALLED.get(c);
        if (w != null) {
            w.took();
        }
    }

    @Override
    protected int callback(int attempts) {
        long now = System.nanoTime();
        if (attempts == 0) {
            since = now;
        }
        if (now - since >= timeoutNanos) {
            freed();
            return 0; // give up: the statement fails with SQLITE_BUSY, as with busy_timeout
        }
        if (place == null) {
            LockSupport.parkNanos(1_000_000);
        } else {
            place.await();
        }
        return 1;
    }
}
