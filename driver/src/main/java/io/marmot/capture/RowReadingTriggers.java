package io.marmot.capture;

import static io.marmot.capture.TriggerBuilder.column;
import static io.marmot.capture.TriggerBuilder.create;
import static io.marmot.capture.TriggerBuilder.keyChanged;
import static io.marmot.capture.TriggerBuilder.keyColumnsOf;
import static io.marmot.capture.TriggerBuilder.keyUnchanged;
import static io.marmot.capture.TriggerBuilder.logInsert;
import static io.marmot.capture.TriggerBuilder.logInsertSql;
import static io.marmot.capture.TriggerBuilder.name;
import static io.marmot.schema.Identifiers.quote;

import io.marmot.schema.Identifiers;
import io.marmot.schema.TableInfo;
import io.marmot.wire.RowChange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Capture triggers that name no column a program could drop ({@code shell-drop-column=true}). SQLite checks every
 * trigger after {@code ALTER TABLE ... DROP COLUMN} and refuses the drop when one names the column, as the ordinary
 * triggers' {@code NEW.c} does; these read the written row back from the table instead, through
 * {@code t NATURAL LEFT JOIN <pad>}: the pad is an empty table with the columns {@code t} had when capture was
 * installed, so a column dropped since resolves to the pad's (NULL) and the trigger still compiles, before and after
 * the drop, until capture is re-installed. SQLite leaves the pad out of the join while every column is there.
 *
 * <p>Only key columns, which SQLite never lets a program drop, are named through NEW and OLD. An update's old
 * values (for the mask of the columns it changed) are read by a BEFORE trigger into a stash row, which the AFTER
 * trigger compares, logs and deletes; that second read and the stash are why updates cost more this way.
 */
final class RowReadingTriggers {
    private RowReadingTriggers() {
    }

    static String pad(TableInfo t) {
        return Identifiers.INTERNAL_PREFIX + "pad_" + t.name();
    }

    static String stash(TableInfo t) {
        return Identifiers.INTERNAL_PREFIX + "stash_" + t.name();
    }

    /** Whether {@code table} is a pad or a stash (to be dropped when its table is no longer captured this way). */
    static boolean isOwnTable(String table) {
        return table.startsWith(Identifiers.INTERNAL_PREFIX + "pad_") || table.startsWith(Identifiers.INTERNAL_PREFIX + "stash_");
    }

    /** Whether the table has a column a program may drop (one outside the key); if not, naming columns is safe. */
    static boolean needed(TableInfo t) {
        return t.columns().stream().anyMatch(c -> !c.key());
    }

