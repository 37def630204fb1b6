package io.marmot.schema;

import static io.marmot.schema.Identifiers.quote;

import io.marmot.schema.SchemaJournal.Entry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The statements that take a peer's schema from what this node last sent to what its catalogue holds now: pure
 * logic over two catalogue snapshots, so the journal only reads, records and sends.
 */
final class SchemaDifferences {
    private static final Logger log = LoggerFactory.getLogger(SchemaDifferences.class);

    private SchemaDifferences() {
    }

    /** The statements that take a peer from {@code before} to {@code now}, in an order that works. */
    static List<String> between(Map<String, Entry> before, Map<String, Entry> now) {
        List<String> out = new ArrayList<>();
        List<Entry> goneTables = new ArrayList<>();
        List<Entry> newTables = new ArrayList<>();
        for (Entry e : before.values()) {
            if (e.type().equals("table") && !now.containsKey(e.key())) {
                goneTables.add(e);
            }
        }
        for (Entry e : now.values()) {
            if (e.type().equals("table") && !before.containsKey(e.key())) {
                newTables.add(e);
            }
        }
        // A table that vanished while one of the same body appeared was renamed.
        for (Entry gone : new ArrayList<>(goneTables)) {
            for (Entry added : newTables) {
                if (body(gone.sql()).equals(body(added.sql()))) {
                    out.add("ALTER TABLE " + quote(gone.name()) + " RENAME TO " + quote(added.name()));
                    goneTables.remove(gone);
                    newTables.remove(added);
                    break;
                }
            }
        }
        for (Entry added : newTables) {
            out.add(added.sql());
        }
        for (Entry e : now.values()) {
            Entry b = before.get(e.key());
            if (e.type().equals("table") && b != null && !Objects.equals(b.sql(), e.sql())) {
                out.addAll(columnChanges(b, e));
            }
        }
        Set<String> goneTableNames = new HashSet<>();
        goneTables.forEach(g -> goneTableNames.add(g.name().toLowerCase(Locale.ROOT)));
        for (Entry e : before.values()) {
            if (!e.type().equals("table") && !sameSql(e, now.get(e.key()))
                    && !goneTableNames.contains(String.valueOf(e.table()).toLowerCase(Locale.ROOT))) {
                // dropped, or changed (dropped and created again); objects of a dropped table go with it
                out.add("DROP " + e.type().toUpperCase(Locale.ROOT) + " IF EXISTS " + quote(e.name()));
            }
        }
        for (String type : List.of("index", "view", "trigger")) {
            for (Entry e : now.values()) {
                if (e.type().equals(type) && !sameSql(e, before.get(e.key()))) {
                    out.add(e.sql());
                }
            }
        }
        for (Entry gone : goneTables) {
            out.add("DROP TABLE IF EXISTS " + quote(gone.name()));
        }
        return out;
    }

    private static boolean sameSql(Entry a, Entry b) {
        return b != null && Objects.equals(a.sql(), b.sql());
    }

    /** What became of a table's columns: added (with their definitions as written), renamed, dropped. */
    private static List<String> columnChanges(Entry before, Entry now) {
        List<String> out = new ArrayList<>();
        List<String> was = before.columns();
        List<String> is = now.columns();
        String table = quote(now.name());
        if (was.size() == is.size()) {
            int differing = -1;
            for (int i = 0; i < was.size(); i++) {
                if (!was.get(i).equalsIgnoreCase(is.get(i))) {
                    if (differing >= 0) {
                        differing = -2;
                        break;
                    }
                    differing = i;
                }
            }
            if (differing >= 0) {
                out.add("ALTER TABLE " + table + " RENAME COLUMN " + quote(was.get(differing)) + " TO " + quote(is.get(differing)));
                return out;
            }
            if (differing == -1) {
                return out; // same columns: a change SQLite made to the text (a renamed table it references, say)
            }
        }
        if (is.size() > was.size() && lowered(is.subList(0, was.size())).equals(lowered(was))) {
            int added = is.size() - was.size();
            List<String> definitions = addedDefinitions(before.sql(), now.sql());
            if (definitions.size() != added) {
                // The table was rebuilt (another process's create-copy-drop-rename): its text differs beyond the
                // added columns, whose definitions are the last column definitions of the new text.
                definitions = trailingColumns(now.sql(), was.size(), is.size());
            }
            if (definitions.size() == added) {
                for (String d : definitions) {
                    out.add("ALTER TABLE " + table + " ADD COLUMN " + d);
                }
                return out;
            }
        }
        List<String> kept = new ArrayList<>(lowered(was));
        kept.retainAll(lowered(is));
        if (kept.equals(lowered(is))) {
            for (String c : was) {
                if (!lowered(is).contains(c.toLowerCase(Locale.ROOT))) {
                    out.add("ALTER TABLE " + table + " DROP COLUMN " + quote(c));
                }
            }
            return out;
        }
        log.warn("table {} changed in a way that cannot be sent to the other nodes (columns {} became {}): change"
                + " their schema the same way", now.name(), was, is);
        return out;
    }

    /** Column definitions {@code from}..{@code to} (exclusive) of a CREATE TABLE text, each led by its name. */
    private static List<String> trailingColumns(String create, int from, int to) {
        int open = create.indexOf('(');
        int close = create.lastIndexOf(')');
        if (open < 0 || close < open) {
            return List.of();
        }
        List<String> parts = splitDefinitions("," + create.substring(open + 1, close));
        return parts.size() < to ? List.of() : parts.subList(from, to);
    }

    /** The column definitions SQLite inserted into the CREATE TABLE text when columns were added. */
    static List<String> addedDefinitions(String before, String now) {
        int prefix = 0;
        while (prefix < before.length() && prefix < now.length() && before.charAt(prefix) == now.charAt(prefix)) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < before.length() - prefix && suffix < now.length() - prefix
                && before.charAt(before.length() - 1 - suffix) == now.charAt(now.length() - 1 - suffix)) {
            suffix++;
        }
        if (prefix + suffix != before.length()) {
            return List.of();
        }
        String inserted = now.substring(prefix, now.length() - suffix).trim();
        return inserted.startsWith(",") ? splitDefinitions(inserted) : List.of();
    }

    /** The comma-separated parts of {@code inserted} after its leading comma, minding parentheses and quotes. */
    private static List<String> splitDefinitions(String inserted) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 1;
        char quote = 0;
        for (int i = 1; i < inserted.length(); i++) {
            char ch = inserted.charAt(i);
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                }
            } else if (ch == '\'' || ch == '"' || ch == '`') {
                quote = ch;
            } else if (ch == '[') {
                quote = ']';
            } else if (ch == '(') {
                depth++;
            } else if (ch == ')') {
                depth--;
            } else if (ch == ',' && depth == 0) {
                parts.add(inserted.substring(start, i).trim());
                start = i + 1;
            }
        }
        parts.add(inserted.substring(start).trim());
        return parts;
    }

    private static List<String> lowered(List<String> names) {
        List<String> out = new ArrayList<>(names.size());
        names.forEach(n -> out.add(n.toLowerCase(Locale.ROOT)));
        return out;
    }

    /** The CREATE TABLE text from its column list on (what a rename leaves alone). */
    private static String body(String sql) {
        int open = sql == null ? -1 : sql.indexOf('(');
        return open < 0 ? String.valueOf(sql) : sql.substring(open);
    }
}
