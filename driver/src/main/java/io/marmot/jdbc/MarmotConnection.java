package io.marmot.jdbc;

import io.marmot.capture.CaptureInstaller;
import io.marmot.capture.ChangeLog;
import io.marmot.engine.MarmotEngine;
import io.marmot.jdbc.delegate.DelegatingConnection;
import io.marmot.schema.Ddl;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConnection;

/**
 * The application's connection: the real sqlite-jdbc connection, observed where replication must know
 * something. A commit closes the transaction's change group and wakes the publisher; DDL re-installs capture
 * in the same transaction.
 */
public final class MarmotConnection extends DelegatingConnection<SQLiteConnection> {
    private final MarmotEngine engine;
    private long changesAtTransactionStart;
    private PreparedStatement closeGroup;

    MarmotConnection(SQLiteConnection delegate, MarmotEngine engine) throws SQLException {
        super(delegate);
        this.engine = engine;
        this.changesAtTransactionStart = totalChanges();
    }

    public MarmotEngine engine() {
        return engine;
    }

    /** Runs a statement the application gave, handling DDL; every execute path of the wrappers comes here. */
    <T> T execute(String sql, SqlCall<T> call) throws SQLException {
        Ddl ddl = Ddl.recognise(sql);
        return ddl == null ? executeDml(call) : executeDdl(ddl, call);
    }

    <T> T executeDml(SqlCall<T> call) throws SQLException {
        T result = call.run();
        if (delegate.getAutoCommit()) {
            engine.committed();
        }
        return result;
    }

    <T> T executeDdl(Ddl ddl, SqlCall<T> call) throws SQLException {
        boolean auto = delegate.getAutoCommit();
        if (auto) {
            // Write lock first: a deferred transaction that read the schema could not upgrade once the
            // engine's own connections (applier, publisher) have written meanwhile.
            rawExecute("BEGIN IMMEDIATE");
        }
        try {
            if (ddl.kind() == Ddl.Kind.ALTER_TABLE) {
                // The triggers name the table's columns; SQLite refuses to drop or rename what they use.
                // A null table (not read from the statement) suspends the triggers of every table.
                CaptureInstaller.suspendTriggers(delegate, ddl.table());
            }
            T result = call.run();
            engine.reconcile(delegate);
            if (auto) {
                rawExecute("COMMIT");
            }
            return result;
        } catch (SQLException | RuntimeException e) {
            if (auto) {
                try {
                    rawExecute("ROLLBACK");
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
            } else {
                // The transaction goes on without the failed statement: capture must be whole again.
                try {
                    engine.reconcile(delegate);
                } catch (SQLException again) {
                    e.addSuppressed(again);
                }
            }
            throw e;
        } finally {
            if (auto) {
                changesAtTransactionStart = totalChanges();
            }
        }
    }

    private void rawExecute(String sql) throws SQLException {
        try (Statement s = delegate.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public void commit() throws SQLException {
        closeChangeGroup();
        delegate.commit();
        changesAtTransactionStart = totalChanges();
        engine.committed();
    }

    @Override
    public void rollback() throws SQLException {
        delegate.rollback();
        changesAtTransactionStart = totalChanges();
    }

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        boolean commits = autoCommit && !delegate.getAutoCommit();
        if (commits) {
            closeChangeGroup();
        }
        delegate.setAutoCommit(autoCommit);
        changesAtTransactionStart = totalChanges();
        if (commits) {
            engine.committed();
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            if (closeGroup != null) {
                closeGroup.close();
            }
        } finally {
            delegate.close();
        }
    }

    @Override
    public Statement createStatement() throws SQLException {
        return new MarmotStatement(delegate.createStatement(), this);
    }

    @Override
    public Statement createStatement(int type, int concurrency) throws SQLException {
        return new MarmotStatement(delegate.createStatement(type, concurrency), this);
    }

    @Override
    public Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
        return new MarmotStatement(delegate.createStatement(type, concurrency, holdability), this);
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return new MarmotPreparedStatement(delegate.prepareStatement(sql), this, sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        return new MarmotPreparedStatement(delegate.prepareStatement(sql, autoGeneratedKeys), this, sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        return new MarmotPreparedStatement(delegate.prepareStatement(sql, columnIndexes), this, sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        return new MarmotPreparedStatement(delegate.prepareStatement(sql, columnNames), this, sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency) throws SQLException {
        return new MarmotPreparedStatement(delegate.prepareStatement(sql, type, concurrency), this, sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability)
            throws SQLException {
        return new MarmotPreparedStatement(delegate.prepareStatement(sql, type, concurrency, holdability), this, sql);
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        return new MarmotDatabaseMetaData(delegate.getMetaData(), this);
    }

    /** Ends the transaction's change group inside it, so peers receive exactly this transaction together. */
    private void closeChangeGroup() throws SQLException {
        if (delegate.getAutoCommit() || totalChanges() == changesAtTransactionStart) {
            return;
        }
        if (engine.isClosed() && !stateTableExists()) {
            // Marmot.cleanup removed capture under this open connection: there is no group to close.
            return;
        }
        if (closeGroup == null) {
            closeGroup = delegate.prepareStatement(ChangeLog.CLOSE_GROUP);
        }
        closeGroup.executeUpdate();
    }

    private boolean stateTableExists() throws SQLException {
        try (PreparedStatement ps = delegate.prepareStatement(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + ChangeLog.STATE + "'");
                java.sql.ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    private long totalChanges() throws SQLException {
        return delegate.getDatabase().total_changes();
    }

    @FunctionalInterface
    interface SqlCall<T> {
        T run() throws SQLException;
    }
}
