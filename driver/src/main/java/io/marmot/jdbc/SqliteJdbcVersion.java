package io.marmot.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sqlite-jdbc on the class path against the one marmot is built and tested with. Dependency managers pick
 * their own (Spring Boot 3.5's BOM pins 3.49.1.0): an older one is untested with marmot, so the first connection
 * says so once, with the property that fixes it.
 */
final class SqliteJdbcVersion {
    private static final Logger log = LoggerFactory.getLogger(SqliteJdbcVersion.class);

    private SqliteJdbcVersion() {
    }

    /** Logs the warning, once per class loader (the holder's initialisation runs once). */
    static void checkOnce() {
        Once.run();
    }

    /** The warning when {@code found} is older than {@code built}; empty when it is not, or either is unknown. */
    static Optional<String> warning(String found, String built) {
        if (found == null || built == null || found.isBlank() || built.isBlank() || compare(found, built) >= 0) {
            return Optional.empty();
        }
        return Optional.of("sqlite-jdbc " + found + " is on the class path, older than " + built
                + ", the version marmot is built and tested with; take " + built
                + " (Maven with Spring Boot's BOM: <sqlite-jdbc.version>" + built + "</sqlite-jdbc.version>)");
    }

    /** Compares dotted versions number by number ("3.49.1.0" before "3.54.1.0"); a part that is no number counts 0. */
    static int compare(String a, String b) {
        String[] x = a.trim().split("\\.");
        String[] y = b.trim().split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Long.compare(part(x, i), part(y, i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static long part(String[] parts, int i) {
        if (i >= parts.length) {
            return 0;
        }
        String digits = parts[i].replaceAll("\\D.*", "");
        return digits.isEmpty() ? 0 : Long.parseLong(digits);
    }

    static String built() {
        Properties p = new Properties();
        try (InputStream in = SqliteJdbcVersion.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return null;
        }
        return p.getProperty("sqlite-jdbc.version");
    }

    private static final class Once {
        static {
            warning(org.sqlite.SQLiteJDBCLoader.getVersion(), built()).ifPresent(log::warn);
        }

        static void run() {
            // initialising this class did the work
        }
    }
}
