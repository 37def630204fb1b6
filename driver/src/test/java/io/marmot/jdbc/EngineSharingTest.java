package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import io.marmot.testing.Db;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One engine per database file per JVM: shared by every connection that agrees on its parameters. */
class EngineSharingTest {
    @TempDir
    Path dir;
    Path db;

    @BeforeEach
    void setUp() {
        db = dir.resolve("shared.db");
    }

    @AfterEach
    void tearDown() throws SQLException {
        Marmot.close(db);
    }

    private static MarmotEngine engineOf(Connection c) throws SQLException {
        return c.unwrap(MarmotConnection.class).engine();
    }

    @Test
    void sameParametersShareTheEngine() throws Exception {
        try (Connection a = Db.open(db, "node-id=1"); Connection b = Db.open(db, "node-id=1")) {
            assertSame(engineOf(a), engineOf(b));
            assertNotSame(a, b);
            Db.exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
            Db.exec(b, "INSERT INTO t VALUES (1)");
            assertEquals(1, Db.logCount(a, "t"));
        }
    }

    @Test
    void differentSpellingsOfThePathShareTheEngine() throws Exception {
        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, dir);
        try (Connection a = Db.open(db, "node-id=1");
                Connection b = DriverManager.getConnection("jdbc:marmot:sqlite:file:" + db + "?node-id=1&" + Db.CAPTURE_ONLY);
                Connection c = Db.open(dir.resolve("sub/../shared.db"), "node-id=1");
                Connection d = Db.open(link.resolve("shared.db"), "node-id=1")) {
            assertSame(engineOf(a), engineOf(b));
            assertSame(engineOf(a), engineOf(c));
            assertSame(engineOf(a), engineOf(d));
        }
    }

    @Test
    void aConnectionWithoutNodeIdJoinsTheRunningEngine() throws Exception {
        try (Connection a = Db.open(db, "node-id=7"); Connection b = Db.open(db, "")) {
            assertSame(engineOf(a), engineOf(b));
            assertEquals(7, engineOf(b).nodeId());
        }
    }

    @Test
    void aDifferentNodeIdFailsClearly() throws Exception {
        try (Connection a = Db.open(db, "node-id=1")) {
            SQLException e = assertThrows(SQLException.class, () -> Db.open(db, "node-id=2"));
            String m = e.getMessage();
            assertTrue(m.contains(db.toRealPath().toString()), m);
            assertTrue(m.contains("nodeId: 1 → 2"), m);
            assertFalse(m.contains("publish"), "only what differs is named: " + m);
            assertTrue(m.contains("same marmot parameters"), m);
            assertTrue(m.contains("Marmot.close"), m);
            assertFalse(engineOf(a).isClosed(), "the running engine is not disturbed");
            Db.exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1)");
            assertEquals(1, Db.logCount(a, "t"));
        }
    }

    @Test
    void otherDifferentParametersFailToo() throws Exception {
        try (Connection a = Db.open(db, "node-id=1&poll-interval=100")) {
            SQLException e = assertThrows(SQLException.class, () -> Db.open(db, "node-id=1&poll-interval=200"));
            assertTrue(e.getMessage().contains("already runs"), e.getMessage());
            try (Connection b = Db.open(db, "node-id=1&poll-interval=100&busy_timeout=1234")) {
                assertSame(engineOf(a), engineOf(b), "sqlite-jdbc's parameters may differ per connection");
            }
        }
    }

    @Test
    void theMismatchMessageMasksNatsPasswords() throws Exception {
        try (Connection a = Db.open(db, "node-id=1&nats-url=nats://alice:s3cretpw@127.0.0.1:1")) {
            SQLException e = assertThrows(SQLException.class,
                    () -> Db.open(db, "node-id=1&nats-url=nats://alice:s3cretpw@127.0.0.1:2"));
            assertFalse(e.getMessage().contains("s3cretpw"), e.getMessage());
            assertTrue(e.getMessage().contains("127.0.0.1:1 → ") && e.getMessage().contains("127.0.0.1:2"),
                    e.getMessage());
            assertFalse(engineOf(a).isClosed());
        }
    }

    @Test
    void theEngineOutlivesItsConnections() throws Exception {
        MarmotEngine engine;
        try (Connection a = Db.open(db, "node-id=1")) {
            engine = engineOf(a);
        }
        assertSame(engine, Marmot.engine(db).orElseThrow());
        assertFalse(engine.isClosed());
        try (Connection b = Db.open(db, "node-id=1")) {
            assertSame(engine, engineOf(b));
        }
    }

    @Test
    void afterCloseAnotherNodeIdMayStart() throws Exception {
        try (Connection a = Db.open(db, "node-id=1")) {
            Db.exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
            MarmotEngine first = engineOf(a);
            Marmot.close(db);
            assertTrue(first.isClosed());
            Db.exec(a, "INSERT INTO t VALUES (1)");
            assertEquals(1, Db.logCount(a, "t"), "connections stay usable and capture goes on after close");
            try (Connection b = Db.open(db, "node-id=2")) {
                assertNotSame(first, engineOf(b));
                assertEquals(2, Db.longValue(b, "SELECT node_id FROM __marmot_state"));
            }
        }
    }

    @Test
    void differentFilesHaveTheirOwnEngines() throws Exception {
        Path other = dir.resolve("other.db");
        try (Connection a = Db.open(db, "node-id=1"); Connection b = Db.open(other, "node-id=2")) {
            assertNotSame(engineOf(a), engineOf(b));
            assertEquals(1, engineOf(a).nodeId());
            assertEquals(2, engineOf(b).nodeId());
        } finally {
            Marmot.close(other);
        }
    }
}
