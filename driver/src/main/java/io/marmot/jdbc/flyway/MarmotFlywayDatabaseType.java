package io.marmot.jdbc.flyway;

import io.marmot.jdbc.MarmotConnection;
import io.marmot.jdbc.MarmotDriver;
import java.sql.Connection;
import java.sql.SQLException;
import org.flywaydb.core.api.configuration.Configuration;
import org.flywaydb.core.internal.database.base.Database;
import org.flywaydb.core.internal.database.sqlite.SQLiteDatabaseType;
import org.flywaydb.core.internal.jdbc.JdbcConnectionFactory;
import org.flywaydb.core.internal.jdbc.StatementInterceptor;

/**
 * Flyway's support for {@code jdbc:marmot:sqlite:} databases, found by Flyway through its plugin ServiceLoader when
 * the driver jar is on its class path (the Maven plugin's dependencies, the CLI's {@code drivers} folder, an
 * application). Flyway picks a driver by the URL's prefix, which it only knows for {@code jdbc:sqlite:}: this type
 * names the marmot driver for the marmot prefix, and is SQLite in every other respect, except that each Flyway
 * command on a marmot connection runs inside the cluster lock (see {@link ClusterLockedDatabase}). Flyway is an
 * optional dependency: without it on the class path nothing loads this class.
 */
public final class MarmotFlywayDatabaseType extends SQLiteDatabaseType {
    private static final String PREFIX = "jdbc:marmot:sqlite:";

    @Override
    public String getName() {
        return "SQLite (Marmot)";
    }

    /** Asked before Flyway's own SQLite support, which would take a marmot connection for plain SQLite. */
    @Override
    public int getPriority() {
        return 1;
    }

    @Override
    public boolean handlesJDBCUrl(String url) {
        return url.startsWith(PREFIX);
    }

    @Override
    public String getDriverClass(String url, ClassLoader classLoader) {
        return MarmotDriver.class.getName();
    }

    /** A connection of the marmot driver, however wrapped (a pool's proxy), whatever URL or DataSource made it. */
    @Override
    public boolean handlesDatabaseProductNameAndVersion(String productName, String productVersion, Connection connection) {
        try {
            return productName.startsWith("SQLite") && connection.isWrapperFor(MarmotConnection.class);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public Database createDatabase(Configuration configuration, JdbcConnectionFactory connectionFactory,
            StatementInterceptor statementInterceptor) {
        return new ClusterLockedDatabase(configuration, connectionFactory, statementInterceptor);
    }
}
