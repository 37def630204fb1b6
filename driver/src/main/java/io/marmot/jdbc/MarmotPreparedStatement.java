package io.marmot.jdbc;

import io.marmot.jdbc.delegate.DelegatingPreparedStatement;
import io.marmot.schema.Ddl;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** A prepared statement; its SQL is classified once, when it is prepared. */
final class MarmotPreparedStatement extends DelegatingPreparedStatement<PreparedStatement> {
    private final MarmotConnection connection;
    private final Ddl ddl;

    MarmotPreparedStatement(PreparedStatement delegate, MarmotConnection connection, String sql) {
        super(delegate);
        this.connection = connection;
        this.ddl = Ddl.recognise(sql);
    }

    @Override
    public Connection getConnection() {
        return connection;
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        return MarmotResultSet.wrap(delegate.executeQuery(), this);
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        return MarmotResultSet.wrap(delegate.getResultSet(), this);
    }

    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        return MarmotResultSet.wrap(delegate.getGeneratedKeys(), this);
    }

    @Override
    public boolean execute() throws SQLException {
        return run(delegate::execute);
    }

    @Override
    public int executeUpdate() throws SQLException {
        return run(delegate::executeUpdate);
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        return run(delegate::executeLargeUpdate);
    }

    @Override
    public int[] executeBatch() throws SQLException {
        return run(delegate::executeBatch);
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        return run(delegate::executeLargeBatch);
    }

    private <T> T run(MarmotConnection.SqlCall<T> call) throws SQLException {
        return ddl == null ? connection.executeDml(call) : connection.executeDdl(ddl, call);
    }
}
