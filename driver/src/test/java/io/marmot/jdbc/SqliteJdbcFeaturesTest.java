package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.fixture.OneDatabase;
import io.marmot.fixture.TwoNodes;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.BusyHandler;
import org.sqlite.Collation;
import org.sqlite.Function;
import org.sqlite.ProgressHandler;
import org.sqlite.SQLiteCommitListener;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteUpdateListener;

/**
 * sqlite-jdbc's own features, used through {@code jdbc:marmot:sqlite:} exactly as with {@code jdbc:sqlite:}:
 * the connection is sqlite-jdbc's, so casts, user functions, collations, handlers, listeners, backup and
 * serialize work unchanged while capture (and replication) go on.
 */
class SqliteJdbcFeaturesTest {
    @TempDir
    Path dir;

    /** Capture on, no NATS: what every feature does on one node. */
    @Nested
    class CaptureOnly {
        Path db;
        Connection c;
        @RegisterExtension
        final OneDatabase database = OneDatabase.named("features.db")
                .schema("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)").into((path, connection) -> {
                    db = path;
                    c = connection;
                });

        /**
         * One statement running a script, as Spring's ScriptUtils does: a pragma whose row is left unread, then DDL.
         * sqlite-jdbc closes the statement's last result before running the next; the driver's schema change began
         * its own transaction first, and committing it failed with "SQL statements in progress".
         */
        @Test
        void oneStatementRunsAPragmaThenSchemaChanges() throws Exception {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("CREATE TABLE script (id INTEGER PRIMARY KEY, v TEXT)");
                s.execute("PRAGMA journal_mode");
                s.executeUpdate("ALTER TABLE script ADD COLUMN w TEXT");
                s.execute("INSERT INTO script (v, w) VALUES ('a', 'b')");
            }
            assertEquals(1L, Db.longValue(c, "SELECT count(*) FROM script WHERE w = 'b'"));
            assertEquals(1L, Db.logCount(c, "script"), "the insert was captured");
        }

        @Test
        void castsToSqliteJdbcsConnection() throws Exception {
            SQLiteConnection sqlite = (SQLiteConnection) c;
            assertTrue(sqlite.libversion().startsWith("3."));
            assertEquals(c.getAutoCommit(), sqlite.getConnectionConfig().isAutoCommit());
            assertSame(c, c.createStatement().getConnection());
        }

        @Test
        void userFunctionRegexp() throws Exception {
            Function.create(c, "REGEXP", regexp());
            Db.exec(c, "INSERT INTO t (v) VALUES ('abc'), ('xyz'), ('a-c')");
            assertEquals(2, Db.count(c, "SELECT count(*) FROM t WHERE v REGEXP '^a.c$'"));
            // A write that uses it is captured like any other.
            Db.exec(c, "UPDATE t SET v = upper(v) WHERE v REGEXP '^x'");
            assertEquals(1, Db.count(c, "SELECT count(*) FROM t WHERE v = 'XYZ'"));
            assertEquals(4, Db.logCount(c, "t"));
        }

        @Test
        void collation() throws Exception {
            Collation.create(c, "REVERSED", new Collation() {
                @Override
                protected int xCompare(String a, String b) {
                    return b.compareTo(a);
                }
            });
            Db.exec(c, "INSERT INTO t (v) VALUES ('a'), ('c'), ('b')");
            assertEquals(List.of(List.of("c"), List.of("b"), List.of("a")),
                    Db.list(c, "SELECT v FROM t ORDER BY v COLLATE REVERSED"));
        }

        @Test
        void busyHandlerIsCalledWhileAnotherWriterHoldsTheLock() throws Exception {
            try (Connection other = Db.plain(db)) {
                Db.exec(other, "BEGIN IMMEDIATE", "INSERT INTO t (v) VALUES ('other')");
                AtomicInteger calls = new AtomicInteger();
                BusyHandler.setHandler(c, new BusyHandler() {
                    @Override
                    protected int callback(int attempts) {
                        if (calls.incrementAndGet() == 1) {
                            try {
                                Db.exec(other, "COMMIT");
                            } catch (SQLException e) {
                                throw new IllegalStateException(e);
                            }
                        }
                        return 1;
                    }
                });
                Db.exec(c, "INSERT INTO t (v) VALUES ('mine')");
                assertTrue(calls.get() >= 1, "the application's handler ran");
            }
            assertEquals(2, Db.count(c, "SELECT count(*) FROM t"));
        }

        @Test
        void progressHandler() throws Exception {
            AtomicInteger steps = new AtomicInteger();
            ProgressHandler.setHandler(c, 1, new ProgressHandler() {
                @Override
                protected int progress() {
                    steps.incrementAndGet();
                    return 0;
                }
            });
            Db.exec(c, "INSERT INTO t (v) VALUES ('p')");
            assertTrue(steps.get() > 0);
            ProgressHandler.clearHandler(c);
        }

        @Test
        void updateListenerHearsOnlyTheApplicationsTables() throws Exception {
            List<String> heard = Collections.synchronizedList(new ArrayList<>());
            SQLiteUpdateListener listener = (type, database, table, rowId) -> heard.add(type + " " + table);
            ((SQLiteConnection) c).addUpdateListener(listener);
            Db.exec(c, "INSERT INTO t (v) VALUES ('a')", "UPDATE t SET v = 'b'", "DELETE FROM t");
            c.setAutoCommit(false);
            Db.exec(c, "INSERT INTO t (v) VALUES ('in a transaction')");
            c.commit();
            c.setAutoCommit(true);
            Db.exec(c, "CREATE TABLE u (id INTEGER PRIMARY KEY)", "INSERT INTO u VALUES (1)");
            assertEquals(List.of("INSERT t", "UPDATE t", "DELETE t", "INSERT t", "INSERT u"), heard);
            assertTrue(Db.logCount(c, "t") >= 4, "capture wrote its rows all the same");

            ((SQLiteConnection) c).removeUpdateListener(listener);
            Db.exec(c, "INSERT INTO t (v) VALUES ('unheard')");
            assertEquals(5, heard.size());
        }

