package io.marmot.jdbc;

import io.marmot.jdbc.delegate.DelegatingResultSet;
import java.sql.ResultSet;
import java.sql.Statement;

/** Keeps {@code getStatement()} pointing at the wrapper, so applications cannot slip past the driver. */
final class MarmotResultSet extends DelegatingResultSet<ResultSet> {
    private final Statement statement;

    private MarmotResultSet(ResultSet delegate, Statement statement) {
        super(delegate);
        this.statement = statement;
    }

    static ResultSet wrap(ResultSet rs, Statement statement) {
        return rs == null ? null : new MarmotResultSet(rs, statement);
    }

    @Override
    public Statement getStatement() {
        return statement;
    }
}
