package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.engine.ClusterLock;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flyway given only a {@code jdbc:marmot:sqlite:} URL (no driver class, no DataSource), as its Maven plugin and CLI
 * are: the driver's Flyway database support names the driver and runs each command inside cluster lock
 * {@code migrations}, joining it when the caller holds it already.
 */
class FlywayByUrlTest {
    private static final String HISTORY = "SELECT version, description, script, checksum, success FROM flyway_schema_history"
            + " ORDER BY installed_rank";
    private static final String ITEMS = "SELECT id, name, price, stock FROM item ORDER BY id";

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        Marmot.closeAll();
    }

    private static Flyway flyway(String url, int lockRetryCount) {
        return Flyway.configure().dataSource(url, null, null).lockRetryCount(lockRetryCount)
                .locations("classpath:db/flyway-single").load();
    }

    @Test
    void migratesByUrlWithNoDriverClass() throws Exception {
        Path db = dir.resolve("url.db");
        Flyway flyway = flyway(Db.url(db, "node-id=1"), 50);
        assertEquals(2, flyway.migrate().migrationsExecuted);
        assertEquals(0, flyway.migrate().migrationsExecuted, "a second run has nothing to do");
        try (Connection c = Db.open(db)) {
            assertEquals(List.of(List.of(1, "apple", 110, 0), List.of(2, "pear", 210, 0)), Db.list(c, ITEMS));
            assertEquals(2L, Db.count(c, "SELECT count(*) FROM flyway_schema_history WHERE success = 1"));
        }
    }

    @Test
    void plainSqliteUrlsStayWithFlywaysOwnSupport() throws Exception {
        Path db = dir.resolve("plain.db");
        assertEquals(2, flyway("jdbc:sqlite:" + db, 50).migrate().migrationsExecuted);
        try (Connection c = Db.plain(db)) {
            assertEquals(0L, Db.count(c, "SELECT count(*) FROM sqlite_master WHERE name LIKE '\\_\\_marmot\\_%' ESCAPE '\\'"),
                    "no engine ran: the marmot driver was not involved");
            assertEquals(2L, Db.count(c, "SELECT count(*) FROM flyway_schema_history WHERE success = 1"));
        }
    }

    @Test
    void runsInsideTheClusterLockAndJoinsTheCallersOwn() throws Exception {
        Path db1 = dir.resolve("node1.db");
        Path db2 = dir.resolve("node2.db");
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            String params1 = "node-id=1&poll-interval=50&nats-url=" + nats.url();
            String params2 = "node-id=2&poll-interval=50&nats-url=" + nats.url();
            String url1 = Db.nodeUrl(db1, params1);
            try (Connection c1 = Db.node(db1, params1); Connection c2 = Db.node(db2, params2)) {
                // node 2 holds the lock: Flyway on node 1 waits for it, and says why it gave up
                try (ClusterLock held = Marmot.clusterLock(db2, "migrations", Duration.ofSeconds(30))) {
                    FlywayException e = assertThrows(FlywayException.class, () -> flyway(url1, 2).migrate());
                    assertTrue(e.getMessage().contains("cluster lock 'migrations'"), e.getMessage());
                    assertEquals(0L, Db.count(c1, "SELECT count(*) FROM sqlite_master WHERE name = 'item'"));
                }
                // the README's recipe: the application holds the lock; Flyway on the same thread joins it
                try (ClusterLock held = Marmot.clusterLock(db1, "migrations", Duration.ofSeconds(30))) {
                    assertEquals(2, flyway(url1, 2).migrate().migrationsExecuted);
                }
                // node 2 catches up inside the lock before Flyway reads its history: nothing left to run
                assertEquals(0, flyway(Db.nodeUrl(db2, params2), 30).migrate().migrationsExecuted);
                assertEquals(Db.list(c1, ITEMS), Db.list(c2, ITEMS));
                assertEquals(List.of(List.of(1, "apple", 110, 0), List.of(2, "pear", 210, 0)), Db.list(c2, ITEMS));
                assertEquals(Db.list(c1, HISTORY), Db.list(c2, HISTORY));
                assertEquals(2, Db.list(c2, HISTORY).size());
            }
        }
    }
}
