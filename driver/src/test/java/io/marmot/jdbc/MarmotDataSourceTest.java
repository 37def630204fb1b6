package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.marmot.Marmot;
import io.marmot.config.ConfigKey;
import io.marmot.sqlite.WriteLockWaiter;
import io.marmot.testing.Db;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteDataSource;

/** The driver's DataSource, on its own and in HikariCP through {@code dataSourceClassName}. */
class MarmotDataSourceTest {
    @TempDir
    Path dir;

    @AfterEach
    void close() {
        Marmot.closeAll();
    }

    @Test
    void hasABeanSetterForEveryMarmotParameter() {
        for (ConfigKey k : ConfigKey.values()) {
            StringBuilder name = new StringBuilder("set");
            for (String part : k.key().split("-")) {
                name.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
            }
            assertTrue(Arrays.stream(MarmotDataSource.class.getMethods()).map(Method::getName)
                    .anyMatch(name.toString()::equals), "MarmotDataSource." + name + " for " + k.key());
        }
    }

    @Test
    void opensCapturingConnectionsWithSqliteJdbcsSettingsToo() throws Exception {
        Path db = dir.resolve("ds.db");
        MarmotDataSource ds = new MarmotDataSource();
        ds.setUrl(MarmotDriver.PREFIX + db);
        ds.setNodeId(3);
        ds.setPublish(false);
        ds.setReplicate(false);
        ds.setEnforceForeignKeys(true);
        assertInstanceOf(SQLiteDataSource.class, ds);
        try (Connection c = ds.getConnection()) {
            assertInstanceOf(MarmotConnection.class, c);
            assertEquals(3, ((MarmotConnection) c).engine().nodeId());
            assertEquals(1L, Db.longValue(c, "PRAGMA foreign_keys"));
            assertEquals(WriteLockWaiter.DEFAULT_TIMEOUT_MS, ((SQLiteConnection) c).getBusyTimeout(),
                    "no busy timeout chosen: the driver's waiter");
            Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1)");
            assertEquals(1, Db.logCount(c, "t"));
        }
        ds.setBusyTimeout(4000);
        try (Connection c = ds.getConnection()) {
            assertEquals(4000L, Db.longValue(c, "PRAGMA busy_timeout"));
        }
    }

    @Test
    void badValuesAreReportedWhenConnecting() {
        MarmotDataSource ds = new MarmotDataSource();
        ds.setUrl(MarmotDriver.PREFIX + dir.resolve("bad.db"));
        ds.setShards(0);
        SQLException e = assertThrows(SQLException.class, ds::getConnection);
        assertTrue(e.getMessage().contains("shards"), e.getMessage());

        MarmotDataSource plain = new MarmotDataSource();
        plain.setUrl("jdbc:sqlite:" + dir.resolve("x.db"));
        assertThrows(SQLException.class, plain::getConnection);
    }

    @Test
    void hikariWithDataSourceClassName() throws Exception {
        Path db = dir.resolve("pool.db");
        HikariConfig config = new HikariConfig();
        config.setDataSourceClassName(MarmotDataSource.class.getName());
        config.addDataSourceProperty("url", MarmotDriver.PREFIX + db);
        config.addDataSourceProperty("nodeId", "5");
        config.addDataSourceProperty("publish", "false");
        config.addDataSourceProperty("replicate", "false");
        config.addDataSourceProperty("journalSizeLimit", "1000000");
        config.setMaximumPoolSize(2);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try (Connection c = pool.getConnection()) {
                assertTrue(c.isWrapperFor(MarmotConnection.class));
                assertEquals(5, c.unwrap(MarmotConnection.class).engine().nodeId());
                c.setAutoCommit(false);
                Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'pooled')");
                c.commit();
            }
            try (Connection c = pool.getConnection()) {
                assertEquals(1, Db.logCount(c, "t"));
                assertEquals(1_000_000L, Db.longValue(c, "PRAGMA journal_size_limit"));
                SQLiteConnection sqlite = c.unwrap(SQLiteConnection.class);
                assertEquals("pooled", Db.scalar(sqlite, "SELECT v FROM t"));
            }
        }
    }
}
