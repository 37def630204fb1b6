package io.marmot.it;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A marmot node in the test's JVM: its database file and one driver connection to it, opened by {@link Cluster}. */
final class Node implements AutoCloseable {
    private final String name;
    private final long id;
    private final Path path;
    private final String url;
    private final Connection connection;

    Node(String name, long id, Path path, String url) throws SQLException {
        this.name = name;
        this.id = id;
        this.path = path;
        this.url = url;
        this.connection = java.sql.DriverManager.getConnection(url);
    }

    String name() {
        return name;
    }

    /** The node id asked for in the URL (0: none asked, the engine chose one). */
    long id() {
        return id;
    }

    Path path() {
        return path;
    }

    /** The driver URL of this node: another connection to it shares its engine. */
    String url() {
        return url;
    }

    Connection connection() {
        return connection;
    }

    /** Another driver connection to this node (the caller closes it). */
    Connection open() throws SQLException {
        return java.sql.DriverManager.getConnection(url);
    }

    /** The running engine of this node. */
    MarmotEngine engine() throws SQLException {
        return Marmot.engine(path).orElseThrow(() -> new AssertionError("no engine runs for " + path));
    }

    void exec(String... sql) throws SQLException {
        Db.exec(connection, sql);
    }

    /** The first column of the first row as a long (0 for NULL), or -1 when there is no row. */
    long scalar(String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }

    @Override
    public String toString() {
        return "node " + name + " (" + path + ")";
    }
}
