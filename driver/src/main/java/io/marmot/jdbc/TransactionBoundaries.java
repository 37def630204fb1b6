package io.marmot.jdbc;

import io.marmot.engine.MarmotEngine;
import java.sql.SQLException;
import org.sqlite.SQLiteConnection;

/**
 * What a connection's transaction boundaries mean to replication: each transaction is one change group (closed
 * inside it at commit, so peers receive it whole), a commit wakes the engine's publisher, and, in the driver's default
 * mode, the first statement takes the write lock ({@link WriteLockFirst}).
 */
final class TransactionBoundaries implements AutoCloseable {
    private final SQLiteConnection connection;
    /** Null for read-only opens: nothing is published. */
    private final MarmotEngine engine;
    private final ChangeGroup group;
    /** Null when the application chose its own {@code transaction_mode}, or nothing replicates. */
    private final WriteLockFirst writeLockFirst;
    private final WaiterTimeout waiter;

    TransactionBoundaries(SQLiteConnection connection, MarmotEngine engine, boolean transactionModeGiven,
            WaiterTimeout waiter) {
        this.connection = connection;
        this.waiter = waiter;
        this.engine = engine;
        this.group = new ChangeGroup(connection);
        this.writeLockFirst = engine != null && !transactionModeGiven ? new WriteLockFirst() : null;
    }

    /** sqlite-jdbc began a transaction: after a commit, a rollback, a change of auto-commit. */
    void begin() throws SQLException {
        group.begin();
        if (writeLockFirst != null) {
            writeLockFirst.transactionBegins(connection);
        }
    }

    /**
     * {@code setReadOnly}: handled here in the driver's default mode (see {@link WriteLockFirst#setReadOnly}); false
     * when sqlite-jdbc's own handling applies (a {@code transaction_mode} or {@code jdbc.explicit_readonly} given, a
     * read-only open).
     */
    boolean setReadOnly(boolean readOnly) throws SQLException {
        if (writeLockFirst == null || connection.getDatabase().getConfig().isExplicitReadOnly()) {
            return false;
        }
        writeLockFirst.setReadOnly(connection, readOnly);
        return true;
    }

    boolean readOnly() {
        return writeLockFirst != null && writeLockFirst.readOnly();
    }

    /** A statement of the application is about to run. */
    void beforeStatement() throws SQLException {
        if (writeLockFirst != null) {
            writeLockFirst.beforeStatement(connection, waiter);
        }
    }

    /**
     * Inside a transaction sqlite-jdbc began, a savepoint is the transaction's first statement (the write lock is
     * taken, the savepoint nests in it); in auto-commit mode the savepoint itself begins the transaction, deferred
     * as sqlite-jdbc has it (releasing it commits), and it starts a new change group.
     */
    void beforeSavepoint() throws SQLException {
        if (connection.getAutoCommit()) {
            group.begin();
            if (writeLockFirst != null) {
                writeLockFirst.transactionTakenOver();
            }
        } else {
            beforeStatement();
        }
    }

    /** The transaction is about to commit: its change group is closed inside it. */
    void beforeCommit() throws SQLException {
        if (engine != null) {
            group.end(engine.isClosed());
        }
    }

    /** Something committed: the publisher has work. */
    void committed() {
        if (engine != null) {
            engine.committed();
        }
    }

    @Override
    public void close() throws SQLException {
        group.close();
    }
}
