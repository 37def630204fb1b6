package io.marmot.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The merge rule by cases, as docs/conflicts.md states it: an update changes only the columns it wrote, the later
 * write of a column wins, the newer of a row's inserts and deletes decides whether it exists, a delete wins over
 * updates made concurrently by a node that had not seen it, equal versions go to the higher node id, and what loses
 * is reported with its values and both stamps. Each case is applied in every order the writes can arrive in: every
 * node must end with the same row (convergence whatever the delivery order).
 */
class RowMergeTest {
    @Test
    void ofTwoInsertsUnderOneKeyTheNewerWinsAndTheOlderIsReportedInEitherOrder() throws SQLException {
        Write older = insert(20, 1, "v", "from 1");
        Write newer = insert(30, 2, "v", "from 2");
        assertEquals(row("v", "from 2"), converged(older, newer));
        Lost expected = new Lost("insert-insert", Map.of("k", "k", "v", "from 1"), older.stamp, newer.stamp);
        assertEquals(List.of(expected), Replica.after(older, newer).losses(), "the older insert's node, then the newer");
        assertEquals(List.of(expected), Replica.after(newer, older).losses(), "the newer insert's node, then the older");
    }

    @Test
    void updatesOfDifferentColumnsBothSurviveWithoutAConflict() throws SQLException {
        Write insert = insert(10, 1, "email", "e0", "login", "l0");
        Write email = update(20, 1, "email", "e1");
        Write login = update(21, 2, "login", "l1");
        assertEquals(row("email", "e1", "login", "l1"), converged(insert, email, login));
        assertEquals(List.of(), Replica.after(insert, email, login).losses());
        assertEquals(List.of(), Replica.after(insert, login, email).losses());
    }

    @Test
    void ofTwoWritesOfOneColumnTheLaterWinsAndTheWinnersNodeRecordsTheOther() throws SQLException {
        Write insert = insert(10, 1, "n", 0L);
        Write fromNode1 = update(20, 1, "n", 1L);
        Write fromNode2 = update(30, 2, "n", 2L);
        assertEquals(row("n", 2L), converged(insert, fromNode1, fromNode2));
        // Node 2 made the later write, then received node 1's: the increment node 1 made is lost, and kept.
        assertEquals(List.of(new Lost("update-update", Map.of("n", 1L), fromNode1.stamp, fromNode2.stamp)),
                Replica.after(insert, fromNode2, fromNode1).losses());
    }

    @Test
    void anUpdateOfSomeColumnsWritesThoseNotWrittenSinceAndLosesTheNewerOnes() throws SQLException {
        Write insert = insert(10, 1, "a", "a0", "b", "b0", "c", "c0");
        Write newerB = update(30, 2, "b", "b2");
        Write olderAB = update(20, 1, "a", "a1", "b", "b1");
        assertEquals(row("a", "a1", "b", "b2", "c", "c0"), converged(insert, newerB, olderAB));
        Replica winner = Replica.after(insert, newerB);
        RowMerge.Outcome o = winner.apply(olderAB);
        assertEquals(RowMerge.Action.UPDATE, o.action());
        assertEquals(Map.of("a", "a1"), o.write(), "only the column nobody wrote since");
        assertEquals(List.of(new Lost("update-update", Map.of("b", "b1"), olderAB.stamp, newerB.stamp)),
                winner.losses());
    }

    @Test
    void aDeleteWinsOverAConcurrentNewerUpdateAndTheUpdateIsRecordedInEitherOrder() throws SQLException {
        Write insert = insert(10, 1, "x", "x0");
        Write delete = delete(20, 2);
        Write update = update(30, 3, "x", "x3"); // node 3 had not seen the delete
        assertNull(converged(insert, delete, update), "the row stays deleted");
        Lost expected = new Lost("delete-update", Map.of("x", "x3"), update.stamp, delete.stamp);
        assertEquals(List.of(expected), Replica.after(insert, delete, update).losses());
        assertEquals(List.of(expected), Replica.after(insert, update, delete).losses());
    }

    @Test
    void anUpdateOlderThanTheDeleteIsRecordedAndDoesNotReviveTheRow() throws SQLException {
        Write insert = insert(10, 1, "x", "x0");
        Write update = update(15, 3, "x", "x3");
        Write delete = delete(20, 2);
        assertNull(converged(insert, update, delete));
        assertEquals(List.of(new Lost("delete-update", Map.of("x", "x3"), update.stamp, delete.stamp)),
                Replica.after(insert, delete, update).losses());
    }

    @Test
    void theNewerOfInsertAndDeleteDecidesWhetherTheRowExists() throws SQLException {
        Write insert = insert(10, 1, "v", "first");
        Write delete = delete(20, 2);
        assertNull(converged(insert, delete, insert(15, 3, "v", "older than the delete")));
        assertEquals(row("v", "again"), converged(insert, delete, insert(25, 3, "v", "again")),
                "a later insert brings the row back cleanly");
    }

    @Test
    void aLaterInsertBringsTheRowBackWithColumnWritesNewerThanItself() throws SQLException {
        Write insert = insert(10, 1, "x", "x0", "y", "y0");
        Write update = update(40, 3, "x", "x3"); // concurrent with the delete, newer than the insert that revives
        Write delete = delete(20, 2);
        Write reinsert = insert(30, 1, "x", "x1", "y", "y1");
        assertEquals(row("x", "x3", "y", "y1"), converged(insert, update, delete, reinsert));
    }

