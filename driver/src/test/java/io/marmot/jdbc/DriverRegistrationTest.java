package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.testing.Db;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.util.List;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver is found by DriverManager on its own, claims only its URLs, and puts the database in WAL mode. */
class DriverRegistrationTest {
    @TempDir
    Path dir;
    Path db;

    @BeforeEach
    void setUp() {
        db = dir.resolve("registration.db");
    }

    @AfterEach
    void tearDown() throws Exception {
        Marmot.close(db);
    }

    @Test
    void serviceFileNamesTheDriver() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/services/java.sql.Driver")) {
            assertTrue(in != null, "META-INF/services/java.sql.Driver is missing");
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(text.lines().map(String::trim).anyMatch(MarmotDriver.class.getName()::equals), text);
        }
        assertTrue(ServiceLoader.load(Driver.class).stream().anyMatch(p -> p.type() == MarmotDriver.class));
    }

    @Test
    void driverManagerFindsTheDriverThroughTheServiceFileAlone() throws Exception {
        // A fresh JVM in which no code names the driver class before DriverManager.getConnection.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", ServiceLoadedMain.class.getName(), db.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("driver=" + MarmotDriver.class.getName()), out);
        assertTrue(out.contains("captured=via service file"), out);
    }

    @Test
    void driverManagerHandsOutMarmotConnections() throws Exception {
        assertInstanceOf(MarmotDriver.class, DriverManager.getDriver(Db.url(db, "node-id=1")));
        try (Connection c = DriverManager.getConnection(Db.url(db, "node-id=1"))) {
            assertInstanceOf(MarmotConnection.class, c);
        }
    }

    @Test
    void exactlyOneInstanceIsRegistered() throws Exception {
        new MarmotDriver(); // whatever the test order, the class is initialised now
        assertEquals(1, DriverManager.drivers().filter(d -> d instanceof MarmotDriver).count());
    }

    @Test
    void plainSqliteUrlsAreLeftToSqliteJdbc() throws Exception {
        MarmotDriver driver = new MarmotDriver();
        String plainUrl = "jdbc:sqlite:" + db;
        assertFalse(driver.acceptsURL(plainUrl));
        assertNull(driver.connect(plainUrl, new Properties()));
        assertNull(driver.connect("jdbc:postgresql://localhost/x", new Properties()));
        assertTrue(driver.acceptsURL("jdbc:marmot:sqlite:" + db));
        try (Connection c = DriverManager.getConnection(plainUrl)) {
            assertFalse(c.isWrapperFor(MarmotConnection.class));
            Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1)");
            assertEquals(List.of(), Db.internalObjects(c), "a jdbc:sqlite: connection installs nothing");
        }
    }

    @Test
    void theDatabaseIsInWalMode() throws Exception {
        try (Connection c = Db.open(db)) {
            assertEquals("wal", Db.scalar(c, "PRAGMA journal_mode"));
        }
        try (Connection plain = Db.plain(db)) {
            assertEquals("wal", Db.scalar(plain, "PRAGMA journal_mode"), "WAL is kept in the file");
        }
    }

    @Test
    void anExistingRollbackJournalDatabaseIsSwitchedToWalAndCaptured() throws Exception {
        try (Connection plain = Db.plain(db)) {
            Db.exec(plain, "PRAGMA journal_mode = DELETE", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
                    "INSERT INTO t VALUES (1, 'existing')");
            assertEquals("delete", Db.scalar(plain, "PRAGMA journal_mode"));
        }
        try (Connection c = Db.open(db)) {
            assertEquals("wal", Db.scalar(c, "PRAGMA journal_mode"));
            Db.exec(c, "INSERT INTO t VALUES (2, 'new')");
            assertEquals(List.of(List.of(1, 2, "new")),
                    Db.list(c, "SELECT op & 15, c0, c1 FROM __marmot_log WHERE tbl = 't' AND c0 = 2"));
            assertEquals(List.of(List.of("existing")), Db.list(c, "SELECT v FROM t WHERE id = 1"));
        }
    }
}
