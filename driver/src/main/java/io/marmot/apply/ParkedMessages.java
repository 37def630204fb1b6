package io.marmot.apply;

import io.marmot.listen.ChangeEvent;
import io.marmot.listen.ChangeListeners;
import io.marmot.merge.VersionCheckedWriter;
import io.marmot.replication.ReplicationCounters;
import io.marmot.schema.SchemaReader;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.MalformedMessageException;
import io.marmot.wire.RowChange;
import io.marmot.wire.Transaction;
import io.marmot.wire.WireFormat;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transactions this node could not apply, kept in {@code __marmot_parked} instead of lost, each alone (an
 * unrelated transaction that travelled in the same message is applied). Most are parked because the schemas
 * differ during a rolling migration (a peer already has the new column); once the local schema changes, they are
 * tried again and leave the table when they apply. Messages of a newer wire format wait here, unread, until this
 * node is upgraded. Rows parked by earlier versions hold whole messages; they are read the same way.
 */
final class ParkedMessages {
    private static final Logger log = LoggerFactory.getLogger(ParkedMessages.class);
    private static final long CHECK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    static final String TABLE = "__marmot_parked";

    private final Connection db;
    private final long nodeId;
    private final ReplicationCounters stats;
    private final ChangeListeners listeners;
    private int triedAtSchemaVersion = -1;
    private long lastCheck;

    static void createTable(Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id INTEGER PRIMARY KEY, parked_at TEXT NOT NULL,"
                    + " origin INTEGER, stream TEXT, seq INTEGER, reason TEXT NOT NULL, message BLOB)");
        }
    }

    ParkedMessages(Connection db, long nodeId, ReplicationCounters stats, ChangeListeners listeners)
            throws SQLException {
        createTable(db);
        this.db = db;
        this.nodeId = nodeId;
        this.stats = stats;
        this.listeners = listeners;
        countWaiting();
    }

    /**
     * Keeps a transaction with the reason; call inside the applier's transaction. {@code seq}: the stream position
     * of the (first) message that carried it.
     */
    void park(Transaction tx, String stream, long seq, String reason) throws SQLException {
        RowChange first = tx.changes().get(0);
        log.error("{} - parked a transaction of {} change(s) from node {} ({}#{}, first: table {} key {}): {}", nodeId,
                tx.changes().size(), tx.origin(), stream, seq, first.table().name(), Arrays.deepToString(first.key()),
                reason);
        park(db, tx.origin(), stream, seq, reason, WireFormat.encode(tx.asBatch(), false));
    }

    /** Keeps a message this node cannot read (a newer wire format) until it can. */
    void parkUnread(long origin, String stream, long seq, byte[] message, String reason) throws SQLException {
        log.error("{} - parked message {}#{}: {}", nodeId, stream, seq, reason);
        park(db, origin, stream, seq, reason, message);
    }

    private void park(Connection c, long origin, String stream, long seq, String reason, byte[] message)
            throws SQLException {
        stats.parkedMessages.incrementAndGet();
        stats.parkedWaiting.incrementAndGet();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE
                + " (parked_at, origin, stream, seq, reason, message) VALUES (datetime('now'), ?, ?, ?, ?, ?)")) {
            ps.setLong(1, origin);
            ps.setString(2, stream);
            ps.setLong(3, seq);
            ps.setString(4, reason);
            ps.setBytes(5, message);
            ps.executeUpdate();
        }
    }

    /** How many parked messages wait (for /health): a node holding any does not hold what its peers hold. */
    void countWaiting() throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + TABLE)) {
            stats.parkedWaiting.set(rs.next() ? rs.getLong(1) : 0);
        }
    }

    /** At most once a second: if the schema changed since the last try, applies what now can be. */
    /** Whether the schema moved since parked messages were last tried (their retry is owed). */
    boolean retryOwed() throws SQLException {
        return SchemaReader.schemaVersion(db) != triedAtSchemaVersion;
    }

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
        // Rows of earlier versions may hold the chunks of one group: read back together, in order.
        Map<String, List<Long>> ids = new LinkedHashMap<>();
        Map<String, List<ChangeBatch>> groups = new LinkedHashMap<>();
        Map<String, String[]> places = new LinkedHashMap<>();
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, message, stream, seq FROM " + TABLE + " ORDER BY id")) {
            while (rs.next()) {
                ChangeBatch b;
                try {
                    b = WireFormat.decode(rs.getBytes(2));
                } catch (MalformedMessageException e) {
                    continue; // a newer format, or not written by us: left for an upgrade or whoever inspects it
                }
                String key = b.origin() + "/" + b.group();
                ids.computeIfAbsent(key, k -> new ArrayList<>()).add(rs.getLong(1));
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(b);
                places.putIfAbsent(key, new String[] {rs.getString(3), Long.toString(rs.getLong(4))});
            }
        }
        if (groups.isEmpty()) {
            return;
        }
        List<Transaction> transactions = new ArrayList<>();
        List<String> groupOf = new ArrayList<>();
        groups.forEach((key, batches) -> {
            // parked as they came, maybe out of order
            batches.sort(java.util.Comparator.comparingInt(ChangeBatch::chunk));
            for (Transaction tx : ChangeBatch.transactions(batches)) {
                transactions.add(tx);
                groupOf.add(key);
            }
        });
        List<VersionCheckedWriter.Outcome> outcomes = applier.apply(transactions, (c, results) -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + TABLE + " WHERE id = ?")) {
                for (List<Long> rows : ids.values()) {
                    for (long id : rows) {
                        ps.setLong(1, id);
                        ps.executeUpdate();
                    }
                }
            }
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i).rejected()) {
                    String[] place = places.get(groupOf.get(i));
                    park(c, transactions.get(i).origin(), place[0], Long.parseLong(place[1]), results.get(i).rejection(),
                            WireFormat.encode(transactions.get(i).asBatch(), false));
                    stats.parkedMessages.decrementAndGet(); // parked again, not anew
                }
            }
        });
        countWaiting();
        for (int i = 0; i < outcomes.size(); i++) { // a peer's transaction, late: heard as any other
            List<RowChange> written = outcomes.get(i).written();
            if (written != null && !written.isEmpty()) {
                Transaction tx = transactions.get(i);
                listeners.committed(ChangeEvent.Source.PEER, tx.origin(), tx.changes().get(0).version(), written,
                        outcomes.get(i).before());
            }
        }
        listeners.flush();
        long applied = outcomes.stream().filter(o -> !o.rejected()).count();
        if (applied > 0) {
            log.info("{} - the schema changed: applied {} of {} parked transaction(s)", nodeId, applied, outcomes.size());
        }
    }
}
