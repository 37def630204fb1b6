package io.marmot.snapshot;

import io.marmot.clock.ColumnClaim;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import java.sql.ResultSet;
import java.sql.SQLException;

/** A snapshot copy's rows and row versions as the changes that made them (for {@link SnapshotMerge}). */
final class CopiedRows {
    private CopiedRows() {
    }

    /**
     * A column claim as the update that made it: the claim's value when it is latent (kept aside), else the row's;
     * {@code row} holds the key (and, for a visible claim, the column's value). Null for a column the table here does
     * not have, or a key column: the claim holds nothing to merge.
     */
    static RowChange claimUpdate(TableShape shape, Object rowid, Object[] row, ColumnClaim claim) {
        int column = columnIndex(shape, claim.column());
        if (column < 0 || shape.isKey(column)) {
            return null;
        }
        Object[] only = new Object[row.length];
        only[column] = claim.latent() ? claim.value() : row[column];
        for (int k : shape.keyIndexes()) {
            only[k] = row[k];
        }
        return new RowChange(claim.stamp().version(), shape, RowChange.UPDATE, rowid, only, new int[] {column});
    }

    /** A column's value as a change carries it (an INTEGER as a Long). */
    static Object value(ResultSet rs, int column) throws SQLException {
        Object v = rs.getObject(column);
        return v instanceof Integer i ? Long.valueOf(i) : v;
    }

    private static int columnIndex(TableShape shape, String column) {
        for (int i = 0; i < shape.columns().size(); i++) {
            if (shape.columns().get(i).equalsIgnoreCase(column)) {
                return i;
            }
        }
        return -1;
    }
}