        @Test
        void commitListener() throws Exception {
            List<String> heard = Collections.synchronizedList(new ArrayList<>());
            ((SQLiteConnection) c).addCommitListener(new SQLiteCommitListener() {
                @Override
                public void onCommit() {
                    heard.add("commit");
                }

                @Override
                public void onRollback() {
                    heard.add("rollback");
                }
            });
            c.setAutoCommit(false);
            Db.exec(c, "INSERT INTO t (v) VALUES ('kept')");
            c.commit();
            Db.exec(c, "INSERT INTO t (v) VALUES ('dropped')");
            c.rollback();
            assertEquals(List.of("commit", "rollback"), heard);
        }

        @Test
        void backupAndRestore() throws Exception {
            Db.exec(c, "INSERT INTO t (v) VALUES ('saved')");
            Path copy = dir.resolve("copy.db");
            Path viaSql = dir.resolve("via-sql.db");
            ((SQLiteConnection) c).getDatabase().backup("main", copy.toString(), null);
            try (Statement s = c.createStatement()) {
                s.executeUpdate("backup to " + viaSql);
            }
            for (Path backup : List.of(copy, viaSql)) {
                try (Connection plain = Db.plain(backup)) {
                    assertEquals(List.of(List.of("saved")), Db.list(plain, "SELECT v FROM t"));
                }
            }
            Db.exec(c, "DELETE FROM t");
            ((SQLiteConnection) c).getDatabase().restore("main", copy.toString(), null);
            assertEquals(List.of(List.of("saved")), Db.list(c, "SELECT v FROM t"));
            Db.exec(c, "DELETE FROM t");
            try (Statement s = c.createStatement()) {
                s.executeUpdate("restore from " + viaSql);
            }
            assertEquals(List.of(List.of("saved")), Db.list(c, "SELECT v FROM t"));
        }

        @Test
        void serialize() throws Exception {
            Db.exec(c, "INSERT INTO t (v) VALUES ('serialized')");
            byte[] image = ((SQLiteConnection) c).serialize("main");
            assertEquals(2, image[18], "the image is of a WAL database, as with plain sqlite-jdbc on a WAL file");
            // An in-memory database cannot be in WAL mode: its header says rollback journal (as for any WAL image).
            image[18] = 1;
            image[19] = 1;
            try (Connection memory = DriverManager.getConnection("jdbc:sqlite::memory:")) {
                ((SQLiteConnection) memory).deserialize("main", image);
                assertEquals(List.of(List.of("serialized")), Db.list(memory, "SELECT v FROM t"));
            }
        }

        @Test
        void preparedStatementsAreSqliteJdbcs() throws Exception {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (v) VALUES (?)")) {
                assertInstanceOf(org.sqlite.jdbc3.JDBC3PreparedStatement.class, ps);
                ps.setString(1, "x");
                ps.addBatch();
                ps.setString(1, "y");
                ps.addBatch();
                assertArrayEquals(new int[] {1, 1}, ps.executeBatch());
            }
            assertEquals(2, Db.logCount(c, "t"));
        }
    }

    /** Replication on, against a real nats-server: the features do not disturb it, nor it them. */
    @Nested
    class ReplicationOn {
        @RegisterExtension
        final TwoNodes nodes = TwoNodes.perTest();

        @Test
        void featuresOnOneNodeAndItsChangesOnTheOther() throws Exception {
            try (Connection one = nodes.connect(1); Connection two = nodes.connect(2)) {
                List<String> heardOnTwo = Collections.synchronizedList(new ArrayList<>());
                ((SQLiteConnection) two).addUpdateListener((type, database, table, rowId) -> heardOnTwo.add(table));
                List<String> heardOnOne = Collections.synchronizedList(new ArrayList<>());
                ((SQLiteConnection) one).addUpdateListener((type, database, table, rowId) -> heardOnOne.add(table));
                Function.create(one, "REGEXP", regexp());

                Db.exec(one, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
                Db.exec(two, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
                one.setAutoCommit(false);
                Db.exec(one, "INSERT INTO t (id, v) VALUES (1, 'abc'), (2, 'xyz')",
                        "UPDATE t SET v = v || '!' WHERE v REGEXP '^a'");
                one.commit();
                one.setAutoCommit(true);

                Await.until(Duration.ofSeconds(20), "node 2 has node 1's transaction",
                        () -> Db.list(two, "SELECT id, v FROM t ORDER BY id")
                                .equals(List.of(List.of(1, "abc!"), List.of(2, "xyz"))));
                assertEquals(List.of("t", "t", "t"), heardOnOne);
                assertEquals(List.of(), heardOnTwo, "the engine applies on its own connection, unheard by the application's");
                Path backup = dir.resolve("node2-backup.db");
                ((SQLiteConnection) two).getDatabase().backup("main", backup.toString(), null);
                try (Connection plain = Db.plain(backup)) {
                    assertEquals(2, Db.count(plain, "SELECT count(*) FROM t"));
                }
                assertTrue(Files.size(backup) > 0);
            }
        }
    }

    private static Function regexp() {
        return new Function() {
            @Override
            protected void xFunc() throws SQLException {
                String pattern = value_text(0);
                String value = value_text(1);
                result(value != null && Pattern.compile(pattern).matcher(value).find() ? 1 : 0);
            }
        };
    }
}
