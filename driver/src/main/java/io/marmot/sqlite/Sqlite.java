package io.marmot.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.function.Predicate;
import org.sqlite.SQLiteConnection;

/** Opens the engine's own plain sqlite-jdbc connections, resolving the delegate driver once. */
public final class Sqlite {
    private static final org.sqlite.JDBC DRIVER = new org.sqlite.JDBC();
    /** Engine work may wait behind an application's long transaction; it retries rather than fail. */
    static final int BUSY_TIMEOUT_MS = 30_000;

    private Sqlite() {
    }

    public static SQLiteConnection connect(String url, Properties properties) throws SQLException {
        return (SQLiteConnection) DRIVER.connect(url, properties);
    }

    /** A connection of the engine's own to the database file. */
    public static SQLiteConnection open(Path database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("busy_timeout", Integer.toString(BUSY_TIMEOUT_MS));
        // The engine never asks for generated keys; left on, sqlite-jdbc prepares a query after every INSERT.
        p.setProperty("jdbc.get_generated_keys", "false");
        SQLiteConnection c = connect("jdbc:sqlite:" + database, p);
        try (Statement s = c.createStatement()) {
            WriteLockWaiter.install(c, BUSY_TIMEOUT_MS, WriteLockWaiter.fileOf(c));
            s.execute("PRAGMA synchronous = NORMAL");
        } catch (SQLException e) {
            closeQuietly(c, e);
            throw e;
        }
        return c;
    }

    /**
     * Closes a connection {@link #open} opened while the engine runs (one let go when idle, opened again later): its
     * place among the file's write-lock waiters goes first.
     */
    public static void close(Connection c) throws SQLException {
        if (c != null) {
            WriteLockWaiter.forget(c);
            c.close();
        }
    }

    /**
     * How long one slice of the engine's long jobs (a backlog folded, a log pruned) may hold the write lock. Slices of
     * fixed row counts held it up to 1.2 s on a loaded machine (5,000 rows folded) and 150 ms (20,000 log rows
     * deleted), and another process's writer waited up to 280 ms while a 300,000-row commit was folded and pruned.
     * Between bursts of slices the lock is left free ({@link SliceRhythm}).
     */
    public static final long SLICE_NANOS = 10_000_000;

    /** Runs work in one IMMEDIATE transaction (the write lock is taken first, so it never fails half-way on BUSY). */
    public static <T> T inWriteTransaction(Connection c, SqlWork<T> work) throws SQLException {
        return inWriteTransaction(c, work, null);
    }

    /**
     * As {@link #inWriteTransaction}, for one slice of a long job, once the breather the file's last burst of slices
     * earned is over ({@link SliceRhythm}); {@code more} tells from the slice's result whether the job has more to do.
     */
    public static <T> T inSlice(Connection c, SqlWork<T> work, Predicate<? super T> more) throws SQLException {
        return inWriteTransaction(c, work, more);
    }

    /** Whether the engine's long jobs on the connection's file are leaving the lock free now: a slice would wait. */
    public static boolean breathing(Connection c) {
        SliceRhythm rhythm = WriteLockWaiter.rhythmOf(c);
        return rhythm != null && rhythm.breathing();
    }

    private static <T> T inWriteTransaction(Connection c, SqlWork<T> work, Predicate<? super T> more)
            throws SQLException {
        SliceRhythm rhythm = more != null ? WriteLockWaiter.rhythmOf(c) : null;
        if (rhythm != null) {
            rhythm.awaitBreather();
        }
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
        }
        WriteLockWaiter.took(c); // no waiter of this JVM is woken while this transaction holds the lock
        long locked = System.nanoTime();
        boolean left = false;
        try {
            T result = work.run(c);
            try (Statement s = c.createStatement()) {
                s.execute("COMMIT");
            }
            left = rhythm != null && more.test(result);
            return result;
        } catch (Throwable e) {
            // Errors too: a transaction left open makes every later BEGIN of this connection fail.
            try (Statement s = c.createStatement()) {
                s.execute("ROLLBACK");
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            long freed = System.nanoTime();
            if (rhythm != null) {
                rhythm.held(locked, freed, left);
            }
            WriteLockWaiter.handedOn(c);
            if (freed - locked >= LongHolds.LONG_NANOS) {
                LongHolds holds = WriteLockWaiter.longHoldsOf(c);
                if (holds != null) {
                    holds.held(freed - locked, Thread.currentThread().getName());
                }
            }
        }
    }

    /**
     * Whether an error is the statement's own: its data breaks a constraint, does not fit, or names what this schema
     * lacks (ERROR, TOOBIG, CONSTRAINT, MISMATCH, RANGE). Anything else (a full disk, I/O, a lock, a statement left
     * broken by an earlier failure) belongs to the database's situation and may pass when tried again.
     */
    public static boolean rejectsTheData(SQLException e) {
        return switch (e.getErrorCode() & 0xff) {
            case 1, 18, 19, 20, 25 -> true;
            default -> false;
        };
    }

    public static void closeQuietly(Connection c, Exception cause) {
        try {
            c.close();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }
}
