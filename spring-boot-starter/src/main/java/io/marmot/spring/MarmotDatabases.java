package io.marmot.spring;

import io.marmot.engine.MarmotEngine;
import io.marmot.jdbc.MarmotConnection;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/** Finds the marmot database behind a DataSource (a pool of any make) by asking one of its connections. */
final class MarmotDatabases {
    private MarmotDatabases() {
    }

    /**
     * The engine of the DataSource's database, started by the connection this opens; empty for a DataSource whose
     * connections are not marmot's.
     */
    static Optional<MarmotEngine> engine(DataSource dataSource) throws SQLException {
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
