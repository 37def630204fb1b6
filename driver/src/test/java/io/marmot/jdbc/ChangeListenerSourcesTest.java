package io.marmot.jdbc;

import io.marmot.fixture.TwoNodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import io.marmot.listen.ChangeEvent;
import io.marmot.listen.ChangedRow;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ways rows change besides a commit here or a peer's transaction applied at once: a parked transaction applied
 * late, and a snapshot merged into the live database, on two real nodes.
 */
class ChangeListenerSourcesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private TwoNodes nodes;

    @BeforeEach
    void start() throws Exception {
        nodes = TwoNodes.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        nodes.close();
    }

    @Test
    void aParkedTransactionAppliedLateIsHeardAsThePeersTransaction() throws Exception {
        try (Connection one = nodes.connect(1); Connection two = nodes.connect(2)) {
            Db.exec(one, "CREATE TABLE late (id INTEGER PRIMARY KEY, v TEXT)");
            Await.until(WAIT, "the table on node 2", () -> Db.count(nodes.database(2),
                    "SELECT count(*) FROM sqlite_master WHERE name = 'late'") == 1);
            Db.exec(two, "DROP TABLE late"); // node 1 keeps its own (replicate-drops=false)
            ChangeListenerTest.Recorder onOne = new ChangeListenerTest.Recorder();
            ChangeListenerTest.Recorder onTwo = new ChangeListenerTest.Recorder();
            engine(1).addChangeListener(onOne, "late");
            engine(2).addChangeListener(onTwo, "late");

            Db.exec(one, "INSERT INTO late (id, v) VALUES (1, 'parked first')");
            Await.until(WAIT, "parked on node 2, which lacks the table", () -> Db.count(nodes.database(2),
                    "SELECT count(*) FROM __marmot_parked") == 1);
            assertEquals(List.of(), onTwo.events(), "nothing heard while the transaction waits");

            Db.exec(two, "CREATE TABLE IF NOT EXISTS late (id INTEGER PRIMARY KEY, v TEXT)");
            Await.until(WAIT, "node 2's listener heard the transaction applied late", () -> onTwo.events().size() == 1);
            Await.until(WAIT, "node 1's listener heard its commit", () -> onOne.events().size() == 1);
            ChangeEvent heard = onTwo.events().get(0);
            assertEquals(List.of(new ChangedRow("late", ChangedRow.Op.INSERT, Map.of("id", 1L),
                    ordered("id", 1L, "v", "parked first"))), heard.rows());
            assertEquals(ChangeEvent.Source.PEER, heard.source());
            assertEquals(1, heard.origin());
            assertEquals(onOne.events().get(0).version(), heard.version(), "the same transaction as node 1 heard it");
            assertEquals(0, Db.count(nodes.database(2), "SELECT count(*) FROM __marmot_parked"));
            assertEquals(Db.dump(nodes.database(1)), Db.dump(nodes.database(2)));
        }
    }

    @Test
    void aSnapshotMergedIntoTheLiveDatabaseIsHeardWithTheRowsItChanged() throws Exception {
        String params = "snapshot-interval=0&max-log-entries=20";
        Connection one = nodes.connect(1, params);
        Connection two = nodes.connect(2, params);
        for (Connection c : List.of(one, two)) {
            Db.exec(c, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)",
                    "CREATE TABLE IF NOT EXISTS other (id INTEGER PRIMARY KEY)");
        }
        for (int i = 1; i <= 10; i++) {
            Db.exec(one, "INSERT INTO t VALUES (" + i + ", 'before')");
        }
        Await.until(WAIT, "node 2 has node 1's rows", () -> Db.count(nodes.database(2), "SELECT count(*) FROM t") == 10);
        two.close();
        Marmot.close(nodes.database(2));

        // Node 2 is away while node 1 writes far past what the stream keeps (one message each).
        for (int i = 11; i <= 100; i++) {
            long published = engine(1).stats().publishedMessages();
            Db.exec(one, "INSERT INTO t VALUES (" + i + ", 'while away')");
            Await.until(WAIT, "row " + i + " published", () -> engine(1).stats().publishedMessages() > published
                    && engine(1).stats().pendingChanges() == 0);
        }
        Await.until(WAIT, "node 1's position passed its own messages", () -> Db.longValue(one,
                "SELECT coalesce(max(seq), 0) FROM __marmot_received") >= engine(1).stats().publishedMessages());
        Marmot.saveSnapshot(nodes.database(1));

        Connection again = nodes.connect(2, params); // heals on its snapshot tick, seconds after the start
        Merged ofT = new Merged();
        Merged ofOther = new Merged();
        engine(2).addChangeListener(ofT, "t");
        engine(2).addChangeListener(ofOther, "other");
        long had = Db.count(again, "SELECT count(*) FROM t"); // the retained messages applied as it started
        assertTrue(had < 100, "node 2 lacks rows the stream no longer holds: " + had);
        Await.until(WAIT, "node 2 merged the snapshot and is back in sync", () -> engine(2).snapshotStats().merges() >= 1
                && !engine(2).stats().outOfSync());
        Await.until(WAIT, "node 2 equals node 1", () -> Db.dump(nodes.database(1)).equals(Db.dump(nodes.database(2))));
        Await.until(WAIT, "the listener of t heard the merge", () -> !ofT.merged.isEmpty());
        Set<Object> heardOneByOne = new TreeSet<>();
        for (ChangeEvent e : ofT.events()) {
            assertEquals(ChangeEvent.Source.PEER, e.source(), "the retained messages, applied as they came");
            e.rows().forEach(r -> heardOneByOne.add(r.key().get("id")));
        }
        assertEquals(1, ofT.merged.size(), "one merge: " + ofT.merged);
        assertEquals(100 - had, ofT.merged.get(0) + heardOneByOne.size(),
                "every row node 2 lacked when its listener was added is heard, one by one or in the merge's count: "
                        + ofT.merged + " " + heardOneByOne);
        assertTrue(ofT.merged.get(0) > 0 && ofT.gaps.equals(ofT.merged), "heard as a gap by default too: " + ofT.gaps);
        assertEquals(List.of(), ofOther.merged, "a listener of an unchanged table hears nothing of the merge");
        assertEquals(100, Db.count(again, "SELECT count(*) FROM t"));
    }

    @Test
    void oldValuesOfAPeersUpdatesAndDeletesForAListenerThatAsks() throws Exception {
        try (Connection one = nodes.connect(1); Connection two = nodes.connect(2)) {
            for (Connection c : List.of(one, two)) {
                Db.exec(c, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)");
            }
            Db.exec(one, "INSERT INTO t VALUES (1, 'one', 10)", "INSERT INTO t VALUES (2, 'two', 20)",
                    "INSERT INTO t VALUES (3, 'three', 30)");
            Await.until(WAIT, "node 2 has the rows", () -> Db.count(nodes.database(2), "SELECT count(*) FROM t") == 3);
            ChangeListenerTest.Recorder plain = new ChangeListenerTest.Recorder();
            engine(2).addChangeListener(plain);
            assertEquals(List.of(), heardOld(one, plain, 2), "no listener asked: nothing read, nothing given");

            ChangeListenerTest.Recorder asking = new ChangeListenerTest.Recorder() {
                @Override
                public boolean wantsOldValues() {
                    return true;
                }
            };
            engine(2).addChangeListener(asking);
            assertEquals(List.of(Map.of(), ordered("id", 1L, "v", "one!", "n", 10L), ordered("id", 3L, "v", "three",
                    "n", 30L)), heardOld(one, asking, 3), "an insert has none; an update and a delete have the row as it was");
        }
    }

    /**
     * Node 1 inserts a row, updates row 1 and deletes row {@code deleted} in one transaction; the old values node 2's
     * listener heard of it (none at all: an empty list).
     */
    private List<Map<String, Object>> heardOld(Connection one, ChangeListenerTest.Recorder r, long deleted)
            throws Exception {
        int before = r.events().size();
        long id = 10 + deleted;
        one.setAutoCommit(false);
        Db.exec(one, "INSERT INTO t VALUES (" + id + ", 'new', 0)", "UPDATE t SET v = v || '!' WHERE id = 1",
                "DELETE FROM t WHERE id = " + deleted);
        one.commit();
        one.setAutoCommit(true);
        Await.until(WAIT, "node 2 heard the transaction", () -> r.events().size() > before);
        List<ChangedRow> rows = r.events().get(before).rows();
        assertEquals(List.of(ChangedRow.Op.INSERT, ChangedRow.Op.UPDATE, ChangedRow.Op.DELETE),
                rows.stream().map(ChangedRow::op).toList());
        if (rows.stream().allMatch(row -> row.oldValues().isEmpty())) {
            return List.of();
        }
        return rows.stream().map(ChangedRow::oldValues).toList();
    }

    private MarmotEngine engine(int id) throws Exception {
        return Marmot.engine(nodes.database(id)).orElseThrow();
    }

    private static Map<String, Object> ordered(Object... pairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** Also keeps what it hears of merges; the default {@code onSnapshotMerged} still reports the gap. */
    static final class Merged extends ChangeListenerTest.Recorder {
        final List<Long> merged = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onSnapshotMerged(long rowsChanged) {
            merged.add(rowsChanged);
            super.onSnapshotMerged(rowsChanged);
        }
    }
}
