package io.marmot.jdbc;

import io.marmot.capture.CaptureInstaller;
import io.marmot.capture.ChangeLog;
import io.marmot.engine.Engines;
import io.marmot.engine.MarmotEngine;
import io.marmot.schema.Ddl;
import io.marmot.sqlite.WriteLockWaiter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.sqlite.SQLiteUpdateListener;
import org.sqlite.core.CoreDatabaseMetaData;
import org.sqlite.jdbc4.JDBC4Connection;
import org.sqlite.jdbc4.JDBC4PreparedStatement;
import org.sqlite.jdbc4.JDBC4Statement;

/**
 * The application's connection: a sqlite-jdbc connection itself (casts, user functions, collations, handlers,
 * listeners, backup and serialize work unchanged), which observes what replication must know. A commit closes
 * the transaction's change group and wakes the publisher; DDL re-installs capture in the same transaction.
 */
public final class MarmotConnection extends JDBC4Connection {
    private static final String SQLITE_PREFIX = "jdbc:sqlite:";

    /** Null for read-only opens, which must never write the file (and so never start an engine). */
    private final MarmotEngine engine;
    private final Path database;
    private final Map<SQLiteUpdateListener, SQLiteUpdateListener> userListeners = new HashMap<>();
    /** The thread running the engine's own work on this connection (capture install), whose SQL passes unobserved. */
    private volatile Thread engineAtWork;
    private long changesAtTransactionStart;
    private PreparedStatement closeGroup;
    private MarmotDatabaseMetaData metaData;
    /** How long the write-lock waiter waits; 0 once SQLite's own busy handler (or none) serves this connection. */
    private int waiterTimeout;

    private MarmotConnection(ConnectionSpec spec, MarmotEngine engine) throws SQLException {
        super(spec.url(), spec.sqliteUrl().substring(SQLITE_PREFIX.length()), spec.sqliteProperties());
        this.engine = engine;
        this.database = spec.databasePath();
        try {
            if (!spec.openMode().busyTimeoutGiven()) {
                // The engine writes too (applying peers' changes): unless the application chose its own
                // busy_timeout, wait for the write lock patiently and finely.
                useWriteLockWaiter(WriteLockWaiter.DEFAULT_TIMEOUT_MS);
            }
            changesAtTransactionStart = totalChanges();
        } catch (SQLException | RuntimeException e) {
            try {
                super.close();
            } catch (SQLException close) {
                e.addSuppressed(close);
            }
            throw e;
        }
    }

    /** Opens a connection; the engine of the file is started first (it switches the file to WAL and installs capture). */
    static MarmotConnection open(ConnectionSpec spec) throws SQLException {
        ConnectionSpec.OpenMode mode = spec.openMode();
        if (mode.readOnly()) {
            return new MarmotConnection(spec, null);
        }
        if (!mode.mayCreate() && !Files.exists(spec.databasePath())) {
            // The engine would create the file; sqlite-jdbc refuses to, and says so in its own words.
            new MarmotConnection(spec, null).close();
        }
        return new MarmotConnection(spec, Engines.acquire(spec.databasePath(), spec.config()));
    }

    /** The engine replicating this connection's database; for a read-only connection the running one, or null. */
    public MarmotEngine engine() {
        return engine != null ? engine : Engines.running(database);
    }

    /** Whether SQL on this thread is the application's (observed) rather than the engine's own. */
    boolean observes() {
        return engineAtWork != Thread.currentThread();
    }

    /** Runs a statement the application gave, handling DDL; every execute path of the statements comes here. */
    <T> T execute(String sql, SqlCall<T> call) throws SQLException {
        Ddl ddl = Ddl.recognise(sql);
        return ddl == null ? executeDml(call) : executeDdl(ddl, call);
    }

    <T> T executeDml(SqlCall<T> call) throws SQLException {
        T result = call.run();
        if (engine != null && getAutoCommit()) {
            engine.committed();
        }
        return result;
    }

