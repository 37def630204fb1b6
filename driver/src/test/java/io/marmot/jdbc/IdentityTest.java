package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.fixture.OneDatabase;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.sqlite.SQLiteConnection;

/**
 * The application only ever gets the driver's objects back (so it cannot slip past capture handling), and
 * they are sqlite-jdbc's own: a cast or an unwrap to sqlite-jdbc's classes gives the same object.
 */
class IdentityTest {
    Path db;
    Connection c;
    @RegisterExtension
    final OneDatabase database = OneDatabase.named("wrap.db")
            .schema("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'a')")
            .into((path, connection) -> {
                db = path;
                c = connection;
            });

    @Test
    void isSqliteJdbcsConnection() throws Exception {
        assertInstanceOf(SQLiteConnection.class, c);
        assertInstanceOf(org.sqlite.jdbc4.JDBC4Connection.class, c);
        assertTrue(c.isWrapperFor(SQLiteConnection.class));
        SQLiteConnection raw = c.unwrap(SQLiteConnection.class);
        assertSame(c, raw);
        assertTrue(raw.getDatabase() != null, "sqlite-jdbc's own API is usable");
        assertTrue(c.isWrapperFor(Connection.class));
        assertSame(c, c.unwrap(Connection.class));
        assertSame(c, c.unwrap(MarmotConnection.class));
        assertFalse(c.isWrapperFor(String.class));
        assertThrows(Exception.class, () -> c.unwrap(String.class));
    }

    @Test
    void statementsReturnTheWrapperConnection() throws Exception {
        try (Statement s = c.createStatement()) {
            assertSame(c, s.getConnection());
        }
        try (Statement s = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
            assertSame(c, s.getConnection());
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT v FROM t WHERE id = ?")) {
            assertSame(c, ps.getConnection());
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (v) VALUES ('g')", Statement.RETURN_GENERATED_KEYS)) {
            assertSame(c, ps.getConnection());
        }
    }

    @Test
    void resultSetsReturnTheWrapperStatement() throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM t")) {
            assertSame(s, rs.getStatement());
            assertSame(c, rs.getStatement().getConnection());
        }
        try (Statement s = c.createStatement()) {
            assertTrue(s.execute("SELECT v FROM t"));
            try (ResultSet rs = s.getResultSet()) {
                assertSame(s, rs.getStatement());
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT v FROM t WHERE id = ?")) {
            ps.setInt(1, 1);
            try (ResultSet rs = ps.executeQuery()) {
                assertSame(ps, rs.getStatement());
            }
            assertTrue(ps.execute());
            try (ResultSet rs = ps.getResultSet()) {
                assertSame(ps, rs.getStatement());
            }
        }
    }

    @Test
    void generatedKeysBelongToTheDriversConnection() throws Exception {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO t (v) VALUES ('k')", Statement.RETURN_GENERATED_KEYS);
            try (ResultSet keys = s.getGeneratedKeys()) {
                assertTrue(keys.next());
                // sqlite-jdbc reads the keys through a statement of its own, on the same connection.
                assertSame(c, keys.getStatement().getConnection());
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (v) VALUES (?)", Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, "p");
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                assertTrue(keys.next());
                assertSame(c, keys.getStatement().getConnection());
            }
        }
        assertTrue(Db.logCount(c, "t") >= 3, "inserts through either statement are captured");
    }

    @Test
    void metaDataReturnsTheWrapperConnection() throws Exception {
        DatabaseMetaData md = c.getMetaData();
        assertSame(c, md.getConnection());
        assertSame(md, md.unwrap(DatabaseMetaData.class));
        try (ResultSet rs = md.getTables(null, null, "%", null)) {
            assertSame(c, rs.getStatement().getConnection());
        }
        try (ResultSet rs = md.getColumns(null, null, "t", "%")) {
            assertSame(c, rs.getStatement().getConnection());
        }
    }

    @Test
    void statementsAreSqliteJdbcs() throws Exception {
        try (Statement s = c.createStatement(); PreparedStatement ps = c.prepareStatement("SELECT 1")) {
            assertInstanceOf(org.sqlite.jdbc4.JDBC4Statement.class, s);
            assertInstanceOf(org.sqlite.jdbc4.JDBC4PreparedStatement.class, ps);
            assertTrue(s.isWrapperFor(org.sqlite.jdbc3.JDBC3Statement.class));
            assertInstanceOf(org.sqlite.jdbc3.JDBC3Statement.class, s.unwrap(org.sqlite.jdbc3.JDBC3Statement.class));
            assertTrue(ps.isWrapperFor(org.sqlite.jdbc3.JDBC3PreparedStatement.class));
        }
    }
}
