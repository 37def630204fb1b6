package io.marmot.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * One connection to a database for the engine's occasional work (the schema watcher's looks, the schema
 * fingerprints), opened when some work needs it and let go when its owner finds the file quiet. Its users take turns
 * under this object's lock: SQLite keeps a closed connection's file descriptor open while another connection of the
 * process holds a lock on the file, so what a database costs is the number of connections open at once.
 */
public final class OnDemandConnection implements AutoCloseable {
    private final Path database;
    private Connection connection;
    private boolean closed;

    public OnDemandConnection(Path database) {
        this.database = database;
    }

    /** Runs {@code work} on the connection, opened first when it is not. */
    public synchronized <T> T use(Sqlite.SqlWork<T> work) throws SQLException {
        if (closed) {
            throw new SQLException("the engine's connection to " + database + " is closed");
        }
        if (connection == null) {
            connection = Sqlite.open(database);
        }
        return work.run(connection);
    }

    /** Closes the connection until the next {@link #use}. */
    public synchronized void release() throws SQLException {
        if (connection != null) {
            Connection c = connection;
            connection = null;
            Sqlite.close(c);
        }
    }

    @Override
    public synchronized void close() throws SQLException {
        closed = true;
        release();
    }
}