    /** The pad and the stash: table name to CREATE statement, as SQLite keeps it. */
    static Map<String, String> tables(TableInfo t) {
        List<String> padColumns = new ArrayList<>();
        for (TableInfo.Column c : t.columns()) {
            padColumns.add((quote(c.name()) + " " + c.declaredType()).trim());
        }
        // The pad's key makes its join a lookup (SQLite drops it altogether while every column is present).
        String padKey = t.usesRowid() ? quote(t.columns().get(0).name())
                : String.join(", ", t.keyColumns().stream().map(Identifiers::quote).toList());
        List<String> stashColumns = new ArrayList<>();
        List<String> stashKey = new ArrayList<>();
        if (t.usesRowid()) {
            stashColumns.add("k0 INTEGER");
            stashKey.add("k0");
        } else {
            for (int k = 0; k < t.keyColumns().size(); k++) {
                TableInfo.Column kc = t.columns().get(t.columnIndex(t.keyColumns().get(k)));
                stashColumns.add(("k" + k + " " + kc.declaredType()).trim());
                stashKey.add("k" + k);
            }
        }
        for (int i = 0; i < t.columns().size(); i++) {
            if (!t.columns().get(i).key()) {
                stashColumns.add("v" + i);
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put(pad(t), "CREATE TABLE " + quote(pad(t)) + " (" + String.join(", ", padColumns) + ", PRIMARY KEY ("
                + padKey + "))");
        out.put(stash(t), "CREATE TABLE " + quote(stash(t)) + " (" + String.join(", ", stashColumns) + ", PRIMARY KEY ("
                + String.join(", ", stashKey) + "))");
        return out;
    }

    /** Trigger name to CREATE statement. */
    static Map<String, String> triggers(TableInfo t) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(name("insert", t), create("insert", "AFTER INSERT", t, "", logWritten(t, RowChange.INSERT, "")));
        out.put(name("before", t), create("before", "BEFORE UPDATE", t, keyUnchanged(t), "  INSERT OR REPLACE INTO "
                + quote(stash(t)) + " SELECT " + String.join(", ", stashValues(t)) + " FROM " + rowAs(t, "OLD", "o")
                + ";\n"));
        out.put(name("update", t), create("update", "AFTER UPDATE", t, keyUnchanged(t),
                logWritten(t, RowChange.UPDATE, " LEFT JOIN " + quote(stash(t)) + " AS o ON " + stashKeyIs(t, "o."))
                        + "  DELETE FROM " + quote(stash(t)) + " WHERE " + stashKeyIs(t, "") + ";\n"));
        out.put(name("rekey", t), create("rekey", "AFTER UPDATE" + keyColumnsOf(t), t, " WHEN " + keyChanged(t),
                logInsert(t, RowChange.DELETE, "OLD", true) + logWritten(t, RowChange.INSERT, "")));
        out.put(name("delete", t), create("delete", "AFTER DELETE", t, "", logInsert(t, RowChange.DELETE, "OLD", true)));
        return out;
    }

    /** The log row of the row NEW names, read back from the table ({@code n}); an update's mask compares the stash. */
    private static String logWritten(TableInfo t, int op, String join) {
        String mask = null;
        if (op == RowChange.UPDATE) {
            long all = 0;
            for (int i = 0; i < t.columns().size(); i++) {
                all |= t.columns().get(i).key() ? 0 : 1L << Math.min(i, ChangeLog.MASK_SHARED_BIT);
            }
            // No stash row (a BEFORE trigger of the user's skipped ours): every column counts as changed, which
            // peers apply as a whole-row write rather than lose the update.
            mask = "CASE WHEN o.k0 IS NULL THEN " + all + " ELSE "
                    + TriggerBuilder.changedMask(t, i -> "o.v" + i, i -> "n.x" + i) + " END";
        }
        return "  " + logInsertSql(t, TriggerBuilder.opCode(t, op, 0), mask, "NEW",
                i -> t.columns().get(i).key() ? "NEW." + column(t, i) : "n.x" + i, false,
                rowAs(t, "NEW", "n") + join) + ";\n";
    }

    /**
     * {@code (SELECT "a" AS x1, ... FROM t AS r NATURAL LEFT JOIN pad WHERE <r's key is row's>) AS alias}: the non-key
     * columns of the row {@code row} (NEW or OLD) names, unqualified so that the join can supply a dropped one.
     */
    private static String rowAs(TableInfo t, String row, String alias) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < t.columns().size(); i++) {
            if (!t.columns().get(i).key()) {
                values.add(column(t, i) + " AS x" + i);
            }
        }
        List<String> match = new ArrayList<>();
        if (t.usesRowid()) {
            match.add("r." + t.rowidAlias() + " = " + row + "." + t.rowidAlias());
        } else {
            for (String k : t.keyColumns()) {
                match.add("r." + quote(k) + " = " + row + "." + quote(k));
            }
        }
        return "(SELECT " + String.join(", ", values) + " FROM " + quote(t.name()) + " AS r NATURAL LEFT JOIN "
                + quote(pad(t)) + " WHERE " + String.join(" AND ", match) + ") AS " + alias;
    }

    /** The stash row of an update: OLD's key, then the old values read back ({@code o}). */
    private static List<String> stashValues(TableInfo t) {
        List<String> out = new ArrayList<>();
        if (t.usesRowid()) {
            out.add("OLD." + t.rowidAlias());
        } else {
            for (String k : t.keyColumns()) {
                out.add("OLD." + quote(k));
            }
        }
        for (int i = 0; i < t.columns().size(); i++) {
            if (!t.columns().get(i).key()) {
                out.add("o.x" + i);
            }
        }
        return out;
    }

    /** {@code k0 = NEW.<key 0> AND ...}, the stash's key columns qualified with {@code qualifier}. */
    private static String stashKeyIs(TableInfo t, String qualifier) {
        if (t.usesRowid()) {
            return qualifier + "k0 = NEW." + t.rowidAlias();
        }
        List<String> match = new ArrayList<>();
        for (int k = 0; k < t.keyColumns().size(); k++) {
            match.add(qualifier + "k" + k + " = NEW." + quote(t.keyColumns().get(k)));
        }
        return String.join(" AND ", match);
    }
}
