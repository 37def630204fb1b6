package io.marmot.jdbc;

import io.marmot.capture.CaptureInstaller;
import io.marmot.capture.CaptureOptions;
import io.marmot.capture.SchemaCapture;
import io.marmot.engine.Engines;
import io.marmot.engine.MarmotEngine;
import io.marmot.schema.Ddl;
import io.marmot.schema.SchemaReader;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import org.sqlite.jdbc4.JDBC4Statement;

/**
 * A schema change through the driver: capture follows it inside the same transaction (triggers suspended for an
 * ALTER, re-installed after), so the change and its triggers commit or roll back together.
 */
final class DdlExecution {
    private DdlExecution() {
    }

    static <T> T run(MarmotConnection c, Ddl ddl, SqlCall<T> call) throws SQLException {
        boolean auto = c.getAutoCommit();
        if (auto) {
            // A backlog of local changes is folded first, in short transactions of its own: folded inside the schema
            // change's transaction it held the write lock about a second per 100,000 rows, and other writers waited.
            c.engineWork(() -> {
                SchemaCapture.foldBacklog(c, c.engine().nodeId(), Engines.versionWriters(c.engine()));
                return null;
            });
            // Write lock first: a deferred transaction that read the schema could not upgrade once the
            // engine's own connections (applier, publisher) have written meanwhile.
            execute(c, "BEGIN IMMEDIATE");
        }
        int versionBefore = SchemaReader.schemaVersion(c);
        try {
            if (ddl.kind() == Ddl.Kind.ALTER_TABLE) {
                // The triggers name the table's columns; SQLite refuses to drop or rename what they use.
                // A null table (not read from the statement) suspends the triggers of every table.
                c.engineWork(() -> {
                    CaptureInstaller.suspendTriggers(c, ddl.table());
                    return null;
                });
            }
            Set<String> before = ddl.kind() == Ddl.Kind.CREATE_TABLE ? RowidDefault.tables(c) : null;
            T result = call.run();
            if (before != null) {
                c.engineWork(() -> {
                    RowidDefault.refuse(c, before);
                    return null;
                });
            }
            if (SchemaReader.schemaVersion(c) != versionBefore) { // else nothing changed (IF NOT EXISTS, IF EXISTS)
                reconcile(c);
            }
            if (auto) {
                int versionAfter = SchemaReader.schemaVersion(c);
                execute(c, "COMMIT");
                Engines.versionWriters(c.engine()).schemaFollowed(versionBefore, versionAfter);
            }
            return result;
        } catch (SQLException | RuntimeException e) {
            if (auto) {
                try {
                    execute(c, "ROLLBACK");
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
            } else {
                // The transaction goes on without the failed statement: capture must be whole again.
                try {
                    reconcile(c);
                } catch (SQLException again) {
                    e.addSuppressed(again);
                }
            }
            throw e;
        } finally {
            if (auto) {
                c.beginGroup();
            }
        }
    }

    /** Capture made whole again for the schema as it now is, as the engine's work (not the application's SQL). */
    private static void reconcile(MarmotConnection c) throws SQLException {
        c.engineWork(() -> {
            MarmotEngine engine = c.engine();
            SchemaCapture.follow(c, engine.nodeId(), CaptureOptions.of(engine.config()), Engines.versionWriters(engine));
            return null;
        });
    }

    /** Transaction control straight through sqlite-jdbc's own statement, past the driver's. */
    private static void execute(MarmotConnection c, String sql) throws SQLException {
        try (Statement s = new JDBC4Statement(c)) {
            s.execute(sql);
        }
    }
}
