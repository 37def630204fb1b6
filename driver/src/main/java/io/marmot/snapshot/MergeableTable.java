package io.marmot.snapshot;

import io.marmot.schema.TableInfo;

/**
 * Whether a table of a snapshot can be merged into this database's table of the same name: every column of the copy
 * must exist here (a column only here keeps its default), and both must be keyed alike. Otherwise the rows are not
 * merged and the reason is reported, never dropped in silence.
 */
final class MergeableTable {
    private MergeableTable() {
    }

    /** Why the copy's table cannot be merged into ours (null: it can). */
    static String refusal(TableInfo theirs, TableInfo ours) {
        String table = theirs.name();
        if (ours == null) {
            return "table '" + table + "' is in the snapshot but not in this database: its rows were not merged";
        }
        for (TableInfo.Column c : theirs.columns()) {
            if (ours.columnIndex(c.name()) < 0) {
                return "table '" + table + "' has column '" + c.name() + "' in the snapshot but not here: its rows were"
                        + " not merged";
            }
        }
        if (!sameKey(theirs, ours)) {
            return "table '" + table + "' is keyed by " + keyOf(theirs) + " in the snapshot and by " + keyOf(ours)
                    + " here: its rows were not merged";
        }
        return null;
    }

    private static boolean sameKey(TableInfo a, TableInfo b) {
        if (a.usesRowid() != b.usesRowid() || a.keyColumns().size() != b.keyColumns().size()) {
            return false;
        }
        for (int i = 0; i < a.keyColumns().size(); i++) {
            if (!a.keyColumns().get(i).equalsIgnoreCase(b.keyColumns().get(i))) {
                return false;
            }
        }
        return true;
    }

    private static String keyOf(TableInfo t) {
        return t.usesRowid() ? "rowid" : "primary key " + t.keyColumns();
    }
}
