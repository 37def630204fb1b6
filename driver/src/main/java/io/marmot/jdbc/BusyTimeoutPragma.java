package io.marmot.jdbc;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code PRAGMA busy_timeout}, read ({@code timeoutMillis} -1) or set.
 *
 * @param timeoutMillis the timeout it sets, or -1 when it only reads
 */
record BusyTimeoutPragma(int timeoutMillis) {
    private static final Pattern PRAGMA = Pattern.compile(
            "\\s*pragma\\s+(?:main\\s*\\.\\s*)?busy_timeout\\s*(?:=\\s*(\\d{1,9})|\\(\\s*(\\d{1,9})\\s*\\))?\\s*;?\\s*",
            Pattern.CASE_INSENSITIVE);

    static BusyTimeoutPragma recognise(String sql) {
        if (sql == null || sql.length() > 100 || !startsWithP(sql)) {
            return null; // every prepare and execute comes here: most SQL is refused without a regex
        }
        Matcher m = PRAGMA.matcher(sql);
        if (!m.matches()) {
            return null;
        }
        String value = m.group(1) != null ? m.group(1) : m.group(2);
        return new BusyTimeoutPragma(value == null ? -1 : Integer.parseInt(value));
    }

    private static boolean startsWithP(String sql) {
        for (int i = 0; i < sql.length(); i++) {
            char ch = sql.charAt(i);
            if (!Character.isWhitespace(ch)) {
                return ch == 'p' || ch == 'P';
            }
        }
        return false;
    }

    boolean sets() {
        return timeoutMillis >= 0;
    }
}
