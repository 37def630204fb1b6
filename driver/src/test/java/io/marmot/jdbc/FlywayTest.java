package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flyway 11 on a marmot database, out of the box: the engine's tables do not make the schema look used. */
class FlywayTest {
    @TempDir
    Path dir;

    @AfterEach
    void close() {
        Marmot.closeAll();
    }

    @Test
    void migratesAFreshDatabaseWithoutBaselineSettings() throws Exception {
        Path db = dir.resolve("fly.db");
        try (Connection c = Db.open(db)) {
            // the engine is running and its tables exist before Flyway looks
            assertTrue(Db.count(c, "SELECT count(*) FROM sqlite_master WHERE name LIKE '\\_\\_marmot\\_%' ESCAPE '\\'") > 0);
        }
        // Flyway picks its database support by the URL prefix, or by the product name of a DataSource's connections.
        MarmotDataSource ds = new MarmotDataSource();
        ds.setUrl(Db.url(db, "node-id=1"));
        Flyway flyway = Flyway.configure().dataSource(ds)
                .locations("classpath:db/flyway-single").load();
        MigrateResult first = flyway.migrate();
        assertEquals(2, first.migrationsExecuted);
        assertEquals(0, flyway.migrate().migrationsExecuted, "a second run has nothing to do");
        try (Connection c = Db.open(db)) {
            assertEquals(List.of(List.of(1, "apple", 110, 0), List.of(2, "pear", 210, 0)),
                    Db.list(c, "SELECT id, name, price, stock FROM item ORDER BY id"));
            assertEquals(2, Db.count(c, "SELECT count(*) FROM flyway_schema_history WHERE success = 1"));
        }
    }
}
