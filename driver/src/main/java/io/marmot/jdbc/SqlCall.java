package io.marmot.jdbc;

import java.sql.SQLException;

/** A piece of JDBC work the connection runs around its own bookkeeping (statements, DDL, the engine's work). */
@FunctionalInterface
interface SqlCall<T> {
    T run() throws SQLException;
}
