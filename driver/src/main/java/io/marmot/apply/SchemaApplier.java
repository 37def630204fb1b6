package io.marmot.apply;

import io.marmot.capture.CaptureOptions;
import io.marmot.capture.CaptureInstaller;
import io.marmot.capture.SchemaCapture;
import io.marmot.config.MarmotConfig;
import io.marmot.replication.ReplicationCounters;
import io.marmot.schema.DdlStatement;
import io.marmot.schema.Rebuilds;
import io.marmot.schema.SchemaJournal;
import io.marmot.schema.SchemaReader;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.MalformedMessageException;
import io.marmot.wire.SchemaChangeCodec;
import io.nats.client.Message;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies peers' schema changes on the applier's thread, in stream order with their rows. Each statement is checked
 * first ({@link DdlStatement}) and applied idempotently in one transaction with what follows from it here: capture
 * re-installed and the schema record refreshed (so it is never sent on). What cannot be applied yet (its table
 * arrives through another stream, say) waits in {@code __marmot_ddl_waiting} and is tried again when the schema
 * changes; drops are applied only with {@code replicate-drops=true}, and otherwise reported on this node.
 */
final class SchemaApplier {
    private static final Logger log = LoggerFactory.getLogger(SchemaApplier.class);
    static final String WAITING = "__marmot_ddl_waiting";
    private static final long CHECK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final long nodeId;
    private final Connection db;
    private final MarmotConfig config;
    private final ReplicationCounters stats;
    private final OwnHistory history;
    private final io.marmot.clock.VersionWriters writers;
    private int triedAtSchemaVersion = -1;
    private long lastCheck;

    SchemaApplier(long nodeId, Connection db, MarmotConfig config, ReplicationCounters stats, OwnHistory history,
            io.marmot.clock.VersionWriters writers) throws SQLException {
        this.writers = writers;
        this.nodeId = nodeId;
        this.db = db;
        this.config = config;
        this.stats = stats;
        this.history = history;
        createTable(db);
    }

