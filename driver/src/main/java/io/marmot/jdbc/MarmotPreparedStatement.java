package io.marmot.jdbc;

import io.marmot.schema.Ddl;
import java.sql.SQLException;
import org.sqlite.core.SafeStmtPtr;
import org.sqlite.jdbc4.JDBC4PreparedStatement;

/**
 * sqlite-jdbc's prepared statement; its SQL is classified once, when it is prepared. Closed by the application, a
 * statement without result columns leaves its compiled statement to the connection's {@link StatementCache}, and a
 * new statement of the same SQL adopts it instead of compiling again.
 */
final class MarmotPreparedStatement extends JDBC4PreparedStatement {
    /**
     * sqlite-jdbc's constructor always compiles: a statement adopting a kept one compiles this instead (no result
     * columns, no parameters, never run: SQLite compiles an unknown pragma to nothing), then finalizes it.
     */
    private static final String PLACEHOLDER = "PRAGMA marmot_adopting_kept_statement";

    private final MarmotConnection connection;
    private final StatementCache cache;
    private final Ddl ddl;
    private final boolean cacheable;

    private MarmotPreparedStatement(MarmotConnection connection, StatementCache cache, String sql,
            StatementCache.Compiled kept) throws SQLException {
        super(connection, kept == null ? sql : PLACEHOLDER);
        this.connection = connection;
        this.cache = cache;
        // A kept statement was the application's and no DDL when it was kept.
        this.ddl = kept == null && connection.observes() ? Ddl.recognise(sql) : null;
        if (kept != null) {
            SafeStmtPtr placeholder = pointer;
            this.sql = sql;
            pointer = kept.pointer();
            paramCount = kept.parameters();
            placeholder.close();
        }
        // The engine's own statements on this connection (DDL among them) are never kept.
        this.cacheable = cache.enabled() && connection.observes() && ddl == null && columnCount == 0;
    }

    /** A statement of this SQL, adopting the compiled statement the cache kept for it if there is one. */
    static MarmotPreparedStatement prepare(MarmotConnection connection, StatementCache cache, String sql)
            throws SQLException {
        StatementCache.Compiled kept = connection.observes() ? cache.take(sql) : null;
        try {
            return new MarmotPreparedStatement(connection, cache, sql, kept);
        } catch (SQLException | RuntimeException e) {
            if (kept != null) {
                kept.pointer().close();
            }
            throw e;
        }
    }

    // sqlite-jdbc routes executeUpdate through executeLargeUpdate, and executeBatch through executeLargeBatch.

    @Override
    public boolean execute() throws SQLException {
        return connection.observes() ? run(super::execute) : super.execute();
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        return connection.observes() ? run(super::executeLargeUpdate) : super.executeLargeUpdate();
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        return connection.observes() ? run(super::executeLargeBatch) : super.executeLargeBatch();
    }

    /**
     * sqlite-jdbc's close (generated keys, result set, batch, closed flag) done on a closed pointer, so that it
     * finalizes nothing; the compiled statement is reset, its bindings cleared, and kept.
     */
    @Override
    public void close() throws SQLException {
        SafeStmtPtr compiled = pointer;
        if (!cacheable || compiled == null || compiled.isClosed() || connection.isClosed()) {
            super.close();
            return;
        }
        pointer = cache.closedPointer(connection.getDatabase());
        batch = null;
        batchPos = 0;
        batchQueryCount = 0;
        try {
            rs.close();
            super.close();
            compiled.safeRunConsume((db, stmt) -> {
                db.reset(stmt); // returns the last step's error, which the application already saw
                db.clear_bindings(stmt);
            });
        } catch (SQLException | RuntimeException e) {
            try {
                compiled.close();
            } catch (SQLException f) {
                e.addSuppressed(f);
            }
            throw e;
        }
        cache.keep(sql, new StatementCache.Compiled(compiled, paramCount));
    }

    private <T> T run(SqlCall<T> call) throws SQLException {
        return ddl == null ? connection.executeDml(call) : connection.executeDdl(ddl, call);
    }
}
