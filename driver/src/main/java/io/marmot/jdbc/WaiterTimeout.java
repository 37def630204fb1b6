package io.marmot.jdbc;

import io.marmot.sqlite.WriteLockWaiter;
import java.sql.SQLException;
import org.sqlite.SQLiteConnection;

/**
 * The busy timeout of a connection served by the write-lock waiter (the application set no busy_timeout). SQLite
 * reports 0 while a busy handler is set; this keeps {@code getBusyTimeout()}, {@code PRAGMA busy_timeout} and the
 * waiter in agreement until the application turns waiting off, when SQLite's own handler takes over.
 */
final class WaiterTimeout {
    private final SQLiteConnection connection;
    private int millis;
    private String file;
    private WriteLockWaiter current;

    WaiterTimeout(SQLiteConnection connection) {
        this.connection = connection;
    }

    boolean serving() {
        return millis > 0;
    }

    void use(int timeoutMillis) throws SQLException {
        connection.getDatabase().getConfig().setBusyTimeout(timeoutMillis);
        if (file == null) {
            file = WriteLockWaiter.fileOf(connection);
        }
        current = WriteLockWaiter.install(connection, timeoutMillis, file);
        millis = timeoutMillis;
    }

    /** A new busy timeout while serving is this waiter's (true); otherwise it stops and SQLite's handler takes over. */
    boolean takeTimeout(int timeoutMillis) throws SQLException {
        if (serving() && timeoutMillis > 0) {
            use(timeoutMillis);
            return true;
        }
        stop();
        return false;
    }

    void stop() {
        millis = 0;
        freed();
    }

    /** Before a statement that may take the write lock: behind the connections of this JVM waiting for it already. */
    void awaitTurn() {
        WriteLockWaiter w = current;
        if (w != null && millis > 0) {
            w.awaitTurn();
        }
    }

    /** The connection holds the write lock now: it leaves the queue of waiters, waking nobody. */
    void took() {
        WriteLockWaiter w = current;
        if (w != null) {
            w.took();
        }
    }

    /** The connection freed the write lock, or may have: the waiter of this JVM whose turn it is tries it now. */
    void freed() {
        WriteLockWaiter w = current;
        if (w != null) {
            w.freed();
        }
    }

    /** The statement to run instead of a busy_timeout pragma (after setting the waiter's), or the statement itself. */
    String answerPragma(String sql) throws SQLException {
        if (!serving()) {
            return sql;
        }
        BusyTimeoutPragma pragma = BusyTimeoutPragma.recognise(sql);
        if (pragma == null) {
            return sql;
        }
        if (pragma.sets()) {
            connection.setBusyTimeout(pragma.timeoutMillis());
        }
        return "SELECT " + connection.getBusyTimeout() + " AS timeout";
    }
}
