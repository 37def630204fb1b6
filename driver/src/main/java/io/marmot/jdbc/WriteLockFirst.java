package io.marmot.jdbc;

import java.sql.SQLException;
import org.sqlite.SQLiteConnection;
import org.sqlite.core.DB;

/**
 * The driver's default transaction mode: a transaction takes the write lock at its first statement, as
 * {@code BEGIN IMMEDIATE} would, but not before. The engine writes to the database from its own connections
 * (applying peers' changes, folding the log); a {@code DEFERRED} transaction that read first and writes later
 * fails at once with {@code SQLITE_BUSY_SNAPSHOT} when the engine wrote in between (migrations, read-modify-write
 * loops), while one that holds the lock from its start simply waits for it. Plain {@code IMMEDIATE} would take the
 * lock as soon as sqlite-jdbc begins the transaction ({@code setAutoCommit(false)}, after every commit), so an idle
 * connection in manual-commit mode would hold it and stall the engine; here nothing is locked until work starts.
 * An application that sets {@code transaction_mode} (or {@code jdbc.explicit_readonly}) gets exactly sqlite-jdbc's
 * behaviour. A read-only connection ({@code setReadOnly(true)}, what Spring does for {@code readOnly = true}) keeps its
 * transactions deferred: they read without waiting for writers nor making them wait.
 */
final class WriteLockFirst {
    private boolean fresh;
    private boolean readOnly;
    /** The connection's {@code total_changes()} when the transaction began: a write since means it is not empty. */
    private long changesAtBegin;

    /** sqlite-jdbc began a new (deferred) transaction: after a commit, a rollback, a change of auto-commit. */
    void transactionBegins(SQLiteConnection c) throws SQLException {
        fresh = true;
        changesAtBegin = c.getDatabase().total_changes();
    }

    /**
     * The transaction began some other way than through sqlite-jdbc's {@code begin} (an outermost
     * {@code SAVEPOINT}): it is the application's, deferred as with plain sqlite-jdbc, and never ended here.
     */
    void transactionTakenOver() {
        fresh = false;
    }

    boolean readOnly() {
        return readOnly;
    }

    /**
     * {@code setReadOnly}: as with sqlite-jdbc's {@code jdbc.explicit_readonly}, refused once the open transaction ran a
     * statement; SQLite's {@code query_only} makes every write fail ({@code SQLITE_READONLY}) while it is set, in
     * auto-commit mode too, where sqlite-jdbc would let it pass.
     */
    void setReadOnly(SQLiteConnection c, boolean value) throws SQLException {
        if (value == readOnly) {
            return;
        }
        if (!c.getAutoCommit() && !fresh) {
            throw new SQLException("Cannot change the read-only status of this connection: the open transaction already"
                    + " ran a statement; commit or roll back first");
        }
        c.getDatabase().exec(value ? "PRAGMA query_only = true" : "PRAGMA query_only = false", false);
        readOnly = value;
    }

    /**
     * Before a statement (sqlite-jdbc calls it for prepared statements and queries, the driver's statement for
     * updates and batches, the connection before a savepoint): if it is the transaction's first, the empty
     * deferred transaction becomes an immediate one.
     */
    void beforeStatement(SQLiteConnection c, WaiterTimeout waiter) throws SQLException {
        if (!fresh || c.getAutoCommit()) {
            return;
        }
        fresh = false;
        if (readOnly) {
            return; // stays deferred: reads take no lock, and query_only refuses writes
        }
        if (c.getDatabase().getConfig().isExplicitReadOnly()) {
            return; // sqlite-jdbc's own read-only transactions (jdbc.explicit_readonly) manage their mode themselves
        }
        if (c.getDatabase().total_changes() != changesAtBegin) {
            return; // something wrote already (a path that did not pass here): ending the transaction would commit it
        }
        // Nothing ran in the transaction sqlite-jdbc began: ending it costs nothing, and BEGIN IMMEDIATE waits for
        // the lock through the connection's busy handler (the driver's write-lock waiter).
        DB db = c.getDatabase();
        db.exec("COMMIT", false);
        waiter.awaitTurn(); // behind the connections of this JVM whose turn for the lock has come
        try {
            db.exec("BEGIN IMMEDIATE", false);
            waiter.took(); // it has the lock: the next waiter waits for its commit
        } catch (SQLException e) {
            waiter.freed();
            // No lock within the timeout: the statement fails, the connection stays in a (deferred) transaction as
            // sqlite-jdbc expects, and the next statement tries again.
            fresh = true;
            try {
                db.exec("BEGIN", false);
            } catch (SQLException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }
}
