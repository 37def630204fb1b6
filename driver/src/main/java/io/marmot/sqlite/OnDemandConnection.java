package io.marmot.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * One connection to a database for the engine's occasional work (the schema watcher's looks, the schema
 * fingerprints), opened when some work needs it and let go when its owner finds the file quiet, or when the JVM's
 * bound on engine connections takes it between two uses ({@link EngineConnections}). Its users take turns under this
 * object's lock: SQLite keeps a closed connection's file descriptor open while another connection of the process holds
 * a lock on the file, so what a database costs is the number of connections open at once.
 */
public final class OnDemandConnection implements AutoCloseable, EngineConnections.Holder {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OnDemandConnection.class);
    private final Path database;
    private final EngineConnections bound;
    /** Its users' turns; the bound's look at it only tries, so no step waits for another database's work. */
    private final java.util.concurrent.locks.ReentrantLock turn = new java.util.concurrent.locks.ReentrantLock();
    private Connection connection;
    private boolean closed;

    public OnDemandConnection(Path database, EngineConnections bound) {
        this.database = database;
        this.bound = bound;
    }

    /** Runs {@code work} on the connection, opened first when it is not. */
    public <T> T use(Sqlite.SqlWork<T> work) throws SQLException {
        try {
            return run(work);
        } finally {
            bound.settle(); // holding no connection's lock
        }
    }

    private <T> T run(Sqlite.SqlWork<T> work) throws SQLException {
        turn.lock();
        try {
            return runInTurn(work);
        } finally {
            turn.unlock();
        }
    }

    private <T> T runInTurn(Sqlite.SqlWork<T> work) throws SQLException {
        if (closed) {
            throw new SQLException("the engine's connection to " + database + " is closed");
        }
        if (connection == null) {
            connection = Sqlite.open(database);
            bound.opened(database, this);
        } else {
            bound.used(database);
        }
        return work.run(connection);
    }

    /** Closes the connection until the next {@link #use}. */
    public void release() throws SQLException {
        turn.lock();
        try {
            releaseInTurn();
        } finally {
            turn.unlock();
        }
    }

    private void releaseInTurn() throws SQLException {
        if (connection != null) {
            Connection c = connection;
            connection = null;
            bound.closed(database, this);
            Sqlite.close(c);
        }
    }

    @Override
    public boolean letGoIfIdle() {
        if (!turn.tryLock()) {
            return false;
        }
        try {
            if (connection == null) {
                return false;
            }
            releaseInTurn();
        } catch (SQLException e) {
            log.debug("letting the engine's connection to {} go: {}", database, e.toString());
        } finally {
            turn.unlock();
        }
        return true;
    }

    @Override
    public void close() throws SQLException {
        turn.lock();
        try {
            closed = true;
            releaseInTurn();
        } finally {
            turn.unlock();
        }
    }
}