    @Test
    void equalVersionsGoToTheHigherNodeInEitherOrder() throws SQLException {
        Write one = insert(50, 1, "v", "one");
        Write two = insert(50, 2, "v", "two");
        assertEquals(row("v", "two"), converged(one, two));
        assertEquals(List.of(new Lost("insert-insert", Map.of("k", "k", "v", "one"), one.stamp, two.stamp)),
                Replica.after(two, one).losses());
        Write base = insert(10, 1, "v", "v0");
        assertEquals(row("v", "from 7"), converged(base, update(60, 7, "v", "from 7"), update(60, 3, "v", "from 3")));
        assertEquals(row("v", "delete loses"),
                converged(base, delete(60, 2), insert(60, 5, "v", "delete loses")));
    }

    @Test
    void aMessageAppliedTwiceChangesNothingAndLosesNothing() throws SQLException {
        Write insert = insert(10, 1, "v", "v0");
        Write update = update(20, 2, "v", "v2");
        Write delete = delete(30, 3);
        Replica r = Replica.after(insert, update, insert, update);
        assertEquals(row("v", "v2"), r.row);
        assertEquals(List.of(), r.losses());
        r.apply(delete);
        r.apply(delete);
        assertNull(r.row);
        assertEquals(List.of(), r.losses());
    }

    @Test
    void ownWritesNeverConflictWithEachOther() throws SQLException {
        Write insert = insert(10, 1, "v", "v0");
        assertEquals(List.of(), Replica.after(insert, update(30, 1, "v", "late"), update(20, 1, "v", "early")).losses());
        assertEquals(List.of(), Replica.after(insert(30, 1, "v", "late"), insert).losses());
    }

    /** Applies {@code writes} in every order on a fresh node, asserts that all end with one row, and returns it. */
    private static Map<String, Object> converged(Write... writes) throws SQLException {
        List<List<Write>> orders = permutations(List.of(writes));
        Map<String, Object> first = Replica.after(orders.get(0).toArray(Write[]::new)).row;
        for (List<Write> order : orders) {
            assertEquals(first, Replica.after(order.toArray(Write[]::new)).row, "applied in the order " + order);
        }
        return first;
    }

    private static List<List<Write>> permutations(List<Write> writes) {
        if (writes.size() <= 1) {
            return List.of(writes);
        }
        List<List<Write>> all = new ArrayList<>();
        for (int i = 0; i < writes.size(); i++) {
            List<Write> rest = new ArrayList<>(writes);
            Write head = rest.remove(i);
            for (List<Write> tail : permutations(rest)) {
                List<Write> order = new ArrayList<>();
                order.add(head);
                order.addAll(tail);
                all.add(order);
            }
        }
        return all;
    }

    /** One node's view of the row: what last-writer-wins remembers and the user's table holds, and what lost. */
    private static final class Replica implements RowMerge.CurrentRow {
        private RowState state = RowState.UNSEEN;
        private Map<String, Object> row;
        private final List<RowMerge.Lost> lost = new ArrayList<>();

        static Replica after(Write... writes) throws SQLException {
            Replica r = new Replica();
            for (Write w : writes) {
                r.apply(w);
            }
            return r;
        }

        RowMerge.Outcome apply(Write w) throws SQLException {
            RowMerge.Outcome o = switch (w.op) {
                case INSERT -> RowMerge.insert(state, w.stamp, w.values, this);
                case UPDATE -> RowMerge.update(state, w.stamp, w.values, row != null);
                case DELETE -> RowMerge.delete(state, w.stamp, this);
            };
            state = o.next();
            lost.addAll(o.lost());
            switch (o.action()) {
                case UPSERT -> row = new LinkedHashMap<>(o.write());
                case UPDATE -> row.putAll(o.write());
                case DELETE -> row = null;
                case NOTHING -> { }
            }
            return o;
        }

        @Override
        public Map<String, Object> read(List<String> columns) {
            if (row == null) {
                return null;
            }
            Map<String, Object> values = new LinkedHashMap<>();
            columns.forEach(c -> values.put(c, row.get(c)));
            return values;
        }

        List<Lost> losses() {
            return lost.stream().map(l -> new Lost(l.kind().label, l.values(), l.lost(), l.won())).toList();
        }
    }

    /** A conflict as {@code __marmot_conflicts} records it: kind, the losing values, the losing and winning stamps. */
    private record Lost(String kind, Map<String, Object> values, Stamp lost, Stamp won) {
        Lost {
            values = Map.copyOf(values); // compared by content, whatever map the rule built
        }
    }

    private enum Op { INSERT, UPDATE, DELETE }

    private record Write(Op op, Stamp stamp, Map<String, Object> values) {
        @Override
        public String toString() {
            return op + "@" + stamp.version() + "/" + stamp.node();
        }
    }

    /** An insert of the row with key {@code k}: every column given. */
    private static Write insert(long version, long node, Object... columnsAndValues) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("k", "k");
        values.putAll(pairs(columnsAndValues));
        return new Write(Op.INSERT, new Stamp(version, node), values);
    }

    private static Write update(long version, long node, Object... columnsAndValues) {
        return new Write(Op.UPDATE, new Stamp(version, node), pairs(columnsAndValues));
    }

    private static Write delete(long version, long node) {
        return new Write(Op.DELETE, new Stamp(version, node), Map.of());
    }

    /** The row as the table holds it: its key and these columns. */
    private static Map<String, Object> row(Object... columnsAndValues) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("k", "k");
        values.putAll(pairs(columnsAndValues));
        return values;
    }

    private static Map<String, Object> pairs(Object... columnsAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < columnsAndValues.length; i += 2) {
            m.put((String) columnsAndValues[i], columnsAndValues[i + 1]);
        }
        return m;
    }
}
