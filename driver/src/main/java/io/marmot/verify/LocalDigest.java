package io.marmot.verify;

import io.marmot.clock.ChangedKeys;
import io.marmot.clock.RowVersions;
import io.marmot.clock.VersionWriters;
import io.marmot.config.MarmotConfig;
import io.marmot.publish.OwnMessages;
import io.marmot.schema.TableInfo;
import io.marmot.sqlite.QuietFile;
import io.marmot.sqlite.Sqlite;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * This node's {@link Digest}, kept current at little cost: taken again only when the database changed, and then
 * only the key ranges whose versions changed are hashed again ({@link ChangedKeys}), plus a slow sweep of about
 * {@value #SWEEP_ROWS} rows a round that finds writes which changed no version. Its connection and hashes are shared
 * by the verifier's rounds and the repair responder: callers hold this object's lock while they use them. The
 * connection is open only while the WAL is written (or a sweep or an unsettled digest needs it, or peers ask repair
 * questions): a round that finds it quiet, with no question answered since the last round, closes it, so an idle
 * database keeps no descriptor for verification. Statements prepared on it ({@link #versions()}) are closed with it;
 * callers never keep any of them across calls.
 */
final class LocalDigest implements AutoCloseable {
    /** Rows the sweep reads again per round at most (with the ranges changes marked, the bound of a round's work). */
    static final long SWEEP_ROWS = 50_000;

    private final long nodeId;
    private final Path database;
    private final MarmotConfig config;
    private final OwnMessages own;
    private final VersionWriters writers;
    private final ChangedKeys changed;
    private final Map<String, TableHashes> hashes = new TreeMap<>();
    private Map<String, ChangedKeys.Table> changedLastRound = Map.of();
    private Connection db;
    /** The row versions read through {@link #db} for the responder's answers; closed and dropped with it. */
    private RowVersions versions;
    /** Whether the last {@link #current()} found the WAL unwritten and the digest standing. */
    private boolean quiet;
    /** Whether the responder read through the connection since the last round (it stays open while peers ask). */
    private boolean answered;
    private final QuietFile wal;
    /** {@code PRAGMA data_version} as {@link #db} last read it; -1 when that connection never read it. */
    private long dataVersion = -1;
    private Digest last;
    private boolean sweeping;
    private boolean changedDuringSweep;
    private String sweepTable = "";
    private final Set<String> sweptTables = new HashSet<>();
    /** Rows hashed by tables' hashes that were replaced or dropped. */
    private long hashedBefore;
    private boolean closed;

    /** @param writers what the engine's writers of row versions share: its collector is drained each round */
    LocalDigest(long nodeId, Path database, MarmotConfig config, OwnMessages own, VersionWriters writers) {
        this.nodeId = nodeId;
        this.database = database;
        this.config = config;
        this.own = own;
        this.wal = new QuietFile(Path.of(database + "-wal"));
        this.writers = writers;
        this.changed = writers.changed();
    }

    /** What the engine's writers of row versions share. */
    VersionWriters versionWriters() {
        return writers;
    }

    /** The digest of the database as it is now. */
    synchronized Digest current() throws SQLException {
        if (closed) {
            throw new SQLException("verification of " + database + " is closed");
        }
        QuietFile.Change since = wal.change();
        quiet = last != null && last.settled() && !sweeping && since == QuietFile.Change.NONE;
        if (quiet) {
            return last; // nothing committed since the last look: the digest stands
        }
        wal.looking();
        open();
        long version;
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA data_version")) {
            version = rs.next() ? rs.getLong(1) : -1;
        }
        // A connection opened since the last look cannot compare data_version with it: the files tell instead.
        boolean committed = dataVersion == -1 ? since != QuietFile.Change.NONE : version != dataVersion;
        dataVersion = version;
        if (committed && last != null) {
            sweeping = true; // the first digest reads every table whole: no sweep needed after it
            changedDuringSweep = true;
        }
        if (last == null || committed || !last.settled() || sweeping) {
            Map<String, ChangedKeys.Table> now = changed == null ? Map.of() : changed.drain();
            // A version is written (and reported) before its transaction commits: ranges are read again next round too.
            Map<String, ChangedKeys.Table> dirty = union(now, changedLastRound);
            changedLastRound = now;
            List<String> order = new ArrayList<>();
            last = Digest.take(db, nodeId, config, own, (c, t) -> {
                order.add(t.name());
                return hashes(c, t, dirty);
            });
            forgetAllBut(order);
            if (sweeping) {
                sweep(order);
            }
        }
        return last;
    }

    /**
     * The digest for a verification round: {@link #current()}, and the connection closed unless a peer asked a repair
     * question since the last round (the next look that needs it opens a new one). Kept from one round to the next,
     * it held a thousand databases' descriptors for a round's interval after they were opened together.
     */
    synchronized Digest currentForRound() throws SQLException {
        Digest d = current();
        if (!answered && db != null) {
            // The close may checkpoint the WAL into the database: not a commit, unless one came since the look.
            boolean untouched = wal.change() == QuietFile.Change.NONE;
            closeDb();
            if (untouched) {
                wal.looking();
            }
        }
        answered = false;
        return d;
    }

    /** A table's hashes as of the last {@link #current()}, or null when it has none. */
    synchronized TableHashes table(String name) {
        return hashes.get(name);
    }

    /** The connection the digest reads through (for the responder's reads, under this object's lock). */
    synchronized Connection connection() throws SQLException {
        open();
        answered = true;
        return db;
    }

    /** Row versions read through {@link #connection()}: valid while the caller holds this object's lock. */
    synchronized RowVersions versions() throws SQLException {
        Connection c = connection();
        if (versions == null) {
            versions = new RowVersions(c, writers);
        }
        return versions;
    }

    /** A new connection's data_version says nothing about the last one's: what it reads first counts as a change. */
    private void open() throws SQLException {
        if (closed) {
            throw new SQLException("verification of " + database + " is closed");
        }
        if (db == null) {
            db = Sqlite.open(database);
            dataVersion = -1;
        }
    }

    /** The statements first: none may outlive the connection they were prepared on. */
    private void closeDb() throws SQLException {
        Connection closing = db;
        try (AutoCloseable c = () -> Sqlite.close(closing); AutoCloseable v = versions) { // closed in reverse: the statements first
            versions = null;
            db = null;
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new SQLException("closing the digest's connection to " + database, e);
        }
    }

    /** Rows hashed since start: a round's work is the rise. */
    synchronized long rowsRead() {
        return hashedBefore + hashes.values().stream().mapToLong(TableHashes::rowsRead).sum();
    }

    private void forgetAllBut(List<String> tables) {
        for (Iterator<Map.Entry<String, TableHashes>> it = hashes.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, TableHashes> e = it.next();
            if (!tables.contains(e.getKey())) {
                hashedBefore += e.getValue().rowsRead();
                it.remove();
            }
        }
    }

    private static Map<String, ChangedKeys.Table> union(Map<String, ChangedKeys.Table> a, Map<String, ChangedKeys.Table> b) {
        Map<String, ChangedKeys.Table> out = new HashMap<>();
        for (Map<String, ChangedKeys.Table> m : List.of(a, b)) {
            m.forEach((table, t) -> out.merge(table.toLowerCase(Locale.ROOT), t, (x, y) -> {
                Set<Long> ints = new HashSet<>(x.integerRanges());
                ints.addAll(y.integerRanges());
                Set<Long> others = new HashSet<>(x.otherKeys());
                others.addAll(y.otherKeys());
                return new ChangedKeys.Table(ints, others, x.all() || y.all());
            }));
        }
        return out;
    }

    /** A table's ranges, brought up to date: read whole the first time (or when its shape changed), else in part. */
    private TableHashes hashes(Connection c, TableInfo t, Map<String, ChangedKeys.Table> dirty) throws SQLException {
        TableHashes h = hashes.get(t.name());
        if (h == null || !h.info().equals(t)) {
            hashedBefore += h == null ? 0 : h.rowsRead();
            h = TableHashes.scan(c, t);
            hashes.put(t.name(), h);
            return h;
        }
        ChangedKeys.Table d = dirty.get(t.name().toLowerCase(Locale.ROOT));
        if (d != null) {
            h.rehash(c, d);
        }
        return h;
    }

    /**
     * The slow sweep: about {@value #SWEEP_ROWS} rows a round are read again, table after table, so a write that
     * changed no version is found within one sweep. It stops once a whole sweep saw the database unchanged.
     */
    private void sweep(List<String> tables) throws SQLException {
        if (tables.isEmpty()) {
            sweeping = false;
            return;
        }
        long budget = SWEEP_ROWS;
        int start = Math.max(0, tables.indexOf(sweepTable));
        for (int i = 0; i < tables.size() && budget > 0; i++) {
            String name = tables.get((start + i) % tables.size());
            TableHashes h = hashes.get(name);
            if (h == null) {
                continue;
            }
            sweepTable = name;
            long[] r = h.sweep(db, budget);
            budget -= Math.max(1, r[0]);
            if (r[1] == 1) {
                sweptTables.add(name);
                sweepTable = tables.get((start + i + 1) % tables.size());
            } else {
                break;
            }
        }
        if (sweptTables.containsAll(tables)) {
            sweptTables.clear();
            sweeping = changedDuringSweep;
            changedDuringSweep = false;
        }
    }

    @Override
    public synchronized void close() throws SQLException {
        closed = true;
        closeDb();
    }
}
