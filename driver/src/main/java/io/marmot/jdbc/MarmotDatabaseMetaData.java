package io.marmot.jdbc;

import io.marmot.schema.Identifiers;
import io.marmot.jdbc.delegate.DelegatingDatabaseMetaData;
import io.marmot.jdbc.delegate.DelegatingResultSet;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Metadata without the engine's internal tables, so tools such as DBeaver show only the user's schema. */
final class MarmotDatabaseMetaData extends DelegatingDatabaseMetaData<DatabaseMetaData> {
    private final MarmotConnection connection;

    MarmotDatabaseMetaData(DatabaseMetaData delegate, MarmotConnection connection) {
        super(delegate);
        this.connection = connection;
    }

    @Override
    public Connection getConnection() {
        return connection;
    }

    @Override
    public ResultSet getTables(String catalog, String schema, String table, String[] types) throws SQLException {
        return hide(delegate.getTables(catalog, schema, table, types), "TABLE_NAME");
    }

    @Override
    public ResultSet getColumns(String catalog, String schema, String table, String column) throws SQLException {
        return hide(delegate.getColumns(catalog, schema, table, column), "TABLE_NAME");
    }

    @Override
    public ResultSet getPrimaryKeys(String catalog, String schema, String table) throws SQLException {
        return hide(delegate.getPrimaryKeys(catalog, schema, table), "TABLE_NAME");
    }

    @Override
    public ResultSet getIndexInfo(String catalog, String schema, String table, boolean unique, boolean approximate)
            throws SQLException {
        return hide(delegate.getIndexInfo(catalog, schema, table, unique, approximate), "TABLE_NAME");
    }

    private static ResultSet hide(ResultSet rs, String nameColumn) {
        return new WithoutInternalTables(rs, nameColumn);
    }

    /** Skips rows that describe one of the engine's tables. */
    private static final class WithoutInternalTables extends DelegatingResultSet<ResultSet> {
        private final String nameColumn;

        WithoutInternalTables(ResultSet delegate, String nameColumn) {
            super(delegate);
            this.nameColumn = nameColumn;
        }

        @Override
        public boolean next() throws SQLException {
            while (delegate.next()) {
                if (!Identifiers.isInternal(delegate.getString(nameColumn))) {
                    return true;
                }
            }
            return false;
        }
    }
}
