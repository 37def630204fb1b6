package io.marmot.spring;

import io.marmot.engine.ClusterLock;
import io.marmot.engine.MarmotEngine;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationStrategy;

/**
 * Boot's Flyway start-up on a marmot DataSource runs once for the cluster: inside the cluster lock {@code flyway},
 * taken after this node caught up, so the nodes migrate one after the other and each finds what the previous one
 * did ({@code flyway_schema_history} the same everywhere, a data migration applied once). Other DataSources migrate
 * as usual.
 */
public final class MarmotFlywayMigrationStrategy implements FlywayMigrationStrategy {
    /** The cluster lock's name, the same on every node. */
    public static final String LOCK = "migrations";

    private final Duration timeout;

    public MarmotFlywayMigrationStrategy(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public void migrate(Flyway flyway) {
        try {
            Optional<MarmotEngine> engine = MarmotDatabases.engine(flyway.getConfiguration().getDataSource());
            if (engine.isEmpty()) {
                flyway.migrate();
                return;
            }
            try (ClusterLock lock = engine.get().clusterLock(LOCK, timeout)) {
                flyway.migrate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Flyway could not run under the marmot cluster lock '" + LOCK + "' within "
                    + "marmot.migration-lock-timeout (" + timeout + "): " + e.getMessage(), e);
        }
    }
}
