package io.marmot.apply;

import io.marmot.replication.DescriptorPressure;
import io.marmot.sqlite.EngineConnections;
import io.marmot.sqlite.QuietFile;
import io.marmot.sqlite.Sqlite;
import io.marmot.sqlite.StepsUsing;
import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteConnection;

/**
 * The applier's connection to its database and what is prepared on it (the applied transactions' statements, the
 * schema applier): opened when a step needs the database, closed once {@value #QUIET_TICKS} ticks in a row found
 * nothing to do (one, while the process runs short of descriptors). SQLite (unix VFS) keeps the descriptors of the process's closed connections to a file while another
 * connection holds it (in WAL mode an open connection holds a lock all the time), so an idle database gives back its
 * descriptors, and the connections' page caches, schemas and statements, only once this one goes too. While it is
 * closed, the idle upkeep (parked messages and waiting schema changes tried again, old conflicts pruned) runs only
 * when the WAL was written since ({@link QuietFile}): only a commit changes the schema or records conflicts. The JVM's
 * bound on engine connections ({@link EngineConnections}) may take it between two steps ({@link #begin}, {@link #end}),
 * after that upkeep.
 */
final class ApplierConnection implements AutoCloseable, EngineConnections.Holder {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ApplierConnection.class);
    /** Ticks come 0.5, 1, 2, 4 s apart once quiet ({@code IdlePace}): about 8 s of nothing to do. */
    static final int QUIET_TICKS = 4;

    /** What is built on each connection opened. */
    @FunctionalInterface
    interface Builder {
        Parts build(SQLiteConnection db) throws SQLException;
    }

    record Parts(AppliedTransactions writes, SchemaApplier schema) {
    }

    private final Path database;
    private final DescriptorPressure descriptors;
    private final EngineConnections bound;
    private final StepsUsing steps;
    private final QuietFile wal;
    private Builder builder;
    private SQLiteConnection db;
    private Parts parts;
    private int quietTicks;
    /** Let go for the bound with a schema change not yet tried against parked messages: the next upkeep runs. */
    private boolean upkeepOwed;
    private boolean closed;

    ApplierConnection(Path database, DescriptorPressure descriptors, EngineConnections bound) {
        this.database = database;
        this.descriptors = descriptors;
        this.bound = bound;
        this.steps = new StepsUsing(bound, database);
        this.wal = new QuietFile(Path.of(database + "-wal"));
    }

    /** Set once, before the first {@link #writes()}. */
    void builds(Builder b) {
        this.builder = b;
    }

    /** The connection, opened first when it is not. */
    synchronized SQLiteConnection db() throws SQLException {
        if (closed) {
            throw new SQLException("the applier's connection to " + database + " is closed");
        }
        if (db == null) {
            db = Sqlite.open(database);
            bound.opened(database, this);
        }
        return db;
    }

    /** Before a use of the connection: the bound does not take it until the matching {@link #end}. */
    void begin() {
        steps.begin();
    }

    /** After a use, holding none of the engine's locks. */
    void end() {
        steps.end(db != null);
    }

    /**
     * Between steps, closes the connection for the bound. When the schema moved since the upkeep last tried parked
     * messages and waiting schema changes, the next upkeep is owed (closed, only a write to the WAL after the close would
     * bring it).
     */
    @Override
    public boolean letGoIfIdle() {
        if (steps.any()) {
            return false;
        }
        synchronized (this) {
            if (steps.any() || db == null) {
                return false;
            }
            try {
                upkeepOwed |= parts != null && (parts.writes().retryOwed() || parts.schema().retryOwed());
                release();
            } catch (SQLException e) {
                log.debug("letting the applier's connection to {} go: {}", database, e.toString());
                upkeepOwed = true; // the schema's look may have failed: the next tick's upkeep runs all the same
                recover();
            }
            return true;
        }
    }

    synchronized AppliedTransactions writes() throws SQLException {
        return parts().writes();
    }

    synchronized SchemaApplier schema() throws SQLException {
        return parts().schema();
    }

    private Parts parts() throws SQLException {
        SQLiteConnection c = db();
        if (parts == null) {
            try {
                parts = builder.build(c);
            } catch (SQLException | RuntimeException e) {
                db = null;
                bound.closed(database, this);
                Sqlite.closeQuietly(c, e);
                throw e;
            }
        }
        return parts;
    }

    synchronized boolean isOpen() {
        return db != null;
    }

    /** Closed, and no upkeep owed from being let go for the bound. */
    synchronized boolean idle() {
        return db == null && !upkeepOwed;
    }

    /** Parked messages and waiting schema changes tried again, old conflicts pruned: unless closed and unwritten since. */
    synchronized void upkeep() throws SQLException {
        if (db == null && !upkeepOwed && wal.unchangedSinceLastLook()) {
            return;
        }
        upkeepOwed = false;
        writes().retryParked();
        writes().pruneConflicts();
        schema().retryWaiting();
    }

    /**
     * After a failure: the connection goes with everything prepared on it. sqlite-jdbc finalizes a statement that
     * failed with a full disk or an I/O error, so a statement kept from before would fail ever after ("statement is not
     * executing") and the applier would never heal; the next step opens anew.
     */
    synchronized void recover() {
        if (db != null) {
            try {
                release();
            } catch (SQLException e) {
                log.debug("closing the applier's connection to {} after a failure: {}", database, e.toString());
            }
        }
    }

    /**
     * After a step: one with work keeps the connection; {@value #QUIET_TICKS} ticks in a row with none close it (a
     * close that fails is logged: the next step that needs the database opens a new one all the same).
     */
    synchronized void stepped(boolean ticked, boolean busy) {
        if (busy) {
            quietTicks = 0;
        } else if (ticked && ++quietTicks >= (descriptors.high() ? 1 : QUIET_TICKS) && db != null) {
            try {
                release();
            } catch (SQLException e) {
                log.debug("closing the applier's idle connection to {}: {}", database, e.toString());
            }
        }
    }

    /** The statements first, then the connection (its write-lock waiter forgotten first). */
    private void release() throws SQLException {
        SQLiteConnection c = db;
        Parts p = parts;
        db = null;
        parts = null;
        bound.closed(database, this);
        quietTicks = 0;
        try (AutoCloseable d = () -> Sqlite.close(c); AutoCloseable w = p == null ? null : p.writes()) {
            // closes both, keeping the first failure
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new SQLException("closing the applier's connection to " + database, e);
        } finally {
            wal.looking(); // after the close: a commit from now on (or a checkpoint at the close) is seen
        }
    }

    @Override
    public synchronized void close() throws SQLException {
        closed = true;
        if (db != null) {
            release();
        }
    }
}
