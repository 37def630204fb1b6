package io.marmot.schema;

import java.util.ArrayList;
import java.util.List;

/**
 * The lexical pieces of an SQLite statement, read one at a time on demand: words, quoted names (their text unquoted),
 * string literals, numbers and single punctuation characters, skipping blanks and comments. What both the quick
 * recognition of schema statements ({@link Ddl}) and the check of a peer's schema statement ({@link DdlStatement})
 * read.
 */
final class SqlTokens {
    enum Type { WORD, QUOTED, STRING, NUMBER, PUNCTUATION }

    /** One piece: for quoted names and strings the text without quotes (doubled quotes made single). */
    record Token(String text, Type type) {
        boolean word() {
            return type == Type.WORD;
        }

        boolean quoted() {
            return type == Type.QUOTED;
        }

        boolean literal() {
            return type == Type.STRING;
        }

        /** Whether this is the keyword (an unquoted word, any case) or the punctuation character {@code text}. */
        boolean is(String keyword) {
            return (type == Type.WORD || type == Type.PUNCTUATION) && text.equalsIgnoreCase(keyword);
        }
    }

    private final String s;
    private int i;

    SqlTokens(String sql) {
        this.s = sql;
    }

    /** Every token of {@code sql}. */
    static List<Token> all(String sql) {
        List<Token> out = new ArrayList<>();
        SqlTokens tokens = new SqlTokens(sql);
        for (Token t = tokens.next(); t != null; t = tokens.next()) {
            out.add(t);
        }
        return out;
    }

    /**
     * The next token, or null at the end.
     *
     * @throws IllegalArgumentException at a quote that is never closed
     */
    Token next() {
        skipBlanksAndComments();
        if (i >= s.length()) {
            return null;
        }
        char c = s.charAt(i);
        if (c == '\'' || c == '"' || c == '`' || c == '[') {
            return quoted(c);
        }
        int start = i;
        if (Character.isLetter(c) || c == '_') {
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == '$')) {
                i++;
            }
            return new Token(s.substring(start, i), Type.WORD);
        }
        if (Character.isDigit(c)) {
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            return new Token(s.substring(start, i), Type.NUMBER);
        }
        i++;
        return new Token(String.valueOf(c), Type.PUNCTUATION);
    }

    private void skipBlanksAndComments() {
        while (i < s.length()) {
            if (Character.isWhitespace(s.charAt(i))) {
                i++;
            } else if (s.startsWith("--", i)) {
                int end = s.indexOf('\n', i);
                i = end < 0 ? s.length() : end + 1;
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() : end + 2;
            } else {
                return;
            }
        }
    }

    /** A quoted name or string literal; inside {@code [...]} nothing is doubled, in the others the quote is. */
    private Token quoted(char open) {
        char close = open == '[' ? ']' : open;
        StringBuilder text = new StringBuilder();
        int j = i + 1;
        while (true) {
            if (j >= s.length()) {
                throw new IllegalArgumentException("unterminated quote");
            }
            char d = s.charAt(j);
            if (d == close) {
                if (close != ']' && j + 1 < s.length() && s.charAt(j + 1) == close) {
                    text.append(d);
                    j += 2;
                    continue;
                }
                break;
            }
            text.append(d);
            j++;
        }
        i = j + 1;
        return new Token(text.toString(), open == '\'' ? Type.STRING : Type.QUOTED);
    }
}
