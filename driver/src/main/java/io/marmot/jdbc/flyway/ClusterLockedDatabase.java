package io.marmot.jdbc.flyway;

import io.marmot.engine.ClusterLock;
import io.marmot.engine.MarmotEngine;
import io.marmot.jdbc.MarmotConnection;
import java.sql.SQLException;
import java.time.Duration;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.Configuration;
import org.flywaydb.core.internal.database.sqlite.SQLiteDatabase;
import org.flywaydb.core.internal.jdbc.JdbcConnectionFactory;
import org.flywaydb.core.internal.jdbc.StatementInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite as Flyway knows it, held for the whole of one Flyway command (Flyway opens a database per command and closes
 * it at the end) inside the cluster lock {@value #LOCK}, the one README's recipe takes: the command first waits until
 * no other node migrates and this node applied what earlier migrations sent, so it reads the history the cluster
 * has; at the end what it changed is published before the next node may start. Run inside the application's own
 * lock of that name (the recipe), it joins it. Flyway's {@code lockRetryCount} (default 50) is the timeout, in seconds,
 * for each of these waits, as it bounds Flyway's own lock waits elsewhere; {@code -1}: a day.
 */
final class ClusterLockedDatabase extends SQLiteDatabase {
    static final String LOCK = "migrations";
    private static final Logger log = LoggerFactory.getLogger(ClusterLockedDatabase.class);

    private ClusterLock lock;

    ClusterLockedDatabase(Configuration configuration, JdbcConnectionFactory connectionFactory,
            StatementInterceptor statementInterceptor) {
        super(configuration, connectionFactory, statementInterceptor);
        try {
            MarmotEngine engine = rawMainJdbcConnection.unwrap(MarmotConnection.class).engine();
            if (engine != null) { // null: a read-only open with no engine in this JVM, which changes nothing
                lock = engine.clusterLock(LOCK, timeout(configuration));
            }
        } catch (SQLException | RuntimeException e) {
            super.close();
            throw new FlywayException("Flyway on a marmot database runs inside cluster lock '" + LOCK
                    + "', which could not be taken (raise flyway.lockRetryCount, in seconds, to wait longer): "
                    + e.getMessage(), e);
        }
    }

    static Duration timeout(Configuration configuration) {
        int retries = configuration.getLockRetryCount();
        return retries < 0 ? Duration.ofDays(1) : Duration.ofSeconds(Math.max(1, retries));
    }

    /** Publishes what the command changed, releases the lock, then closes Flyway's connections. */
    @Override
    public void close() {
        try {
            if (lock != null) {
                lock.close();
            }
        } catch (SQLException e) {
            // Flyway ignores exceptions from close: said here, or nobody would know the peers may not have it yet.
            log.error("Flyway's changes were not all published within {} s before cluster lock '{}' was released: {}",
                    timeout(configuration).toSeconds(), LOCK, e.toString());
        } finally {
            lock = null;
            super.close();
        }
    }
}
