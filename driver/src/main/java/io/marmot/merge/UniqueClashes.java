package io.marmot.merge;

import io.marmot.clock.RowKey;
import io.marmot.clock.RowMerge;
import io.marmot.clock.RowState;
import io.marmot.clock.RowVersions;
import io.marmot.clock.Stamp;
import io.marmot.wire.RowChange;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Settles a {@link UniqueClash}: two rows of one table want the same value of a {@code UNIQUE} column other than the
 * key. Decided by the versions of the clashing columns alone, so every node keeps the same row whichever of the two
 * it saw first; the other is removed and kept in the {@link ConflictRecord}.
 */
final class UniqueClashes {
    private final RowVersions versions;
    private final ConflictRecord conflicts;

    UniqueClashes(RowVersions versions, ConflictRecord conflicts) {
        this.versions = versions;
        this.conflicts = conflicts;
    }

    /**
     * Two rows want one unique value: the row whose write of the clashing columns is newer keeps it, the other row
     * is removed (as a delete stamped with the winner's version) and goes to the conflict record. Every node decides
     * the same, whichever of the two it saw first. True when the incoming change won and should be tried again.
     */
    boolean settle(TableWriter t, RowChange ch, Stamp s, UniqueClash clash, SQLException cause)
            throws SQLException {
        Object[] key = ch.key();
        Map<String, Object> wanted = new LinkedHashMap<>();
        Map<String, Object> incoming = ch.op() == RowChange.INSERT ? t.valuesByName(ch) : t.changedByName(ch);
        Map<String, Object> current = ch.op() == RowChange.INSERT ? null : t.read(key, clash.columns());
        for (String column : clash.columns()) {
            wanted.put(column, incoming.containsKey(column) ? incoming.get(column)
                    : current == null ? null : current.get(column));
        }
        Object[] holder = t.holderOf(wanted, key);
        if (holder == null) {
            throw cause; // no row of this table holds the value: not a clash this rule can settle
        }
        byte[] holderKey = RowKey.of(holder);
        RowState holderState = versions.load(t.table, holderKey);
        Stamp held = Stamp.NONE;
        for (String column : clash.columns()) {
            held = Stamp.newest(held, holderState.stampOf(column));
        }
        if (s.newerThan(held)) {
            removeRow(t, holder, holderKey, holderState, s, held);
            return true;
        }
        if (ch.op() == RowChange.INSERT) {
            byte[] keyBytes = RowKey.of(key);
            RowState state = versions.load(t.table, keyBytes);
            RowMerge.Outcome o = RowMerge.delete(state, held, cols -> null);
            versions.store(t.table, keyBytes, o.next());
            conflicts.record(t.table, key, new RowMerge.Lost(RowMerge.Kind.UNIQUE, incoming, s, held));
        } else {
            removeRow(t, key, RowKey.of(key), versions.load(t.table, RowKey.of(key)), held, s);
        }
        return false;
    }

    /** Removes a row that lost a unique value, as a delete stamped {@code winner}, keeping its values as a conflict. */
    private void removeRow(TableWriter t, Object[] key, byte[] keyBytes, RowState state, Stamp winner, Stamp lost)
            throws SQLException {
        Map<String, Object> values = t.read(key, t.columnNames());
        t.deleteKey(key);
        RowMerge.Outcome o = RowMerge.delete(state, winner, cols -> values);
        versions.store(t.table, keyBytes, o.action() == RowMerge.Action.NOTHING ? state.deletedAt() : o.next());
        conflicts.record(t.table, key, new RowMerge.Lost(RowMerge.Kind.UNIQUE, values == null ? Map.of() : values,
                lost, winner));
    }
}
