package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import io.marmot.fixture.TwoNodes;
import io.marmot.listen.ChangeEvent;
import io.marmot.listen.ChangeListener;
import io.marmot.listen.ChangedRow;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Change listeners on two real nodes: what node 2 hears of node 1's transactions, and what a slow listener gets. */
class ChangeListenerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final TwoNodes nodes = TwoNodes.perTest();

    @Test
    void nodeTwoHearsNodeOnesTransactionsInOrderWithTheirValues() throws Exception {
        try (Connection one = nodes.connect(1); Connection two = nodes.connect(2)) {
            createTables(one, two);
            Recorder onTwo = new Recorder();
            Recorder onlyU = new Recorder();
            Recorder onOne = new Recorder();
            engine(2).addChangeListener(onTwo);
            engine(2).addChangeListener(onlyU, "u");
            engine(1).addChangeListener(onOne);

            List<List<ChangedRow>> expected = writeTransactions(one, 40);

            Await.until(WAIT, "node 2 has node 1's rows", () -> Db.dump(nodes.database(1)).equals(Db.dump(nodes.database(2))));
            Await.until(WAIT, "node 2's listener heard every transaction", () -> onTwo.events().size() >= expected.size());
            Await.until(WAIT, "node 1's listener heard its own", () -> onOne.events().size() >= expected.size());
            assertEquals(expected, rows(onTwo.events()), "node 2 hears node 1's transactions, in order, with their values");
            assertEquals(expected, rows(onOne.events()), "node 1 hears its own commits (seen by the publisher)");
            for (int i = 0; i < expected.size(); i++) {
                ChangeEvent heard = onTwo.events().get(i);
                ChangeEvent own = onOne.events().get(i);
                assertEquals(1, heard.origin());
                assertEquals(ChangeEvent.Source.PEER, heard.source());
                assertEquals(ChangeEvent.Source.LOCAL, own.source());
                assertEquals(own.version(), heard.version(), "both nodes name transaction " + i + " alike");
                assertTrue(i == 0 || heard.version() > onTwo.events().get(i - 1).version(), "in commit order");
            }
            List<List<ChangedRow>> expectedU = new ArrayList<>();
            for (List<ChangedRow> tx : expected) {
                List<ChangedRow> u = tx.stream().filter(r -> r.table().equals("u")).toList();
                if (!u.isEmpty()) {
                    expectedU.add(u);
                }
            }
            Await.until(WAIT, "the listener of u heard its transactions", () -> onlyU.events().size() >= expectedU.size());
            assertEquals(expectedU, rows(onlyU.events()), "a listener of table u hears only u's rows");
            assertEquals(0, onTwo.gaps.size() + onlyU.gaps.size() + onOne.gaps.size(), "nothing dropped");
        }
    }

    @Test
    void aSlowListenerNeitherBlocksReplicationNorLosesEventsSilently() throws Exception {
        try (Connection one = nodes.connect(1); Connection two = nodes.connect(2)) {
            createTables(one, two);
            CountDownLatch release = new CountDownLatch(1);
            Recorder slow = new Recorder() {
                @Override
                public void onChange(ChangeEvent event) {
                    super.onChange(event);
                    try {
                        release.await(60, TimeUnit.SECONDS); // blocks its thread until the test has seen the rows
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            int buffered = 20;
            engine(2).addChangeListener(slow, buffered);

            List<List<ChangedRow>> expected = writeTransactions(one, 200);

            Await.until(WAIT, "node 2 has node 1's rows while its listener is blocked",
                    () -> Db.dump(nodes.database(1)).equals(Db.dump(nodes.database(2))));
            assertEquals(1, slow.events().size(), "the listener is still in its first event");
            assertTrue(slow.gaps.isEmpty());
            release.countDown();

            Await.until(WAIT, "every transaction is either heard or counted in a gap",
                    () -> slow.events().size() + dropped(slow) == expected.size());
            int heard = slow.events().size();
            assertTrue(heard >= buffered && heard < expected.size() && dropped(slow) > 0, "the buffer was used: " + heard);
            // Replaying what the listener heard: each event is the next transaction, each gap skips as many as it says.
            int next = 0;
            int event = 0;
            int gap = 0;
            for (String what : List.copyOf(slow.order)) {
                if (what.equals("gap")) {
                    next += slow.gaps.get(gap++);
                } else {
                    assertEquals(expected.get(next++), slow.events().get(event++).rows(), "heard in order, whole");
                }
            }
            assertEquals(expected.size(), next);
            assertEquals(dropped(slow), engine(2).stats().listenerEventsDropped());

            Db.exec(one, "INSERT INTO t (id, v, n) VALUES (10000, 'after', 1)");
            Await.until(WAIT, "a listener that caught up hears again", () -> slow.events().size() == heard + 1);
            assertEquals(List.of(new ChangedRow("t", ChangedRow.Op.INSERT, Map.of("id", 10000L),
                    ordered("id", 10000L, "v", "after", "n", 1L))), slow.events().get(heard).rows());
        }
    }

    @Test
    void nodeEventsForAConflictAndAHealthChange() throws Exception {
        try (Connection one = nodes.connect(1); Connection two = nodes.connect(2)) {
            createTables(one, two);
            Await.until(WAIT, "node 2 ready", () -> engine(2).health().ready());
            Recorder onTwo = new Recorder();
            engine(2).addChangeListener(onTwo);

            // Node 2 writes key 1 while holding its write lock, so node 1's insert of the same key waits to be
            // applied there until node 2 committed its own: a conflict on node 2, whichever write wins.
            two.setAutoCommit(false);
            Db.update(two, "INSERT INTO t (id, v, n) VALUES (1, 'two', 2)");
            Db.update(one, "INSERT INTO t (id, v, n) VALUES (1, 'one', 1)");
            Await.until(WAIT, "node 1 published its insert", () -> engine(1).stats().publishedChanges() >= 1);
            two.commit();
            two.setAutoCommit(true);
            Await.until(WAIT, "both nodes agree", () -> Db.dump(nodes.database(1)).equals(Db.dump(nodes.database(2))));
            Await.until(WAIT, "node 2's listener heard the conflict", () -> !onTwo.conflicts.isEmpty());
            String conflict = onTwo.conflicts.get(0);
            assertTrue(conflict.startsWith("t [1] insert-insert "), conflict);
            String loser = Db.text(nodes.database(2), "SELECT v FROM t WHERE id = 1").equals("one") ? "two" : "one";
            assertTrue(conflict.contains("\"v\":\"" + loser + "\""), "it names what lost: " + conflict);
            assertEquals(Db.count(nodes.database(2), "SELECT count(*) FROM __marmot_conflicts"), onTwo.conflicts.size(),
                    "one event per recorded conflict");
            List<List<ChangedRow>> peerRows = onTwo.events().stream()
                    .filter(e -> e.source() == ChangeEvent.Source.PEER).map(ChangeEvent::rows).toList();
            assertEquals(loser.equals("two") ? List.of(List.of(new ChangedRow("t", ChangedRow.Op.INSERT, Map.of("id", 1L),
                    ordered("id", 1L, "v", "one", "n", 1L)))) : List.of(), peerRows,
                    "node 2 hears node 1's insert only when it won there (a write that lost changed no row)");

            nodes.nats().stop();
            Await.until(WAIT, "node 2 heard it is not ready", () -> onTwo.health.contains("not ready"));
            nodes.nats().restart();
            Await.until(WAIT, "node 2 heard it is ready again", () -> onTwo.health.contains("ready"));
            assertEquals(List.of("not ready", "ready"), onTwo.health);
            assertTrue(onTwo.problems.get(0).stream().anyMatch(p -> p.contains("not connected to NATS")),
                    onTwo.problems.toString());
        }
    }

    @Test
    void rowsRepairedByVerificationAreHeard() throws Exception {
        Sqlite3.assumeInstalled();
        try (Connection one = nodes.connect(1, "verify-interval=1"); Connection two = nodes.connect(2, "verify-interval=1")) {
            createTables(one, two);
            writeTransactions(one, 10);
            Await.until(WAIT, "node 2 has node 1's rows", () -> Db.dump(nodes.database(1)).equals(Db.dump(nodes.database(2))));
            Recorder onOne = new Recorder();
            Recorder onTwo = new Recorder();
            engine(1).addChangeListener(onOne);
            engine(2).addChangeListener(onTwo);

            // Behind capture on node 2 (no versions change): verification finds the rows different and settles them.
            Sqlite3.exec(nodes.database(2), "UPDATE t SET v = 'behind capture' WHERE id = 3; DELETE FROM t WHERE id = 7;",
                    "-cmd", ".dbconfig enable_trigger off");
            Await.until(WAIT, "verification repaired the difference",
                    () -> Db.dump(nodes.database(1)).equals(Db.dump(nodes.database(2))));
            Await.until(WAIT, "the listeners heard both rows", () -> repaired(onOne, onTwo).size() >= 2);
            Map<Object, ChangedRow> heard = repaired(onOne, onTwo);
            assertEquals(2, heard.size(), heard.toString());
            for (long id : new long[] {3, 7}) {
                Map<String, Object> row = Db.rows(two, "SELECT id, v, n FROM t WHERE id = ?", id).get(0);
                assertEquals(new ChangedRow("t", ChangedRow.Op.INSERT, Map.of("id", id), ordered("id", id, "v", row.get("v"),
                        "n", ((Number) row.get("n")).longValue())), heard.get(id), "row " + id + " as it is now on both nodes");
            }
            assertTrue(onOne.events().stream().noneMatch(e -> e.source() != ChangeEvent.Source.REPAIR)
                    && onTwo.events().stream().noneMatch(e -> e.source() != ChangeEvent.Source.REPAIR), "only repairs");
        }
    }

    private static long dropped(Recorder r) {
        return List.copyOf(r.gaps).stream().mapToLong(Long::longValue).sum();
    }

    /** The rows repair wrote on either node, by key. */
    private static Map<Object, ChangedRow> repaired(Recorder... recorders) {
        Map<Object, ChangedRow> rows = new java.util.HashMap<>();
        for (Recorder r : recorders) {
            for (ChangeEvent e : r.events()) {
                for (ChangedRow row : e.rows()) {
                    rows.put(row.key().get("id"), row);
                }
            }
        }
        return rows;
    }

    private static void createTables(Connection one, Connection two) throws Exception {
        for (Connection c : List.of(one, two)) {
            Db.exec(c, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)",
                    "CREATE TABLE IF NOT EXISTS u (id INTEGER PRIMARY KEY, w BLOB)"); // or replicated already
        }
    }

    /**
     * Transactions on node 1: each inserts a row of t; every other one also inserts into u, every fifth updates
     * the previous t row and deletes an older u row. Returns what a listener should hear of each.
     */
    private static List<List<ChangedRow>> writeTransactions(Connection one, int count) throws Exception {
        List<List<ChangedRow>> expected = new ArrayList<>();
        one.setAutoCommit(false);
        for (long i = 1; i <= count; i++) {
            List<ChangedRow> tx = new ArrayList<>();
            Db.update(one, "INSERT INTO t (id, v, n) VALUES (?, ?, ?)", i, "v" + i, i * 10);
            tx.add(new ChangedRow("t", ChangedRow.Op.INSERT, Map.of("id", i), ordered("id", i, "v", "v" + i, "n", i * 10)));
            if (i % 2 == 0) {
                Db.update(one, "INSERT INTO u (id, w) VALUES (?, ?)", i, "w" + i);
                tx.add(new ChangedRow("u", ChangedRow.Op.INSERT, Map.of("id", i), ordered("id", i, "w", "w" + i)));
            }
            if (i % 5 == 0) {
                Db.update(one, "UPDATE t SET v = ? WHERE id = ?", "x" + i, i - 1);
                tx.add(new ChangedRow("t", ChangedRow.Op.UPDATE, Map.of("id", i - 1), ordered("v", "x" + i)));
                long gone = i - (i % 2 == 0 ? 4 : 3); // an even id: a row of u
                Db.update(one, "DELETE FROM u WHERE id = ?", gone);
                tx.add(new ChangedRow("u", ChangedRow.Op.DELETE, Map.of("id", gone), Map.of()));
            }
            one.commit();
            expected.add(tx);
        }
        one.setAutoCommit(true);
        return expected;
    }

    private static Map<String, Object> ordered(Object... pairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], pairs[i + 1]);
        }
        return m;
    }

    private static List<List<ChangedRow>> rows(List<ChangeEvent> events) {
        return events.stream().map(ChangeEvent::rows).toList();
    }

    private MarmotEngine engine(int id) throws Exception {
        return Marmot.engine(nodes.database(id)).orElseThrow();
    }

    /** Keeps what it hears, in order. */
    static class Recorder implements ChangeListener {
        private final List<ChangeEvent> events = Collections.synchronizedList(new ArrayList<>());
        final List<Long> gaps = Collections.synchronizedList(new ArrayList<>());
        final List<String> order = Collections.synchronizedList(new ArrayList<>());
        final List<String> conflicts = Collections.synchronizedList(new ArrayList<>());
        final List<String> health = Collections.synchronizedList(new ArrayList<>());
        final List<List<String>> problems = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onConflict(String table, List<Object> key, String kind, String lost) {
            conflicts.add(table + " " + key + " " + kind + " " + lost);
        }

        @Override
        public void onHealthChanged(boolean ready, List<String> problems) {
            health.add(ready ? "ready" : "not ready");
            this.problems.add(problems);
        }

        @Override
        public void onChange(ChangeEvent event) {
            events.add(event);
            order.add("change");
        }

        @Override
        public void onGap(long missedEvents) {
            gaps.add(missedEvents);
            order.add("gap");
        }

        List<ChangeEvent> events() {
            synchronized (events) {
                return List.copyOf(events);
            }
        }
    }
}
