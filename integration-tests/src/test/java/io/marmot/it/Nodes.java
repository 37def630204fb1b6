package io.marmot.it;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Opening in-process nodes and reading single values, for tests that keep every node in the test JVM. */
final class Nodes {
    private Nodes() {
    }

    static Connection open(Path db, long nodeId, String natsUrl, String... extra) throws SQLException {
        StringBuilder url = new StringBuilder("jdbc:marmot:sqlite:" + db + "?node-id=" + nodeId + "&nats-url=" + natsUrl);
        for (String e : extra) {
            url.append('&').append(e);
        }
        return DriverManager.getConnection(url.toString());
    }

    static void exec(Connection c, String... statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    static long scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }
}
