package io.marmot.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.function.IntFunction;

/**
 * One statement that writes many rows (one {@code VALUES} tuple a row), prepared once for each size it is used at.
 * Through sqlite-jdbc a statement costs a few microseconds besides its VM steps (its JNI calls, the check for an open
 * transaction after each execution), paid here once for many rows. Sizes are powers of two, so a run of any length
 * takes a few statements and at most eight are kept.
 */
public final class ManyRows implements AutoCloseable {
    /** SQLite's default limit on parameters of a statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32). */
    private static final int MAX_PARAMETERS = 32766;
    private static final int MAX_ROWS = 128;

    private final Connection c;
    private final IntFunction<String> sql;
    private final int maxRows;
    private final PreparedStatement[] bySize = new PreparedStatement[Integer.numberOfTrailingZeros(MAX_ROWS) + 1];

    /** @param sql the statement for a given number of rows */
    public ManyRows(Connection c, int parametersPerRow, IntFunction<String> sql) {
        this.c = c;
        this.sql = sql;
        this.maxRows = Integer.highestOneBit(Math.max(1, Math.min(MAX_ROWS, MAX_PARAMETERS / Math.max(1, parametersPerRow))));
    }

    /** How many of {@code remaining} rows (at least one) the next statement takes. */
    public int chunk(int remaining) {
        return Integer.highestOneBit(Math.min(remaining, maxRows));
    }

    /** The statement for {@code rows} rows, a size {@link #chunk} gave. */
    public PreparedStatement statement(int rows) throws SQLException {
        int i = Integer.numberOfTrailingZeros(rows);
        if (bySize[i] == null) {
            bySize[i] = c.prepareStatement(sql.apply(rows));
        }
        return bySize[i];
    }

    /** {@code tuple} repeated {@code rows} times, comma-separated: the VALUES list of a statement of many rows. */
    public static String tuples(String tuple, int rows) {
        StringBuilder sb = new StringBuilder(rows * (tuple.length() + 2));
        for (int i = 0; i < rows; i++) {
            sb.append(i == 0 ? "" : ", ").append(tuple);
        }
        return sb.toString();
    }

    @Override
    public void close() throws SQLException {
        SQLException first = null;
        for (int i = 0; i < bySize.length; i++) {
            try {
                if (bySize[i] != null) {
                    bySize[i].close();
                }
            } catch (SQLException e) {
                first = first == null ? e : first;
            }
            bySize[i] = null;
        }
        if (first != null) {
            throw first;
        }
    }
}