    <T> T executeDdl(Ddl ddl, SqlCall<T> call) throws SQLException {
        if (engine == null) {
            return call.run();
        }
        boolean auto = getAutoCommit();
        if (auto) {
            // Write lock first: a deferred transaction that read the schema could not upgrade once the
            // engine's own connections (applier, publisher) have written meanwhile.
            rawExecute("BEGIN IMMEDIATE");
        }
        try {
            if (ddl.kind() == Ddl.Kind.ALTER_TABLE) {
                // The triggers name the table's columns; SQLite refuses to drop or rename what they use.
                // A null table (not read from the statement) suspends the triggers of every table.
                engineWork(() -> {
                    CaptureInstaller.suspendTriggers(this, ddl.table());
                    return null;
                });
            }
            T result = call.run();
            reconcile();
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
                    reconcile();
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

    private void reconcile() throws SQLException {
        engineWork(() -> {
            engine.reconcile(this);
            return null;
        });
    }

    private <T> T engineWork(SqlCall<T> work) throws SQLException {
        Thread before = engineAtWork;
        engineAtWork = Thread.currentThread();
        try {
            return work.run();
        } finally {
            engineAtWork = before;
        }
    }

    private void rawExecute(String sql) throws SQLException {
        try (Statement s = new JDBC4Statement(this)) {
            s.execute(sql);
        }
    }

    /**
     * sqlite-jdbc counts {@code Statement.executeUpdate} as the growth of {@code total_changes()}, which includes
     * the rows capture triggers write into the change log: those are taken off again, so the count is what plain
     * sqlite-jdbc reports (the application's own triggers included).
     */
    long withoutCaptureRows(SqlCall<Long> call) throws SQLException {
        if (engine == null) {
            return call.run();
        }
        InternalUpdates.CaptureRows capture = new InternalUpdates.CaptureRows();
        super.addUpdateListener(capture);
        try {
            long reported = call.run();
            return Math.max(0, reported - capture.count());
        } finally {
            super.removeUpdateListener(capture);
        }
    }

    @Override
    public void commit() throws SQLException {
        closeChangeGroup();
        super.commit();
        changesAtTransactionStart = totalChanges();
        if (engine != null) {
            engine.committed();
        }
    }

    @Override
    public void rollback() throws SQLException {
        super.rollback();
        changesAtTransactionStart = totalChanges();
    }

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        boolean commits = autoCommit && !getAutoCommit();
        if (commits) {
            closeChangeGroup();
        }
        super.setAutoCommit(autoCommit);
        changesAtTransactionStart = totalChanges();
        if (commits && engine != null) {
            engine.committed();
        }
    }

    @Override
    public void close() throws SQLException {
        if (isClosed()) {
            return;
        }
        try {
            if (closeGroup != null) {
                closeGroup.close();
            }
            if (metaData != null) {
                metaData.close();
            }
        } finally {
            super.close();
        }
    }

    @Override
    public Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
        checkOpen();
        checkCursor(type, concurrency, holdability);
        return new MarmotStatement(this);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability)
            throws SQLException {
        checkOpen();
        checkCursor(type, concurrency, holdability);
        return new MarmotPreparedStatement(this, observes() ? answerBusyTimeoutPragma(sql) : sql);
    }

    @Override
    public CoreDatabaseMetaData getSQLiteDatabaseMetaData() throws SQLException {
        checkOpen();
        if (metaData == null) {
            metaData = new MarmotDatabaseMetaData(this);
        }
        return metaData;
    }

    /** The application's listeners never hear of the engine's tables, which capture writes inside its transactions. */
    @Override
    public void addUpdateListener(SQLiteUpdateListener listener) {
        SQLiteUpdateListener filtered;
        synchronized (userListeners) {
            filtered = userListeners.computeIfAbsent(listener, InternalUpdates::hiddenFrom);
        }
        super.addUpdateListener(filtered);
    }

    @Override
    public void removeUpdateListener(SQLiteUpdateListener listener) {
        SQLiteUpdateListener filtered;
        synchronized (userListeners) {
            filtered = userListeners.remove(listener);
        }
        if (filtered != null) {
            super.removeUpdateListener(filtered);
        }
    }

    /**
     * While the write-lock waiter serves this connection a new timeout is the waiter's (sqlite-jdbc itself sets
     * and restores the timeout around statements with a query timeout); once the application turned waiting off,
     * SQLite's own handler takes over as with plain sqlite-jdbc.
     */
    @Override
    public void setBusyTimeout(int timeoutMillis) throws SQLException {
        if (waiterTimeout > 0 && timeoutMillis > 0) {
            useWriteLockWaiter(timeoutMillis);
        } else {
            waiterTimeout = 0;
            super.setBusyTimeout(timeoutMillis);
        }
    }

    private void useWriteLockWaiter(int timeoutMillis) throws SQLException {
        getDatabase().getConfig().setBusyTimeout(timeoutMillis);
        WriteLockWaiter.install(this, timeoutMillis);
        waiterTimeout = timeoutMillis;
    }

    /**
     * SQLite reports a busy timeout of 0 while a busy handler of the application's (here: the waiter) is set; the
     * pragma is answered with the waiter's timeout, so it agrees with {@link #getBusyTimeout()}, and setting it
     * through the pragma sets the waiter's.
     */
    String answerBusyTimeoutPragma(String sql) throws SQLException {
        if (waiterTimeout == 0) {
            return sql;
        }
        BusyTimeoutPragma pragma = BusyTimeoutPragma.recognise(sql);
        if (pragma == null) {
            return sql;
        }
        if (pragma.sets()) {
            setBusyTimeout(pragma.timeoutMillis());
        }
        return "SELECT " + getBusyTimeout() + " AS timeout";
    }

    /** Ends the transaction's change group inside it, so peers receive exactly this transaction together. */
    private void closeChangeGroup() throws SQLException {
        if (engine == null || getAutoCommit() || totalChanges() == changesAtTransactionStart) {
            return;
        }
        if (engine.isClosed() && !stateTableExists()) {
            // Marmot.cleanup removed capture under this open connection: there is no group to close.
            return;
        }
        if (closeGroup == null) {
            closeGroup = new JDBC4PreparedStatement(this, ChangeLog.CLOSE_GROUP);
        }
        closeGroup.executeUpdate();
    }

    private boolean stateTableExists() throws SQLException {
        try (PreparedStatement ps = new JDBC4PreparedStatement(this,
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + ChangeLog.STATE + "'");
                ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    private long totalChanges() throws SQLException {
        return getDatabase().total_changes();
    }

    @FunctionalInterface
    interface SqlCall<T> {
        T run() throws SQLException;
    }
}
