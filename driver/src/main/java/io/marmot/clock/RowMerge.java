package io.marmot.clock;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Last-writer-wins per column: the whole rule of convergence, as pure decisions on a {@link RowState}.
 *
 * <ul>
 *   <li>An insert or a delete decides the row's life by its stamp against the row's last insert or delete.</li>
 *   <li>An update writes each column it changed whose last write it beats; columns it did not change keep theirs.</li>
 *   <li>A delete removes the row with every column write older than it; newer column writes (an update made
 *       concurrently, on a node that had not seen the delete) stay aside as latent claims and show only if an
 *       older insert revives the row. An update never revives a deleted row by itself.</li>
 * </ul>
 * Every decision depends only on the stamps, never on arrival order, so any order and duplicates give the same
 * row. What a node's write loses to another node's is returned as {@link Lost}, for the conflict record.
 */
public final class RowMerge {
    private RowMerge() {
    }

    public enum Kind {
        UPDATE_UPDATE("update-update"), INSERT_INSERT("insert-insert"), DELETE_UPDATE("delete-update"),
        UNIQUE("unique");

        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** Values written by {@code lost} and overwritten or refused in favour of {@code won} (another node's write). */
    public record Lost(Kind kind, Map<String, Object> values, Stamp lost, Stamp won) {
    }

    /** What to do to the row in the user's table. */
    public enum Action {
        NOTHING, UPSERT, UPDATE, DELETE
    }

    /**
     * @param write for {@link Action#UPSERT} every column's value; for {@link Action#UPDATE} the columns to set
     */
    public record Outcome(RowState next, Action action, Map<String, Object> write, List<Lost> lost) {
    }

    /** The row's values as the user's table holds them now; read only when a decision needs them. */
    @FunctionalInterface
    public interface CurrentRow {
        /** The values of {@code columns}, or null when the table has no such row. */
        Map<String, Object> read(List<String> columns) throws SQLException;
    }

    /** An insert stamped {@code s} carrying every column ({@code values}, key columns included). */
    public static Outcome insert(RowState state, Stamp s, Map<String, Object> values, CurrentRow current)
            throws SQLException {
        List<Lost> lost = new ArrayList<>(0);
        if (!s.newerThan(state.row())) {
            if (!state.deleted() && state.row().node() != s.node() && !state.row().isNone()) {
                lost.add(new Lost(Kind.INSERT_INSERT, values, s, state.row()));
            }
            return new Outcome(state, Action.NOTHING, Map.of(), lost);
        }
        Map<String, Object> write = new LinkedHashMap<>(values);
        List<ColumnClaim> claims = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (ColumnClaim c : state.claims()) {
            if (!c.stamp().newerThan(s)) {
                if (c.latent() && c.stamp().node() != s.node()) {
                    lost.add(new Lost(Kind.UPDATE_UPDATE, single(c.column(), c.value()), c.stamp(), s));
                }
                continue;
            }
            claims.add(ColumnClaim.visible(c.column(), c.stamp()));
            if (c.latent()) {
                write.put(c.column(), c.value());
            } else {
                kept.add(c.column());
            }
        }
        boolean replacesOthers = !state.deleted() && !state.row().isNone() && state.row().node() != s.node();
        if (!kept.isEmpty() || replacesOthers) {
            List<String> wanted = new ArrayList<>(values.keySet());
            for (String k : kept) {
                if (!values.containsKey(k)) {
                    wanted.add(k); // a newer write of a column the insert's shape lacks (added since) stands too
                }
            }
            Map<String, Object> now = current.read(wanted);
            if (now != null) {
                for (String k : kept) {
                    write.put(k, now.get(k));
                }
                if (replacesOthers) {
                    Map<String, Object> overwritten = new LinkedHashMap<>(now);
                    kept.forEach(overwritten::remove);
                    lost.add(new Lost(Kind.INSERT_INSERT, overwritten, state.row(), s));
                }
            }
        }
        return new Outcome(new RowState(s, false, claims), Action.UPSERT, write, lost);
    }

    /**
     * An update stamped {@code s} of the columns in {@code changed}; {@code rowExists}: whether the user's table holds
     * the row (an update of a row it lacks waits aside, latent).
     */
    public static Outcome update(RowState state, Stamp s, Map<String, Object> changed, boolean rowExists) {
        List<Lost> lost = new ArrayList<>(0);
        boolean visible = rowExists && !state.deleted();
        if (!visible && state.tombstone() && !s.newerThan(state.row())) {
            if (state.row().node() != s.node()) {
                lost.add(new Lost(Kind.DELETE_UPDATE, changed, s, state.row()));
            }
            return new Outcome(state, Action.NOTHING, Map.of(), lost);
        }
        Map<String, ColumnClaim> claims = byColumn(state.claims());
        Map<String, Object> write = new LinkedHashMap<>();
        Map<String, Object> refused = new LinkedHashMap<>();
        Stamp refusedFor = null;
        for (Map.Entry<String, Object> e : changed.entrySet()) {
            String column = e.getKey();
            Stamp held = state.stampOf(column);
            if (!s.newerThan(held)) {
                if (held.node() != s.node() && !held.isNone()) {
                    refused.put(column, e.getValue());
                    refusedFor = refusedFor == null ? held : Stamp.newest(refusedFor, held);
                }
                continue;
            }
            claims.put(column, visible ? ColumnClaim.visible(column, s) : ColumnClaim.latent(column, s, e.getValue()));
            write.put(column, e.getValue());
        }
        if (!refused.isEmpty()) {
            lost.add(new Lost(Kind.UPDATE_UPDATE, refused, s, refusedFor));
        }
        if (!visible && state.tombstone() && !write.isEmpty() && state.row().node() != s.node()) {
            lost.add(new Lost(Kind.DELETE_UPDATE, write, s, state.row()));
        }
        RowState next = new RowState(state.row(), !visible, sorted(claims));
        return new Outcome(next, visible && !write.isEmpty() ? Action.UPDATE : Action.NOTHING,
                visible ? write : Map.of(), lost);
    }

    /** A delete stamped {@code s}. */
    public static Outcome delete(RowState state, Stamp s, CurrentRow current) throws SQLException {
        if (!s.newerThan(state.row())) {
            return new Outcome(state, Action.NOTHING, Map.of(), List.of());
        }
        List<Lost> lost = new ArrayList<>(0);
        List<ColumnClaim> newer = new ArrayList<>();
        List<String> toRead = new ArrayList<>();
        for (ColumnClaim c : state.claims()) {
            if (c.stamp().newerThan(s)) {
                newer.add(c);
                if (!c.latent()) {
                    toRead.add(c.column());
                }
            }
        }
        Map<String, Object> now = toRead.isEmpty() || state.deleted() ? null : current.read(toRead);
        List<ColumnClaim> kept = new ArrayList<>(newer.size());
        for (ColumnClaim c : newer) {
            if (c.latent()) {
                kept.add(c);
            } else if (now != null) {
                Object value = now.get(c.column());
                kept.add(ColumnClaim.latent(c.column(), c.stamp(), value));
                if (c.stamp().node() != s.node()) {
                    lost.add(new Lost(Kind.DELETE_UPDATE, single(c.column(), value), c.stamp(), s));
                }
            }
        }
        return new Outcome(new RowState(s, true, kept), state.deleted() ? Action.NOTHING : Action.DELETE, Map.of(),
                lost);
    }

    /** A local update: this node's writes are newer than anything it applied, so the columns simply take the stamp. */
    public static RowState localUpdate(RowState state, Stamp s, List<String> changed) {
        Map<String, ColumnClaim> claims = byColumn(state.deleted() ? List.of() : state.claims());
        for (String column : changed) {
            claims.put(column, ColumnClaim.visible(column, s));
        }
        return new RowState(state.row(), false, sorted(claims));
    }

    private static Map<String, ColumnClaim> byColumn(List<ColumnClaim> claims) {
        Map<String, ColumnClaim> m = new LinkedHashMap<>();
        for (ColumnClaim c : claims) {
            m.put(c.column(), c);
        }
        return m;
    }

    private static List<ColumnClaim> sorted(Map<String, ColumnClaim> claims) {
        List<ColumnClaim> list = new ArrayList<>(claims.values());
        list.sort(Comparator.comparing(ColumnClaim::column));
        return list;
    }

    private static Map<String, Object> single(String column, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(column, value);
        return m;
    }
}
