package io.marmot.replication;

import io.marmot.schema.SchemaReader;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.MalformedMessageException;
import io.marmot.wire.WireFormat;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages this node could not apply, kept in {@code __marmot_parked} instead of lost. Most are parked because
 * the schemas differ during a rolling migration (a peer already has the new column); once the local schema
 * changes, they are tried again, whole groups at a time, and leave the table when they apply.
 */
final class ParkedMessages {
    private static final Logger log = LoggerFactory.getLogger(ParkedMessages.class);
    private static final long CHECK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    static final String TABLE = "__marmot_parked";

    private final Connection db;
    private final long nodeId;
    private final ReplicationStats stats;
    private int triedAtSchemaVersion = -1;
    private long lastCheck;

    ParkedMessages(Connection db, long nodeId, ReplicationStats stats) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id INTEGER PRIMARY KEY, parked_at TEXT NOT NULL,"
                    + " origin INTEGER, stream TEXT, seq INTEGER, reason TEXT NOT NULL, message BLOB)");
        }
        this.db = db;
        this.nodeId = nodeId;
        this.stats = stats;
        countWaiting();
    }

    /** Keeps a group's messages with the reason; call inside the applier's transaction. */
    void park(long origin, String stream, List<Long> seqs, List<byte[]> messages, String reason) throws SQLException {
        stats.parkedMessages.incrementAndGet();
        log.error("{} - parked {} message(s) from node {} ({}#{}): {}", nodeId, messages.size(), origin, stream,
                seqs.get(0), reason);
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO " + TABLE
                + " (parked_at, origin, stream, seq, reason, message) VALUES (datetime('now'), ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < messages.size(); i++) {
                ps.setLong(1, origin);
                ps.setString(2, stream);
                ps.setLong(3, seqs.get(i));
                ps.setString(4, reason);
                ps.setBytes(5, messages.get(i));
                ps.executeUpdate();
            }
        }
    }

    /** How many parked messages wait (for /health): a node holding any does not hold what its peers hold. */
    void countWaiting() throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + TABLE)) {
            stats.parkedWaiting.set(rs.next() ? rs.getLong(1) : 0);
        }
    }

    /** At most once a second: if the schema changed since the last try, applies what now can be. */
    void retryIfSchemaChanged(VersionCheckedWriter applier) throws SQLException {
        long now = System.nanoTime();
        if (now - lastCheck < CHECK_EVERY_NANOS) {
            return;
        }
        lastCheck = now;
        countWaiting();
        int version = SchemaReader.schemaVersion(db);
        if (version == triedAtSchemaVersion) {
            return;
        }
        triedAtSchemaVersion = version;
        Map<String, List<Long>> ids = new LinkedHashMap<>();
        Map<String, List<ChangeBatch>> groups = new LinkedHashMap<>();
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, message FROM " + TABLE + " ORDER BY id")) {
            while (rs.next()) {
                ChangeBatch b;
                try {
                    b = WireFormat.decode(rs.getBytes(2));
                } catch (MalformedMessageException e) {
                    continue; // not written by us: leave it for whoever inspects the table
                }
                String key = b.origin() + "/" + b.group();
                ids.computeIfAbsent(key, k -> new ArrayList<>()).add(rs.getLong(1));
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(b);
            }
        }
        if (groups.isEmpty()) {
            return;
        }
        List<List<Long>> idLists = new ArrayList<>(ids.values());
        List<VersionCheckedWriter.Outcome> outcomes = applier.apply(new ArrayList<>(groups.values()), (c, results) -> {
            for (int i = 0; i < results.size(); i++) {
                String sql = results.get(i).rejected()
                        ? "UPDATE " + TABLE + " SET reason = ? WHERE id = ?"
                        : "DELETE FROM " + TABLE + " WHERE id = ?";
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    for (long id : idLists.get(i)) {
                        int p = 1;
                        if (results.get(i).rejected()) {
                            ps.setString(p++, results.get(i).rejection());
                        }
                        ps.setLong(p, id);
                        ps.executeUpdate();
                    }
                }
            }
        });
        long applied = outcomes.stream().filter(o -> !o.rejected()).count();
        if (applied > 0) {
            log.info("{} - the schema changed: applied {} of {} parked message group(s)", nodeId, applied, outcomes.size());
        }
    }
}
