package io.marmot.capture;

import static io.marmot.schema.Identifiers.literal;
import static io.marmot.schema.Identifiers.quote;

import io.marmot.clock.Hlc;
import io.marmot.schema.Identifiers;
import io.marmot.schema.TableInfo;
import io.marmot.wire.RowChange;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The four capture triggers of a table (insert, update, update of the key, delete), as the exact SQL SQLite keeps in {@code sqlite_master}, so an
 * installed trigger can be compared with the wanted one and re-created only when it differs.
 */
final class TriggerBuilder {
    private TriggerBuilder() {
    }

    /** Trigger name to CREATE statement. */
    static Map<String, String> triggers(TableInfo t) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(name("insert", t), create("insert", "INSERT", t, "",
                logInsert(t, RowChange.INSERT, "NEW", false, "")));
        // An update names the columns it changed, so peers apply those and keep their own newer writes of the
        // others. A new key is a new row: the old one is deleted and the new one inserted, by a trigger of its own
        // that SQLite runs only for statements that set a key column, so that ordinary updates pay nothing for it.
        String keyChanged = keyChanged(t);
        out.put(name("update", t), create("update", "UPDATE", t, " WHEN NOT (" + keyChanged + ")", logUpdate(t)));
        out.put(name("rekey", t), create("rekey", "UPDATE" + keyColumnsOf(t), t, " WHEN " + keyChanged,
                logInsert(t, RowChange.DELETE, "OLD", true, "") + logInsert(t, RowChange.INSERT, "NEW", false, "")));
        out.put(name("delete", t), create("delete", "DELETE", t, "",
                logInsert(t, RowChange.DELETE, "OLD", true, "")));
        return out;
    }

    static String name(String event, TableInfo t) {
        return Identifiers.INTERNAL_PREFIX + event + "_" + t.name();
    }

    private static String create(String kind, String event, TableInfo t, String when, String body) {
        return "CREATE TRIGGER " + quote(name(kind, t)) + " AFTER " + event + " ON " + quote(t.name()) + when + " BEGIN\n"
                + body + "END";
    }

    /** {@code " OF k1, k2"}: the key columns, so the trigger runs only when an UPDATE sets one; "" for the rowid. */
    private static String keyColumnsOf(TableInfo t) {
        if (t.usesRowid()) {
            return ""; // the rowid is not a column an UPDATE OF may name
        }
        return " OF " + String.join(", ", t.keyColumns().stream().map(Identifiers::quote).toList());
    }

    /**
     * One log row, unless the applier is writing (its {@code applying} flag, visible only inside its own
     * transaction); for a delete only the key (or rowid) is kept.
     */
    private static String logInsert(TableInfo t, int op, String row, boolean keyOnly, String andWhere) {
        return "  " + logInsertSql(t, op, row, keyOnly, ChangeLog.STATE + " s") + " WHERE s.applying = 0" + andWhere
                + ";\n";
    }

    /** The new row as an update with the mask of the columns it changed. */
    private static String logUpdate(TableInfo t) {
        return "  " + logInsertSql(t, Integer.toString(RowChange.UPDATE), changedMask(t), "NEW", false,
                ChangeLog.STATE + " s") + " WHERE s.applying = 0;\n";
    }

    /**
     * {@code INSERT INTO __marmot_log ... SELECT ... FROM <from>}: the values of {@code row} (NEW, OLD, or a
     * table alias), stamped with the clock and the open group of {@code s}, the state row.
     */
    static String logInsertSql(TableInfo t, int op, String row, boolean keyOnly, String from) {
        return logInsertSql(t, Integer.toString(op), op == RowChange.UPDATE ? changedMask(t) : null, row, keyOnly, from);
    }

    /** As above, with the operation and the mask as SQL expressions (mask null: none). */
    private static String logInsertSql(TableInfo t, String op, String mask, String row, boolean keyOnly, String from) {
        StringBuilder cols = new StringBuilder("hlc, tx, tbl, op, cols, rid");
        StringBuilder vals = new StringBuilder(Hlc.triggerReading("s") + ", s.tx, " + literal(t.name()) + ", " + op + ", "
                + t.columns().size());
        vals.append(", ").append(t.usesRowid() ? row + "." + t.rowidAlias() : "NULL");
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
            vals.append(", ").append(row).append('.').append(quote(col.name()));
        }
        return "INSERT INTO " + ChangeLog.LOG + " (" + cols + ") SELECT " + vals + " FROM " + from;
    }

    /**
     * Bit i set when column i changed; columns from {@value ChangeLog#MASK_SHARED_BIT} on share that bit (the
     * mask stays a positive 64-bit integer).
     */
    private static String changedMask(TableInfo t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < t.columns().size(); i++) {
            TableInfo.Column col = t.columns().get(i);
            if (col.key() && !t.usesRowid()) {
                continue;
            }
            // A CASE per column costs SQLite fewer steps than shifting the comparison's result (-3 % per update)
            String c = quote(col.name());
            sb.append(sb.length() == 0 ? "" : " | ").append("(CASE WHEN OLD.").append(c).append(" IS NEW.").append(c)
                    .append(" THEN 0 ELSE ").append(1L << Math.min(i, ChangeLog.MASK_SHARED_BIT)).append(" END)");
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }

    private static String keyChanged(TableInfo t) {
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
