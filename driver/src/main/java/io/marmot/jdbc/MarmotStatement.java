package io.marmot.jdbc;

import io.marmot.schema.Ddl;
import java.sql.BatchUpdateException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sqlite.jdbc4.JDBC4Statement;

/** sqlite-jdbc's statement, whose SQL passes the connection's DDL and commit handling. */
final class MarmotStatement extends JDBC4Statement {
    private final MarmotConnection connection;
    private final List<String> batch = new ArrayList<>();
    private boolean batchHasDdl;

    MarmotStatement(MarmotConnection connection) {
        super(connection);
        this.connection = connection;
    }

    // sqlite-jdbc routes every other execute/executeUpdate/executeBatch overload through these.

    @Override
    public boolean execute(String sql) throws SQLException {
        if (!connection.observes()) {
            return super.execute(sql);
        }
        String s = connection.applicationSql(sql);
        // sqlite-jdbc closes the last result first; a schema change's own transaction cannot commit under it.
        internalClose();
        return connection.execute(s, () -> super.execute(s));
    }

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        return super.executeQuery(connection.observes() ? connection.applicationSql(sql) : sql);
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        if (!connection.observes()) {
            return super.executeLargeUpdate(sql);
        }
        String s = connection.applicationSql(sql);
        internalClose(); // as in execute
        connection.beforeWrite();
        return connection.execute(s, () -> connection.withoutCaptureRows(() -> super.executeLargeUpdate(s)));
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        super.addBatch(sql);
        batch.add(sql);
        if (connection.observes() && Ddl.recognise(sql) != null) {
            batchHasDdl = true;
        }
    }

    @Override
    public void clearBatch() throws SQLException {
        super.clearBatch();
        batch.clear();
        batchHasDdl = false;
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        if (!connection.observes()) {
            return super.executeLargeBatch();
        }
        connection.beforeWrite();
        if (!batchHasDdl) {
            batch.clear();
            return connection.executeDml(super::executeLargeBatch);
        }
        return runOneByOne();
    }

    /**
     * A batch with DDL runs statement by statement (as sqlite-jdbc runs a batch anyway: each entry on its own,
     * counting the rows the entry changed itself), so that each DDL gets its capture handling before the entries
     * after it run: a row inserted after a CREATE or ALTER in the same batch is captured like any other.
     */
    private long[] runOneByOne() throws SQLException {
        List<String> statements = new ArrayList<>(batch);
        clearBatch();
        long[] counts = new long[statements.size()];
        for (int i = 0; i < statements.size(); i++) {
            String sql = statements.get(i);
            try {
                boolean ddl = Ddl.recognise(sql) != null;
                counts[i] = connection.execute(sql, () -> {
                    super.execute(sql);
                    return ddl ? 0 : Math.max(0, getLargeUpdateCount());
                });
            } catch (SQLException e) {
                throw new BatchUpdateException("batch entry " + i + ": " + e.getMessage(), e.getSQLState(),
                        e.getErrorCode(), Arrays.copyOf(counts, i), e);
            }
        }
        return counts;
    }
}
