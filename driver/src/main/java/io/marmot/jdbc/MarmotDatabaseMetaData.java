package io.marmot.jdbc;

import io.marmot.schema.Identifiers;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.sqlite.jdbc4.JDBC4DatabaseMetaData;

/**
 * sqlite-jdbc's metadata without the engine's tables (and their indexes), so tools such as DBeaver show only
 * the user's schema. Its connection is the marmot connection, and so is every statement's it runs.
 */
final class MarmotDatabaseMetaData extends JDBC4DatabaseMetaData {
    private static final String AUTOINDEX = "sqlite_autoindex_";

    MarmotDatabaseMetaData(MarmotConnection connection) {
        super(connection);
    }

    /** The URL the application gave, without the NATS credentials it may hold. */
    @Override
    public String getURL() {
        return UrlWithoutSecrets.of(super.getURL());
    }

    @Override
    public ResultSet getTables(String catalog, String schema, String table, String[] types) throws SQLException {
        return hide(super.getTables(catalog, schema, table, types), "TABLE_NAME");
    }

    @Override
    public ResultSet getColumns(String catalog, String schema, String table, String column) throws SQLException {
        return hide(super.getColumns(catalog, schema, table, column), "TABLE_NAME");
    }

    @Override
    public ResultSet getPrimaryKeys(String catalog, String schema, String table) throws SQLException {
        return hide(super.getPrimaryKeys(catalog, schema, table), "TABLE_NAME");
    }

    @Override
    public ResultSet getIndexInfo(String catalog, String schema, String table, boolean unique, boolean approximate)
            throws SQLException {
        return hide(super.getIndexInfo(catalog, schema, table, unique, approximate), "TABLE_NAME");
    }

    @Override
    public ResultSet getImportedKeys(String catalog, String schema, String table) throws SQLException {
        return hide(super.getImportedKeys(catalog, schema, table), "FKTABLE_NAME");
    }

    @Override
    public ResultSet getExportedKeys(String catalog, String schema, String table) throws SQLException {
        return hide(super.getExportedKeys(catalog, schema, table), "PKTABLE_NAME");
    }

    private static ResultSet hide(ResultSet rs, String nameColumn) {
        return WithoutRows.of(rs, row -> hidden(row.getString(nameColumn)));
    }

    /** The engine's tables, and the indexes SQLite made for their keys (which sqlite-jdbc lists among tables). */
    static boolean hidden(String name) {
        return Identifiers.isInternal(name)
                || name != null && name.startsWith(AUTOINDEX) && Identifiers.isInternal(name.substring(AUTOINDEX.length()));
    }
}
