package io.marmot.schema;

import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.alter.Alter;

/**
 * Recognises the statements after which capture must be re-installed and the schema change recorded for the peers
 * in the same transaction: {@code CREATE TABLE} (the new table is captured at once), {@code ALTER TABLE} (whose
 * triggers name the old columns), and the other schema statements that replicate. A
 * keyword scan decides cheaply on every statement; JSqlParser reads the table name of an ALTER.
 *
 * @param table the altered table, or null when it could not be read (then every table is handled)
 */
public record Ddl(Kind kind, String table) {
    public enum Kind {
        CREATE_TABLE,
        ALTER_TABLE,
        /** CREATE INDEX/VIEW/TRIGGER, DROP TABLE/INDEX/VIEW/TRIGGER: recorded for the peers in the same transaction. */
        OTHER
    }

    private static final Set<String> OTHER_OBJECTS = Set.of("INDEX", "VIEW", "TRIGGER");

    /** The DDL this statement is, or null for anything else (the common case, decided in a few char reads). */
    public static Ddl recognise(String sql) {
        if (sql == null) {
            return null;
        }
        try {
            SqlTokens words = new SqlTokens(sql);
            SqlTokens.Token first = words.next();
            if (first == null) {
                return null;
            }
            if (first.is("CREATE")) {
                SqlTokens.Token second = words.next();
                if (second != null && second.is("UNIQUE")) {
                    second = words.next();
                }
                return second == null || !second.word() ? null : second.is("TABLE") ? new Ddl(Kind.CREATE_TABLE, null)
                        : OTHER_OBJECTS.contains(second.text().toUpperCase(Locale.ROOT)) ? new Ddl(Kind.OTHER, null) : null;
            }
            if (first.is("DROP")) {
                SqlTokens.Token second = words.next();
                return second != null && second.word() && (second.is("TABLE")
                        || OTHER_OBJECTS.contains(second.text().toUpperCase(Locale.ROOT))) ? new Ddl(Kind.OTHER, null) : null;
            }
            if (first.is("ALTER")) {
                SqlTokens.Token second = words.next();
                return second != null && second.is("TABLE") ? new Ddl(Kind.ALTER_TABLE, alteredTable(sql)) : null;
            }
            return null;
        } catch (IllegalArgumentException unterminated) {
            return null; // not a statement SQLite runs either: it says so itself
        }
    }

    private static String alteredTable(String sql) {
        try {
            if (CCJSqlParserUtil.parse(sql) instanceof Alter alter) {
                return unquote(alter.getTable().getName());
            }
        } catch (JSQLParserException | RuntimeException e) {
            // SQLite syntax JSqlParser does not know: the caller handles every table instead.
        }
        return null;
    }

    static String unquote(String name) {
        if (name.length() >= 2) {
            char open = name.charAt(0);
            char close = name.charAt(name.length() - 1);
            if ((open == '"' && close == '"') || (open == '`' && close == '`')) {
                String q = String.valueOf(open);
                return name.substring(1, name.length() - 1).replace(q + q, q);
            }
            if (open == '[' && close == ']') {
                return name.substring(1, name.length() - 1);
            }
        }
        return name;
    }
}
