package io.marmot.clock;

import java.util.List;

/**
 * What last-writer-wins remembers of one row: the stamp of its last insert or delete, whether it is deleted, and the
 * columns written since by newer updates. A row nobody has written is {@link #UNSEEN}: deleted at {@link Stamp#NONE}.
 *
 * @param claims sorted by column name, each newer than {@code row}
 */
public record RowState(Stamp row, boolean deleted, List<ColumnClaim> claims) {
    public static final RowState UNSEEN = new RowState(Stamp.NONE, true, List.of());
    /** The state of most rows: inserted (or updated in full) once, no column written since. */
    public static RowState alive(Stamp row) {
        return new RowState(row, false, List.of());
    }

    public RowState {
        claims = List.copyOf(claims);
    }

    /** The stamp a write to {@code column} must beat: its claim, else the row's. */
    public Stamp stampOf(String column) {
        ColumnClaim c = claim(column);
        return c == null ? row : Stamp.newest(row, c.stamp());
    }

    public ColumnClaim claim(String column) {
        for (ColumnClaim c : claims) {
            if (c.column().equals(column)) {
                return c;
            }
        }
        return null;
    }

    /** The same state, the row deleted (its stamp kept). */
    public RowState deletedAt() {
        return new RowState(row, true, List.of());
    }

    RowState withRow(Stamp s) {
        return new RowState(s, deleted, claims);
    }

    /** Whether a delete was recorded (not merely: nobody wrote the row yet). */
    public boolean tombstone() {
        return deleted && !row.isNone();
    }
}
