package io.marmot.schema;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One schema change as it travels between nodes, checked before anything runs it: only the statement kinds that
 * replicate, a single statement, names that are the user's (never the engine's {@code __marmot_} objects nor
 * SQLite's {@code sqlite_} ones, never another schema or a TEMP object), and none of the words that reach outside
 * the database. A statement that fails the check is refused with the reason; the statement text that passes is
 * run as it is, by a prepared statement (SQLite compiles one statement: nothing after it can run).
 *
 * @param name the object created, altered or dropped (for ALTER TABLE: the table)
 * @param table the table the object belongs to (the table itself for tables; null when the statement does not say,
 *     as in DROP INDEX)
 * @param column the column added, renamed or dropped, else null
 * @param newName the new name of a renamed table or column, else null
 */
public record DdlStatement(Kind kind, String sql, String name, String table, String column, String newName) {
    public enum Kind {
        CREATE_TABLE, ADD_COLUMN, RENAME_COLUMN, RENAME_TABLE, DROP_COLUMN, DROP_TABLE,
        CREATE_INDEX, DROP_INDEX, CREATE_VIEW, DROP_VIEW, CREATE_TRIGGER, DROP_TRIGGER
    }

    private static final Set<String> FORBIDDEN = Set.of("ATTACH", "DETACH", "PRAGMA", "VACUUM", "LOAD_EXTENSION",
            "READFILE", "WRITEFILE", "FTS3_TOKENIZER");

    /** Whether peers apply it only with {@code replicate-drops=true}. */
    public boolean destructive() {
        return kind == Kind.DROP_TABLE || kind == Kind.DROP_COLUMN;
    }

    /**
     * Reads and checks a statement.
     *
     * @throws IllegalArgumentException naming what is wrong, when it is not a schema change that replicates
     */
    public static DdlStatement check(String sql) {
        if (sql == null || sql.isBlank()) {
            throw new IllegalArgumentException("empty statement");
        }
        List<SqlTokens.Token> tokens = SqlTokens.all(sql);
        for (SqlTokens.Token t : tokens) {
            if (t.word() || t.quoted()) {
                String upper = t.text().toUpperCase(Locale.ROOT);
                if (Identifiers.isInternal(t.text()) || upper.startsWith("SQLITE_")) {
                    throw new IllegalArgumentException("names an internal object: " + t.text());
                }
                if (t.word() && FORBIDDEN.contains(upper)) {
                    throw new IllegalArgumentException("uses " + upper + ", which never replicates");
                }
            }
        }
        return new Reader(sql, tokens).statement();
    }

    /** Keyword-led reading of the statement head; the body (columns, SELECT, trigger program) is left to SQLite. */
    private static final class Reader {
        private final String sql;
        private final List<SqlTokens.Token> t;
        private int i;

        Reader(String sql, List<SqlTokens.Token> tokens) {
            this.sql = sql;
            this.t = tokens;
        }

        DdlStatement statement() {
            if (accept("CREATE")) {
                if (peek("TEMP") || peek("TEMPORARY")) {
                    throw new IllegalArgumentException("TEMP objects belong to one connection and never replicate");
                }
                if (peek("VIRTUAL")) {
                    throw new IllegalArgumentException("virtual tables do not replicate");
                }
                accept("UNIQUE");
                if (accept("TABLE")) {
                    ifNotExists();
                    String name = name();
                    if (peek("AS")) {
                        throw new IllegalArgumentException("CREATE TABLE … AS SELECT does not replicate (its rows do)");
                    }
                    expect("(");
                    return new DdlStatement(Kind.CREATE_TABLE, sql, name, name, null, null);
                }
                if (accept("INDEX")) {
                    ifNotExists();
                    String name = name();
                    expect("ON");
                    String table = name();
                    return new DdlStatement(Kind.CREATE_INDEX, sql, name, table, null, null);
                }
                if (accept("VIEW")) {
                    ifNotExists();
                    String name = name();
                    return new DdlStatement(Kind.CREATE_VIEW, sql, name, null, null, null);
                }
                if (accept("TRIGGER")) {
                    ifNotExists();
                    String name = name();
                    while (i < t.size() && !peek("ON")) {
                        i++;
                    }
                    expect("ON");
                    String table = name();
                    return new DdlStatement(Kind.CREATE_TRIGGER, sql, name, table, null, null);
                }
                throw new IllegalArgumentException("not a replicated CREATE statement");
            }
            if (accept("ALTER")) {
                expect("TABLE");
                String table = name();
                if (accept("ADD")) {
                    accept("COLUMN");
                    String column = name();
                    return new DdlStatement(Kind.ADD_COLUMN, sql, table, table, column, null);
                }
                if (accept("RENAME")) {
                    if (accept("TO")) {
                        String to = name();
                        end();
                        return new DdlStatement(Kind.RENAME_TABLE, sql, table, table, null, to);
                    }
                    accept("COLUMN");
                    String column = name();
                    expect("TO");
                    String to = name();
                    end();
                    return new DdlStatement(Kind.RENAME_COLUMN, sql, table, table, column, to);
                }
                if (accept("DROP")) {
                    accept("COLUMN");
                    String column = name();
                    end();
                    return new DdlStatement(Kind.DROP_COLUMN, sql, table, table, column, null);
                }
                throw new IllegalArgumentException("not a replicated ALTER TABLE statement");
            }
            if (accept("DROP")) {
                Kind kind = accept("TABLE") ? Kind.DROP_TABLE : accept("INDEX") ? Kind.DROP_INDEX
                        : accept("VIEW") ? Kind.DROP_VIEW : accept("TRIGGER") ? Kind.DROP_TRIGGER : null;
                if (kind == null) {
                    throw new IllegalArgumentException("not a replicated DROP statement");
                }
                if (accept("IF")) {
                    expect("EXISTS");
                }
                String name = name();
                end();
                return new DdlStatement(kind, sql, name, kind == Kind.DROP_TABLE ? name : null, null, null);
            }
            throw new IllegalArgumentException("not a schema change that replicates");
        }

        private void ifNotExists() {
            if (accept("IF")) {
                expect("NOT");
                expect("EXISTS");
            }
        }

        /** An object name, optionally qualified by {@code main}. */
        private String name() {
            String first = identifier();
            if (accept(".")) {
                if (!first.equalsIgnoreCase("main")) {
                    throw new IllegalArgumentException("names schema " + first + ": only main replicates");
                }
                return identifier();
            }
            return first;
        }

        /** A name: a word, a quoted name, or (as SQLite reads it where a name is expected) a string literal. */
        private String identifier() {
            if (i >= t.size() || !(t.get(i).word() || t.get(i).quoted() || t.get(i).literal())) {
                throw new IllegalArgumentException("a name expected at " + (i < t.size() ? t.get(i).text() : "the end"));
            }
            String name = t.get(i++).text();
            if (Identifiers.isInternal(name) || name.toUpperCase(Locale.ROOT).startsWith("SQLITE_")) {
                throw new IllegalArgumentException("names an internal object: " + name); // (literals pass the first look)
            }
            return name;
        }

        /** Nothing but an optional semicolon may follow. */
        private void end() {
            accept(";");
            if (i < t.size()) {
                throw new IllegalArgumentException("unexpected " + t.get(i).text() + " after the statement");
            }
        }

        private boolean peek(String word) {
            return i < t.size() && t.get(i).is(word);
        }

        private boolean accept(String word) {
            if (peek(word)) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(String word) {
            if (!accept(word)) {
                throw new IllegalArgumentException(word + " expected at " + (i < t.size() ? t.get(i).text() : "the end"));
            }
        }
    }
}
