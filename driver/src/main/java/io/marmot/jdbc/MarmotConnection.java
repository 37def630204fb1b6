package io.marmot.jdbc;

import io.marmot.engine.Engines;
import io.marmot.engine.MarmotEngine;
import io.marmot.schema.Ddl;
import io.marmot.sqlite.WriteLockWaiter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import org.sqlite.SQLiteUpdateListener;
import org.sqlite.core.CoreDatabaseMetaData;
import org.sqlite.jdbc4.JDBC4Connection;

/**
 * The application's connection: a sqlite-jdbc connection itself (casts, user functions, collations, handlers,
 * listeners, backup and serialize work unchanged), which observes what replication must know: transaction boundaries
 * ({@link TransactionBoundaries}), and DDL, which re-installs capture in the same transaction ({@link DdlExecution}).
 */
public final class MarmotConnection extends JDBC4Connection {
    /** Null for read-only opens, which must never write the file (and so never start an engine). */
    private final MarmotEngine engine;
    private final Path database;
    // sqlite-jdbc's constructor already calls overridden methods (pragmas, auto-commit): these are null until it returns.
    private final ListenerFilter listeners;
    private final WaiterTimeout waiter;
    private final TransactionBoundaries boundaries;
    private final StatementCache statements;
    /** The thread running the engine's own work on this connection (capture install), whose SQL passes unobserved. */
    private volatile Thread engineAtWork;
    private MarmotDatabaseMetaData metaData;

    private MarmotConnection(ConnectionSpec spec, MarmotEngine engine) throws SQLException {
        super(spec.url(), spec.sqliteUrl().substring("jdbc:sqlite:".length()), spec.sqliteProperties());
        this.listeners = new ListenerFilter();
        this.waiter = new WaiterTimeout(this);
        this.boundaries = new TransactionBoundaries(this, engine, spec.openMode().transactionModeGiven(), waiter);
        this.engine = engine;
        this.database = spec.databasePath();
        this.statements = new StatementCache(spec.statementCacheSize());
        try {
            if (!spec.openMode().busyTimeoutGiven()) {
                // The engine writes too (applying peers' changes): unless the application chose its own
                // busy_timeout, wait for the write lock patiently and finely.
                waiter.use(WriteLockWaiter.DEFAULT_TIMEOUT_MS);
            }
            MarmotIdFunction.register(this);
            beginGroup();
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
        SqliteJdbcVersion.checkOnce();
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

    /** An autocommit statement's end (failed too) frees the lock it took, and may leave the publisher work. */
    <T> T executeDml(SqlCall<T> call) throws SQLException {
        if (boundaries != null && getAutoCommit()) {
            waiter.awaitTurn();
        }
        try {
            return call.run();
        } finally {
            if (boundaries != null && getAutoCommit()) { // null: sqlite-jdbc's constructor applying pragmas
                waiter.freed();
                boundaries.committed();
            }
        }
    }

    <T> T executeDdl(Ddl ddl, SqlCall<T> call) throws SQLException {
        statements.clear(); // SQLite would recompile kept statements anyway; one may name what the DDL drops
        return engine == null ? call.run() : DdlExecution.run(this, ddl, call);
    }

    <T> T engineWork(SqlCall<T> work) throws SQLException {
        Thread before = engineAtWork;
        engineAtWork = Thread.currentThread();
        try {
            return work.run();
        } finally {
            engineAtWork = before;
        }
    }

    /** The count of {@code Statement.executeUpdate} without the change log's rows (see InternalUpdates#withoutCaptureRows). */
    long withoutCaptureRows(SqlCall<Long> call) throws SQLException {
        return engine == null ? call.run() : InternalUpdates.withoutCaptureRows(call, super::addUpdateListener,
                super::removeUpdateListener);
    }

    /** sqlite-jdbc calls this before every statement: a transaction's first takes the write lock (WriteLockFirst). */
    @Override
    public void tryEnforceTransactionMode() throws SQLException {
        super.tryEnforceTransactionMode();
        beforeWrite();
    }

    /** Statements sqlite-jdbc runs without {@link #tryEnforceTransactionMode()} (executeUpdate, batches) call this first. */
    void beforeWrite() throws SQLException {
        if (boundaries != null) {
            boundaries.beforeStatement();
        }
    }

    /** Read-only transactions take no write lock and cannot write (see WriteLockFirst#setReadOnly). */
    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        checkOpen();
        if (boundaries == null || !boundaries.setReadOnly(readOnly)) {
            super.setReadOnly(readOnly);
        }
    }

    @Override
    public boolean isReadOnly() {
        return boundaries != null && boundaries.readOnly() || super.isReadOnly();
    }

    StatementCache statementCache() { // tests count the kept statements
        return statements;
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        beforeSavepoint();
        return super.setSavepoint();
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        beforeSavepoint();
        return super.setSavepoint(name);
    }

    private void beforeSavepoint() throws SQLException {
        checkOpen();
        if (boundaries != null) {
            boundaries.beforeSavepoint();
        }
    }

    @Override
    public void commit() throws SQLException {
        if (boundaries != null) {
            boundaries.beforeCommit();
        }
        super.commit();
        beginGroup();
        if (boundaries != null) {
            boundaries.committed();
        }
    }

    @Override
    public void rollback() throws SQLException {
        super.rollback();
        beginGroup();
    }

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        boolean commits = autoCommit && !getAutoCommit();
        if (commits && boundaries != null) {
            boundaries.beforeCommit();
        }
        super.setAutoCommit(autoCommit);
        beginGroup();
        if (commits && boundaries != null) {
            boundaries.committed();
        }
    }

    @Override
    public void close() throws SQLException {
        if (isClosed()) {
            return;
        }
        try {
            statements.clear();
            if (boundaries != null) {
                boundaries.close();
            }
            if (metaData != null) {
                metaData.close();
            }
        } finally {
            super.close();
            if (waiter != null) {
                waiter.freed();
            }
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
        return MarmotPreparedStatement.prepare(this, statements == null ? StatementCache.OFF : statements,
                observes() ? applicationSql(sql) : sql);
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
        super.addUpdateListener(listeners == null ? listener : listeners.add(listener));
    }

    @Override
    public void removeUpdateListener(SQLiteUpdateListener listener) {
        SQLiteUpdateListener filtered = listeners == null ? listener : listeners.remove(listener);
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
        if (waiter == null || !waiter.takeTimeout(timeoutMillis)) {
            super.setBusyTimeout(timeoutMillis);
        }
    }

    /**
     * The application's SQL as it runs: a busy_timeout pragma answered as {@link #getBusyTimeout()} reports it (see
     * WaiterTimeout), a listing of table names without the engine's tables (see TableListing).
     */
    String applicationSql(String sql) throws SQLException {
        String s = waiter == null ? sql : waiter.answerPragma(sql);
        return TableListing.withoutEngineTables(s);
    }

    /** A transaction ended (its write lock is free: the next waiter of this JVM tries it now) and another begins. */
    void beginGroup() throws SQLException {
        if (waiter != null) {
            waiter.freed();
        }
        if (boundaries != null) {
            boundaries.begin();
        }
    }
}
