package io.marmot.engine;

import io.marmot.capture.CaptureOptions;
import io.marmot.capture.ChangeLog;
import io.marmot.capture.CaptureInstaller;
import io.marmot.capture.SchemaCapture;
import io.marmot.config.MarmotConfig;
import io.marmot.replication.MarmotRuntime;
import io.marmot.replication.SerialTask;
import io.marmot.schema.SchemaReader;
import io.marmot.sqlite.OnDemandConnection;
import io.marmot.sqlite.QuietFile;
import io.marmot.sqlite.Sqlite;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices schema changes made outside the driver (the sqlite3 shell, another program) by polling
 * {@code PRAGMA schema_version}, and re-installs capture so new tables are captured from then on. It reads only when
 * the JVM's sweep ({@link io.marmot.replication.LocalLooks}, through {@link DatabaseLook}) found the database's WAL
 * written: an idle database costs one {@code stat} a second, shared with the publisher, and no task on any pool (the
 * sweep's looks come every {@code poll-interval} after activity, spacing out to a second). Its connection is open only while
 * the WAL is written: a quiet look closes it (an idle database keeps no descriptor for it) and a reading look opens it
 * again; what it remembers ({@code schema_version}, the log's position) lives in the file, not in the connection. The
 * schema fingerprints read through the same connection ({@link #reads()}).
 */
final class SchemaWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchemaWatcher.class);

    private final OnDemandConnection reads;
    private final long nodeId;
    private final MarmotConfig config;
    private final QuietFile wal;
    /** Its reads, one at a time on the JVM's schema-watch pool ({@link MarmotRuntime}): a thread per database would be waste. */
    private final SerialTask task;
    /** Looks that found the WAL untouched and ran no query. */
    private volatile long quietLooks;
    /** Looks that found a schema version no part of the engine had followed, and followed it. */
    private volatile long follows;
    /** Whether the last look found the WAL written (and read the schema version): its connection is open. */
    private volatile boolean lastLookRead;
    private boolean closed;
    /** The log's last position when the schema was last looked at (what came before it was captured knowingly). */
    /** What the engine's writers of row versions share: its collector hears of the versions folded here. */
    private final io.marmot.clock.VersionWriters writers;
    private long loggedAtLastLook = Long.MAX_VALUE;
    private final boolean closesGroups;

    /**
     * @param closesGroups whether its looks end the open change group: an engine that neither publishes nor applies
     *     has no publisher to do it, and auto-commit writes would otherwise take their version only when it stops
     */
    public SchemaWatcher(Path database, long nodeId, MarmotConfig config, Executor pool,
            io.marmot.clock.VersionWriters writers, boolean closesGroups) {
        this.writers = writers;
        this.closesGroups = closesGroups;
        this.reads = new OnDemandConnection(database, MarmotRuntime.get().engineConnections());
        this.task = new SerialTask(nodeId + " schema watcher", pool, this::check);
        this.wal = new QuietFile(Path.of(database + "-wal"));
        this.nodeId = nodeId;
        this.config = config;
    }

    /**
     * The sweep's look, on its thread: a read on the pool when the WAL was written since the sweep's last look (or to
     * let the connection go once it is not); else only counted.
     */
    void look(boolean walWritten) {
        if (walWritten || lastLookRead) {
            task.wake();
        } else {
            quietLooks++;
        }
    }

    /** Re-installs capture if the schema changed since the last look; true when it did. */
    public synchronized boolean check() {
        if (closed) {
            return false;
        }
        if (wal.unchangedSinceLastLook()) {
            quietLooks++;
            lastLookRead = false;
            closeConnection();
            return false;
        }
        lastLookRead = true;
        try {
            wal.looking();
            return reads.use(this::look);
        } catch (SQLException | RuntimeException e) {
            log.warn("{} - could not bring capture in step with the schema: {}", nodeId, e.toString());
            return false;
        }
    }

    private boolean look(Connection connection) throws SQLException {
        // The log's end first: whatever the schema version read next says, rows after this were logged after it.
        long logged = SchemaCapture.lastLogged(connection);
        int version = SchemaReader.schemaVersion(connection);
        int followed = writers.followedSchema();
        if (version == followed) {
            loggedAtLastLook = logged;
            if (closesGroups) {
                ChangeLog.closeOpenGroup(connection); // after a schema change's look: the next look does it
            }
            return false;
        }
        log.debug("{} - the schema moved from version {} to {}: capture follows it", nodeId, followed, version);
        follows++;
        SchemaCapture.foldBacklog(connection, nodeId, writers);
        CaptureInstaller.Result r = Sqlite.inWriteTransaction(connection,
                c -> {
                    // rows logged since the last look may have been written right after the change
                    CaptureInstaller.Result result = SchemaCapture.followOtherProcess(c, nodeId, CaptureOptions.of(config),
                            loggedAtLastLook, writers);
                    loggedAtLastLook = SchemaCapture.lastLogged(c);
                    return result;
                });
        if (!r.tablesInstalled().isEmpty()) {
            log.info("{} - schema changed: capture (re)installed on {}", nodeId, r.tablesInstalled());
        }
        writers.schemaFollowed(SchemaReader.schemaVersion(connection));
        return true;
    }

    /** The connection the watcher looks through, for other occasional reads of the schema (taking turns with it). */
    OnDemandConnection reads() {
        return reads;
    }

    long follows() {
        return follows;
    }

    long quietLooks() {
        return quietLooks;
    }

    @Override
    public void close() {
        task.stop(0, TimeUnit.SECONDS); // no read starts from now on; one running ends below
        synchronized (this) { // waits for a check that is running
            closed = true;
            closeConnection();
        }
    }

    private void closeConnection() {
        try {
            if (closed) {
                reads.close();
            } else {
                reads.release();
            }
        } catch (SQLException e) {
            log.debug("{} - closing the schema watcher's connection: {}", nodeId, e.toString());
        }
    }
}
