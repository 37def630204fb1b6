package io.marmot.merge;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Prepared statements by the column list they touch. Bounded: merges write ever new column subsets, and a table
 * with many columns must not make the applier hold statements without end.
 */
final class StatementCache implements AutoCloseable {
    private static final int MAX_CACHED = 32;

    private final Connection c;
    private final Map<List<String>, PreparedStatement> statements = new HashMap<>();

    StatementCache(Connection c) {
        this.c = c;
    }

    PreparedStatement get(List<String> names, Function<List<String>, String> sql) throws SQLException {
        PreparedStatement ps = statements.get(names);
        if (ps == null) {
            if (statements.size() >= MAX_CACHED) {
                close();
            }
            ps = c.prepareStatement(sql.apply(names));
            statements.put(List.copyOf(names), ps);
        }
        return ps;
    }

    @Override
    public void close() throws SQLException {
        SQLException first = null;
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException e) {
                first = first == null ? e : first; // a statement a failure left broken: forgotten all the same
            }
        }
        statements.clear();
        if (first != null) {
            throw first;
        }
    }
}