    static void createTable(Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + WAITING + " (id INTEGER PRIMARY KEY, origin INTEGER, stream TEXT,"
                    + " seq INTEGER, reason TEXT NOT NULL, sql TEXT NOT NULL)");
        }
    }

    static boolean isSchemaChange(Message m) {
        return m.hasHeaders() && SchemaChangeCodec.KIND_SCHEMA.equals(m.getHeaders().getFirst(SchemaChangeCodec.KIND_HEADER));
    }

    /** Applies one received schema message (not one this file published: see {@link OwnHistory}). */
    void apply(Message m, String stream, long seq) throws SQLException {
        SchemaChangeCodec.SchemaChange change;
        try {
            change = SchemaChangeCodec.decode(m.getData());
        } catch (MalformedMessageException e) {
            stats.rejectedMessages.incrementAndGet();
            log.warn("{} - rejected schema message {}#{}: {}", nodeId, stream, seq, e.getMessage());
            return;
        }
        if (change.origin() == nodeId && history.mine(stream, seq)) {
            return;
        }
        String problem = tryApply(change.origin(), change.sql());
        if (problem != null) {
            stats.parkedMessages.incrementAndGet();
            log.error("{} - schema change from node {} ({}#{}) cannot be applied yet, kept until the schema changes: {}"
                    + " ({})", nodeId, change.origin(), stream, seq, change.sql(), problem);
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT INTO " + WAITING + " (origin, stream, seq, reason, sql) VALUES (?, ?, ?, ?, ?)")) {
                ps.setLong(1, change.origin());
                ps.setString(2, stream);
                ps.setLong(3, seq);
                ps.setString(4, problem);
                ps.setString(5, change.sql());
                ps.executeUpdate();
            }
        }
    }

    /** At most once a second: if the schema changed since the last try, applies the waiting changes that now can be. */
    /** Whether the schema moved since waiting schema changes were last tried (their retry is owed). */
    boolean retryOwed() throws SQLException {
        return SchemaReader.schemaVersion(db) != triedAtSchemaVersion;
    }

    void retryWaiting() throws SQLException {
        long now = System.nanoTime();
        if (now - lastCheck < CHECK_EVERY_NANOS) {
            return;
        }
        lastCheck = now;
        int version = SchemaReader.schemaVersion(db);
        if (version == triedAtSchemaVersion) {
            return;
        }
        triedAtSchemaVersion = version;
        List<Object[]> waiting = new ArrayList<>();
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, origin, sql FROM " + WAITING + " ORDER BY id")) {
            while (rs.next()) {
                waiting.add(new Object[] {rs.getLong(1), rs.getLong(2), rs.getString(3)});
            }
        }
        for (Object[] w : waiting) {
            if (tryApply((Long) w[1], (String) w[2]) == null) {
                try (PreparedStatement ps = db.prepareStatement("DELETE FROM " + WAITING + " WHERE id = ?")) {
                    ps.setLong(1, (Long) w[0]);
                    ps.executeUpdate();
                }
                log.info("{} - applied the waiting schema change from node {}: {}", nodeId, w[1], w[2]);
            }
        }
        triedAtSchemaVersion = SchemaReader.schemaVersion(db);
    }

    /** Null when applied, refused or already in place; otherwise why it could not be applied now. */
    private String tryApply(long origin, String sql) throws SQLException {
        DdlStatement st;
        try {
            st = DdlStatement.check(sql);
        } catch (IllegalArgumentException e) {
            stats.rejectedMessages.incrementAndGet();
            log.error("{} - refused schema change from node {}: {} ({})", nodeId, origin, sql, e.getMessage());
            return null;
        }
        if (!st.destructive() && inPlace(db, st)) {
            // Nothing to apply, so no order to keep with this node's own changes: a thousand tenants' replicas that
            // each created their table at start skip the write transaction and the schema's follow per peer's message.
            return null;
        }
        int[] versions = new int[2]; // before and after an applied change
        try {
            String problem = Sqlite.inWriteTransaction(db, c -> {
                versions[0] = SchemaReader.schemaVersion(c);
                String table = st.table();
                if (table == null && (st.kind() == DdlStatement.Kind.DROP_INDEX || st.kind() == DdlStatement.Kind.DROP_TRIGGER)) {
                    table = SchemaJournal.tableOf(c, st.kind() == DdlStatement.Kind.DROP_INDEX ? "index" : "trigger", st.name());
                }
                if (table != null && !config.replicates(table)) {
                    log.debug("{} - schema change of table {}, which this node does not replicate, left out: {}", nodeId,
                            table, sql);
                    return null;
                }
                boolean rebuild = st.kind() == DdlStatement.Kind.DROP_TABLE && Rebuilds.isRebuild(sql);
                if (st.destructive() && !config.replicateDrops() && !rebuild) {
                    stats.refusedDrops.incrementAndGet();
                    log.warn("{} - node {} dropped {}: NOT applied here (replicate-drops=false), this node keeps it: {}",
                            nodeId, origin, st.kind() == DdlStatement.Kind.DROP_TABLE ? "table " + st.table()
                                    : "column " + st.table() + "." + st.column(), sql);
                    return null;
                }
                // This node's own schema changes not yet recorded go out as its own before the peer's is applied.
                SchemaCapture.follow(c, nodeId, CaptureOptions.of(config), writers);
                if (inPlace(c, st)) {
                    return null;
                }
                if (st.kind() == DdlStatement.Kind.ADD_COLUMN || st.kind() == DdlStatement.Kind.RENAME_COLUMN
                        || st.kind() == DdlStatement.Kind.DROP_COLUMN || st.kind() == DdlStatement.Kind.RENAME_TABLE) {
                    CaptureInstaller.suspendTriggers(c, st.table());
                }
                try (PreparedStatement ps = c.prepareStatement(st.sql())) {
                    ps.execute();
                }
                if (st.kind() == DdlStatement.Kind.RENAME_TABLE) {
                    SchemaCapture.followRename(c, st.name(), st.newName());
                }
                CaptureInstaller.reconcile(c, nodeId, CaptureOptions.of(config));
                // the rows this node logged before (its own writes, concurrent with the peer's change) keep their shape
                SchemaJournal.refresh(c, config::replicates, SchemaCapture.lastLogged(c));
                stats.appliedSchemaChanges.incrementAndGet();
                log.info(rebuild ? "{} - applied schema change from node {}, part of a table rebuild (whatever"
                        + " replicate-drops says): {}" : "{} - applied schema change from node {}: {}", nodeId, origin, sql);
                versions[1] = SchemaReader.schemaVersion(c);
                return null;
            });
            if (versions[1] != 0) {
                writers.schemaFollowed(versions[0], versions[1]); // capture followed it here: the watcher need not
            }
            return problem;
        } catch (SQLException e) {
            if (!Sqlite.rejectsTheData(e)) {
                throw e; // the database's situation (busy, full, I/O): the applier retries from its positions
            }
            return e.getMessage();
        }
    }

    /** Whether the change is already in place here (applied before, or made here too): then it is not run again. */
    private static boolean inPlace(Connection c, DdlStatement st) throws SQLException {
        return switch (st.kind()) {
            case CREATE_TABLE -> SchemaJournal.exists(c, "table", st.name());
            case CREATE_INDEX -> SchemaJournal.exists(c, "index", st.name());
            case CREATE_VIEW -> SchemaJournal.exists(c, "view", st.name());
            case CREATE_TRIGGER -> SchemaJournal.exists(c, "trigger", st.name());
            case DROP_TABLE -> !SchemaJournal.exists(c, "table", st.name());
            case DROP_INDEX -> !SchemaJournal.exists(c, "index", st.name());
            case DROP_VIEW -> !SchemaJournal.exists(c, "view", st.name());
            case DROP_TRIGGER -> !SchemaJournal.exists(c, "trigger", st.name());
            case RENAME_TABLE -> !SchemaJournal.exists(c, "table", st.name()) && SchemaJournal.exists(c, "table", st.newName());
            case ADD_COLUMN -> hasColumn(c, st.table(), st.column());
            case DROP_COLUMN -> SchemaJournal.exists(c, "table", st.table()) && !hasColumn(c, st.table(), st.column());
            case RENAME_COLUMN -> !hasColumn(c, st.table(), st.column()) && hasColumn(c, st.table(), st.newName());
        };
    }

    private static boolean hasColumn(Connection c, String table, String column) throws SQLException {
        String wanted = column.toLowerCase(Locale.ROOT);
        return SchemaReader.columnNames(c, table).stream().anyMatch(n -> n.toLowerCase(Locale.ROOT).equals(wanted));
    }
}
