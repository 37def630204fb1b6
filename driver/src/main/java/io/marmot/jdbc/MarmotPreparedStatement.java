package io.marmot.jdbc;

import io.marmot.schema.Ddl;
import java.sql.SQLException;
import org.sqlite.jdbc4.JDBC4PreparedStatement;

/** sqlite-jdbc's prepared statement; its SQL is classified once, when it is prepared. */
final class MarmotPreparedStatement extends JDBC4PreparedStatement {
    private final MarmotConnection connection;
    private final Ddl ddl;

    MarmotPreparedStatement(MarmotConnection connection, String sql) throws SQLException {
        super(connection, sql);
        this.connection = connection;
        this.ddl = connection.observes() ? Ddl.recognise(sql) : null;
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

    private <T> T run(SqlCall<T> call) throws SQLException {
        return ddl == null ? connection.executeDml(call) : connection.executeDdl(ddl, call);
    }
}
