package io.marmot.spring;

import io.marmot.engine.MarmotEngine;
import io.marmot.jdbc.MarmotConnection;
import io.marmot.jdbc.MarmotDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.beans.BeanWrapperImpl;

/**
 * Finds the marmot database behind a DataSource (a pool of any make) by asking one of its connections. Only
 * DataSources that are marmot's by their URL are asked: another database (say PostgreSQL, down at start-up) is
 * never connected to by the starter.
 */
final class MarmotDatabases {
    private static final String PREFIX = "jdbc:marmot:";

    private MarmotDatabases() {
    }

    /** Whether the DataSource is marmot's: a {@link MarmotDataSource} (or wraps one), or a pool whose {@code jdbcUrl}/{@code url} is. */
    static boolean isMarmot(DataSource dataSource) {
        try {
            if (dataSource.isWrapperFor(MarmotDataSource.class)) {
                return true;
            }
        } catch (SQLException e) {
            // a DataSource that cannot say: judge it by its URL
        }
        BeanWrapperImpl bean = new BeanWrapperImpl(dataSource);
        for (String property : new String[] {"jdbcUrl", "url"}) {
            if (bean.isReadableProperty(property) && bean.getPropertyValue(property) instanceof String url
                    && url.startsWith(PREFIX)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The engine of the DataSource's database, started by the connection this opens; empty for a DataSource that
     * is not marmot's.
     */
    static Optional<MarmotEngine> engine(DataSource dataSource) throws SQLException {
        if (dataSource == null || !isMarmot(dataSource)) {
            return Optional.empty();
        }
        try (Connection c = dataSource.getConnection()) {
            if (!c.isWrapperFor(MarmotConnection.class)) {
                return Optional.empty();
            }
            return Optional.ofNullable(c.unwrap(MarmotConnection.class).engine());
        }
    }

    /** The database file of the DataSource, or empty when it is not marmot's. */
    static Optional<Path> database(DataSource dataSource) {
        try {
            return engine(dataSource).map(MarmotEngine::database);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open a connection to find the marmot database: " + e.getMessage(), e);
        }
    }
}
