package io.marmot.jdbc;

import io.marmot.capture.CaptureInstaller;
import io.marmot.schema.Ddl;
import java.sql.SQLException;

/**
 * A schema change through the driver: capture follows it inside the same transaction (triggers suspended for an
 * ALTER, re-installed after), so the change and its triggers commit or roll back together.
 */
final class DdlExecution {
    private DdlExecution() {
    }

    static <T> T run(MarmotConnection c, Ddl ddl, MarmotConnection.SqlCall<T> call) throws SQLException {
        boolean auto = c.getAutoCommit();
        if (auto) {
            // Write lock first: a deferred transaction that read the schema could not upgrade once the
            // engine's own connections (applier, publisher) have written meanwhile.
            c.rawExecute("BEGIN IMMEDIATE");
        }
        try {
            if (ddl.kind() == Ddl.Kind.ALTER_TABLE) {
                // The triggers name the table's columns; SQLite refuses to drop or rename what they use.
                // A null table (not read from the statement) suspends the triggers of every table.
                c.engineWork(() -> {
                    CaptureInstaller.suspendTriggers(c, ddl.table());
                    return null;
                });
            }
            T result = call.run();
            c.reconcile();
            if (auto) {
                c.rawExecute("COMMIT");
            }
            return result;
        } catch (SQLException | RuntimeException e) {
            if (auto) {
                try {
                    c.rawExecute("ROLLBACK");
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
            } else {
                // The transaction goes on without the failed statement: capture must be whole again.
                try {
                    c.reconcile();
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
}
