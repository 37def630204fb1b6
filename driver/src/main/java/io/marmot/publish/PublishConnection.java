package io.marmot.publish;

import io.marmot.capture.LogUpkeep;
import io.marmot.replication.DescriptorPressure;
import io.marmot.sqlite.EngineConnections;
import io.marmot.sqlite.OtherCommits;
import io.marmot.sqlite.QuietFile;
import io.marmot.sqlite.Sqlite;
import io.marmot.sqlite.StepsUsing;
import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteConnection;

/**
 * The publisher's connection to its database: open while there is work, closed once {@value #QUIET_POLLS} polls in
 * a row found nothing new (one, while the process runs short of descriptors), so an idle database keeps no connection (and no WAL descriptor) for publishing. While it
 * is closed, a poll looks at the WAL by one {@code stat} ({@link QuietFile}) instead of {@code PRAGMA data_version}:
 * every commit, whoever makes it, writes the WAL, and a written WAL opens the connection again at once (its first
 * look counts as a change). What is prepared on the connection (the log upkeep's and the pass's statements, the
 * data_version look) is closed with it and prepared again on the next one: none outlives its connection. The JVM's
 * bound on engine connections ({@link EngineConnections}) may take it between two steps ({@link #begin}, {@link #end}),
 * unless another connection committed since its last look.
 */
final class PublishConnection implements AutoCloseable, EngineConnections.Holder {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PublishConnection.class);
    /** Polls a second apart once the database is quiet ({@code IdlePace}): a few seconds of nothing new. */
    static final int QUIET_POLLS = 5;

    private final Path database;
    private final long nodeId;
    private final PublishPass pass;
    private final QuietFile wal;
    private final DescriptorPressure descriptors;
    private final EngineConnections bound;
    private final StepsUsing steps;
    /** Read without the lock by the sweep's look ({@link #isOpen}). */
    private volatile SQLiteConnection db;
    private LogUpkeep upkeep;
    private OtherCommits otherCommits;
    /** Let go for the bound with another connection's commit not yet looked at: the next poll counts it. */
    private volatile boolean lookOwed;
    private int quietPolls;
    private final io.marmot.clock.VersionWriters writers;

    /** @param writers what the engine's writers of row versions share (the log upkeep folds versions) */
    PublishConnection(Path database, long nodeId, PublishPass pass, io.marmot.clock.VersionWriters writers,
            DescriptorPressure descriptors, EngineConnections bound) throws SQLException {
        this.descriptors = descriptors;
        this.bound = bound;
        this.steps = new StepsUsing(bound, database);
        this.writers = writers;
        this.database = database;
        this.nodeId = nodeId;
        this.pass = pass;
        this.wal = new QuietFile(Path.of(database + "-wal"));
    }

    /** Before a use of the connection: the bound does not take it until the matching {@link #end}. */
    void begin() {
        steps.begin();
    }

    /** After a use, holding none of the engine's locks. */
    void end() {
        steps.end(db != null);
    }

    /** A read of the connection between {@link #begin} and {@link #end}. */
    <T> T during(Sqlite.SqlWork<T> use) throws SQLException {
        begin();
        try {
            return use.run(db());
        } finally {
            end();
        }
    }

    /** A step between {@link #begin} and {@link #end}. */
    void during(Runnable step) {
        begin();
        try {
            step.run();
        } finally {
            end();
        }
    }

    /**
     * Between steps, closes the connection for the bound. A commit of another connection since its last look is owed to
     * the next poll (it would not show in the WAL looked at after the close).
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
                lookOwed |= otherCommits.sinceLastLook();
                release();
            } catch (SQLException e) {
                log.debug("letting the publisher's connection to {} go: {}", database, e.toString());
                lookOwed = true; // the look may have failed: whether another connection committed is not known
                discard();
            }
            wal.looking();
            return true;
        }
    }

    synchronized SQLiteConnection db() throws SQLException {
        open();
        return db;
    }

    synchronized LogUpkeep upkeep() throws SQLException {
        open();
        return upkeep;
    }

    /** Whether another connection committed since the last look; while closed, whether the WAL was written. */
    synchronized boolean otherCommits() throws SQLException {
        if (db == null && !lookOwed && wal.unchangedSinceLastLook()) {
            return false;
        }
        boolean owed = lookOwed;
        lookOwed = false;
        open();
        return otherCommits.sinceLastLook() || owed;
    }

    /** After a step: one that found work keeps the connection; enough polls in a row that found none close it. */
    synchronized void stepped(boolean polled, boolean found) throws SQLException {
        if (found) {
            quietPolls = 0;
        } else if (polled && ++quietPolls >= (descriptors.high() ? 1 : QUIET_POLLS) && db != null) {
            release();
            wal.looking(); // after the close: a commit from now on (or since the last look) reopens it
        }
    }

    /**
     * After a failure on the database: the connection goes with its statements (sqlite-jdbc finalizes a statement that
     * failed with a full disk or an I/O error, so one kept would fail ever after); the next step opens anew.
     */
    synchronized void discard() {
        if (db != null) {
            try {
                release();
            } catch (SQLException e) {
                log.debug("closing the publisher's connection to {} after a failure: {}", database, e.toString());
            }
        }
    }

    boolean isOpen() {
        return db != null;
    }

    /** Let go for the bound with a commit not looked at: the sweep's next look polls. */
    boolean owesLook() {
        return lookOwed;
    }

    private void open() throws SQLException {
        if (db != null) {
            return;
        }
        SQLiteConnection c = Sqlite.open(database);
        try {
            upkeep = new LogUpkeep(c, nodeId, writers);
            otherCommits = new OtherCommits(c);
        } catch (SQLException | RuntimeException e) {
            Sqlite.closeQuietly(c, e);
            throw e;
        }
        db = c;
        bound.opened(database, this);
    }

    /** The statements first, then the connection; the first failure is thrown once all are closed. */
    private void release() throws SQLException {
        SQLiteConnection c = db;
        db = null;
        bound.closed(database, this);
        try (AutoCloseable d = () -> Sqlite.close(c); AutoCloseable u = upkeep; AutoCloseable o = otherCommits; AutoCloseable p = pass::close) {
            upkeep = null;
            otherCommits = null;
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new SQLException("closing the publisher's connection to " + database, e);
        }
    }

    @Override
    public synchronized void close() throws SQLException {
        if (db != null) {
            release();
        }
    }
}
