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
 * behaviour.
 */
final class WriteLockFirst {
    private boolean fresh;
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

    /**
     * Before a statement (sqlite-jdbc calls it for prepared statements and queries, the driver's statement for
     * updates and batches, the connection before a savepoint): if it is the transaction's first, the empty
     * deferred transaction becomes an immediate one.
     */
    void beforeStatement(SQLiteConnection c) throws SQLException {
        if (!fresh || c.getAutoCommit()) {
            return;
        }
        fresh = false;
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
        try {
            db.exec("BEGIN IMMEDIATE", false);
        } catch (SQLException e) {
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
