package io.marmot.capture;

import static io.marmot.schema.Identifiers.literal;
import static io.marmot.schema.Identifiers.quote;

import io.marmot.schema.Identifiers;
import io.marmot.schema.TableInfo;
import io.marmot.wire.RowChange;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The capture triggers of a table (insert, update, update of the key, delete), as the exact SQL SQLite keeps in {@code sqlite_master}, so an
 * installed trigger can be compared with the wanted one and re-created only when it differs.
 */
final class TriggerBuilder {
    private TriggerBuilder() {
    }

    /**
     * Trigger name to CREATE statement.
     *
     * @param readsRows triggers that read the written row back from the table ({@link RowReadingTriggers}) rather than
     *     name its columns
     */
    static Map<String, String> triggers(TableInfo t, boolean readsRows, Set<String> notNull) {
        if (readsRows && RowReadingTriggers.needed(t)) {
            return RowReadingTriggers.triggers(t);
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put(name("insert", t), create("insert", "AFTER INSERT", t, "",
                logInsert(t, RowChange.INSERT, "NEW", false)));
        // An update names the columns it changed, so peers apply those and keep their own newer writes of the
        // others. A new key is a new row: the old one is deleted and the new one inserted, by a trigger of its own
        // that SQLite runs only for statements that set a key column, so that ordinary updates pay nothing for it:
        // the update trigger has no WHEN (3 of an update's steps), and the key change takes back the update row it
        // logged. SQLite runs the triggers of one event newest first, so "rekey" is created before "update" (the
        // installer re-creates a table's triggers together, in this order); were the order ever the other way, the
        // update row would stay and follow the new key's insert, redundant but harmless. A table keyed by its rowid
        // keeps the WHEN (the rowid is no column UPDATE OF can name).
        String keyKept = t.usesRowid() ? keyUnchanged(t) : "";
        String takeBack = t.usesRowid() ? "" : "  " + takeBackUpdate(t) + ";\n";
        out.put(name("rekey", t), create("rekey", "AFTER UPDATE" + keyColumnsOf(t), t, " WHEN " + keyChanged(t),
                takeBack + logInsert(t, RowChange.DELETE, "OLD", true) + logInsert(t, RowChange.INSERT, "NEW", false)));
        out.put(name("update", t), create("update", "AFTER UPDATE", t, keyKept, "  " + logUpdateSql(t, notNull) + ";\n"));
        out.put(name("delete", t), create("delete", "AFTER DELETE", t, "", logInsert(t, RowChange.DELETE, "OLD", true)));
        return out;
    }

    /** Deletes the update row the update trigger just logged for the row under its new key (the log's last row). */
    static String takeBackUpdate(TableInfo t) {
        StringBuilder sb = new StringBuilder("DELETE FROM " + ChangeLog.LOG + " WHERE seq = (SELECT max(seq) FROM "
                + ChangeLog.LOG + ") AND op & " + ChangeLog.OP_KIND + " = " + RowChange.UPDATE + " AND tbl = " + literal(t.name()));
        for (String k : t.keyColumns()) {
            sb.append(" AND c").append(t.columnIndex(k)).append(" IS NEW.").append(quote(k));
        }
        return sb.toString();
    }

    static String name(String event, TableInfo t) {
        return Identifiers.INTERNAL_PREFIX + event + "_" + t.name();
    }

    static String create(String kind, String event, TableInfo t, String when, String body) {
        return "CREATE TRIGGER " + quote(name(kind, t)) + " " + event + " ON " + quote(t.name()) + when + " BEGIN\n"
                + body + "END";
    }

    /** {@code " OF k1, k2"}: the key columns, so the trigger runs only when an UPDATE sets one; "" for the rowid. */
    static String keyColumnsOf(TableInfo t) {
        if (t.usesRowid()) {
            return ""; // the rowid is not a column an UPDATE OF may name
        }
        return " OF " + String.join(", ", t.keyColumns().stream().map(Identifiers::quote).toList());
    }

    /**
     * One log row, the row's values and nothing else: no clock, no group (the marker ending the group stamps it, see
     * {@link ChangeLog}); for a delete only the key (or rowid) is kept.
     */
    static String logInsert(TableInfo t, int op, String row, boolean keyOnly) {
        return "  " + logInsertSql(t, op, row, keyOnly, null) + ";\n";
    }

    /**
     * {@code INSERT INTO __marmot_log ... VALUES (...)}, or {@code ... SELECT ... FROM <from>} when {@code from} is
     * given: the values of {@code row} (NEW, OLD, or a table alias of {@code from}).
     */
    static String logInsertSql(TableInfo t, int op, String row, boolean keyOnly, String from) {
        return logInsertSql(t, opCode(t, op, 0),
                op == RowChange.UPDATE ? changedMask(t, i -> "OLD." + column(t, i), i -> "NEW." + column(t, i)) : null,
                row, i -> row + "." + column(t, i), keyOnly, from);
    }

    /**
     * An update's log row. A NOT NULL column (below {@value ChangeLog#SPARSE_LIMIT}) is logged as
     * {@code nullif(NEW.c, OLD.c)}: its value when it changed, NULL when not, which tells the change without a mask
     * bit (four VM steps: the two values, a collation and the call, where its value, a {@code CASE} and its share of
     * the mask were five to seven). The
     * nullable ones keep their mask bit. {@code op} carries the set of such columns (see
     * {@link ChangeLog#SPARSE_SHIFT}), so the log row says how to read itself whatever the schema becomes.
     */
    static String logUpdateSql(TableInfo t, Set<String> notNull) {
        long sparse = 0;
        for (int i = 0; i < Math.min(t.columns().size(), ChangeLog.SPARSE_LIMIT); i++) {
            TableInfo.Column col = t.columns().get(i);
            if (!col.key() && notNull.contains(col.name().toLowerCase(Locale.ROOT))) {
                sparse |= 1L << i;
            }
        }
        long bits = sparse;
        return logInsertSql(t, opCode(t, RowChange.UPDATE, sparse),
                changedMask(t, i -> (bits & 1L << i) != 0, i -> "OLD." + column(t, i), i -> "NEW." + column(t, i)),
                "NEW", i -> (bits & 1L << i) != 0 ? "nullif(NEW." + column(t, i) + ", OLD." + column(t, i) + ")"
                        : "NEW." + column(t, i), false, null);
    }

    /**
     * The log's {@code op} of a row of {@code t}: the operation, the column count and, for an update, the columns
     * logged as NULL when unchanged, in one constant (each constant a trigger writes is a VM step per row).
     */
    static String opCode(TableInfo t, int op, long sparse) {
        return Long.toString(op | (long) t.columns().size() << ChangeLog.COUNT_SHIFT | sparse << ChangeLog.SPARSE_SHIFT);
    }

    /**
     * As above, with the {@code op} code (see {@link #opCode}) and the mask as SQL expressions (mask null: none), the
     * value of column i as {@code value.apply(i)}, and the rowid (for a table keyed by it) read from {@code rowidRow}.
     */
    static String logInsertSql(TableInfo t, String op, String mask, String rowidRow, IntFunction<String> value,
            boolean keyOnly, String from) {
        StringBuilder cols = new StringBuilder("tbl, op");
        StringBuilder vals = new StringBuilder(literal(t.name()) + ", " + op);
        if (mask != null) {
            cols.append(", mask");
            vals.append(", ").append(mask);
        }
        for (int i = 0; i < t.columns().size(); i++) {
            TableInfo.Column col = t.columns().get(i);
            if (keyOnly && !col.key()) {
                continue;
            }
            cols.append(", c").append(i);
            vals.append(", ").append(value.apply(i));
        }
        if (t.usesRowid()) { // after the row's values (a column of its own cost every logged row a step)
            cols.append(", c").append(t.columns().size());
            vals.append(", ").append(rowidRow).append(".").append(t.rowidAlias());
        }
        return "INSERT INTO " + ChangeLog.LOG + " (" + cols + ") " + (from == null ? "VALUES (" + vals + ")"
                : "SELECT " + vals + " FROM " + from);
    }

    static String column(TableInfo t, int i) {
        return quote(t.columns().get(i).name());
    }

    /**
     * Bit i set when column i changed ({@code before.apply(i)} is not {@code after.apply(i)}); key columns have no
     * bit (a new key is a delete and an insert); columns from {@value ChangeLog#MASK_SHARED_BIT} on share that bit
     * (the mask stays a positive 64-bit integer).
     */
    static String changedMask(TableInfo t, IntFunction<String> before, IntFunction<String> after) {
        return changedMask(t, i -> false, before, after);
    }

    /** As above, leaving out the columns {@code sparse} names (logged as NULL when unchanged). */
    static String changedMask(TableInfo t, java.util.function.IntPredicate sparse, IntFunction<String> before,
            IntFunction<String> after) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < t.columns().size(); i++) {
            if (t.columns().get(i).key() || sparse.test(i)) {
                continue;
            }
            // A CASE per column costs SQLite fewer steps than shifting the comparison's result (-3 % per update);
            // IS NOT jumps past the THEN when the column is unchanged, as most columns of an update are (one step
            // fewer than IS, whose THEN then ends with a jump).
            sb.append(sb.length() == 0 ? "" : " | ").append("(CASE WHEN ").append(before.apply(i)).append(" IS NOT ")
                    .append(after.apply(i)).append(" THEN ").append(1L << Math.min(i, ChangeLog.MASK_SHARED_BIT))
                    .append(" ELSE 0 END)");
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }

    static String keyUnchanged(TableInfo t) {
        return " WHEN NOT (" + keyChanged(t) + ")";
    }

    static String keyChanged(TableInfo t) {
        if (t.usesRowid()) {
            return "OLD." + t.rowidAlias() + " IS NOT NEW." + t.rowidAlias();
        }
        StringBuilder sb = new StringBuilder();
        for (String k : t.keyColumns()) {
            if (sb.length() > 0) {
                sb.append(" OR ");
            }
            sb.append("OLD.").append(quote(k)).append(" IS NOT NEW.").append(quote(k));
        }
        return sb.toString();
    }
}
