package io.marmot.jdbc;

import io.marmot.config.ConfigKey;
import io.marmot.config.MarmotConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Properties;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * A {@code jdbc:marmot:sqlite:} URL and its Properties split into what marmot reads and what goes to
 * sqlite-jdbc untouched. Properties win over URL parameters.
 *
 * @param databasePath canonical path of the database file: one engine per path per JVM
 * @param sqliteUrl the URL handed to sqlite-jdbc, marmot's parameters removed
 * @param sqliteProperties a copy of the caller's Properties without marmot's keys
 * @param url the URL as the application gave it, which the connection's metadata reports
 * @param openMode how sqlite-jdbc will open the file (read-only, may create it, busy timeout chosen)
 * @param statementCacheSize compiled statements the connection keeps (see StatementCache); per connection, so not
 *     in the engine's MarmotConfig
 */
public record ConnectionSpec(Path databasePath, String sqliteUrl, Properties sqliteProperties, MarmotConfig config,
        String url, OpenMode openMode, int statementCacheSize) {
    public static final String PREFIX = "jdbc:marmot:sqlite:";
    private static final String SQLITE_PREFIX = "jdbc:sqlite:";

    public static boolean accepts(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    public static ConnectionSpec parse(String url, Properties info) throws SQLException {
        String rest = url.substring(PREFIX.length());
        int q = rest.indexOf('?');
        String location = q < 0 ? rest : rest.substring(0, q);
        Map<ConfigKey, String> ours = new EnumMap<>(ConfigKey.class);
        StringBuilder passOn = new StringBuilder();
        Properties sqlite = new Properties();
        if (q >= 0) {
            for (String pair : rest.substring(q + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                ConfigKey k = ParameterNames.ownKey(key);
                if (k != null) {
                    ours.put(k, value);
                } else {
                    refuseJournalMode(key, value);
                    refuseMemoryMode(location, key, value);
                    if (location.startsWith("file:")) {
                        // SQLite reads a file: URI's own parameters (mode, cache, vfs) and ignores unknown ones.
                        passOn.append(passOn.length() == 0 ? "?" : "&").append(pair);
                    } else {
                        // After a plain path sqlite-jdbc makes a parameter it does not know part of the file
                        // name: the application would write another file than the engine captures. As a
                        // property it means the same to sqlite-jdbc (the caller's Properties still win).
                        sqlite.setProperty(key, value);
                    }
                }
            }
        }
        if (info != null) {
            for (String key : info.stringPropertyNames()) {
                ConfigKey k = ParameterNames.ownKey(key);
                if (k != null) {
                    ours.put(k, info.getProperty(key));
                } else {
                    refuseJournalMode(key, info.getProperty(key));
                    refuseMemoryMode(location, key, info.getProperty(key));
                    sqlite.setProperty(key, info.getProperty(key));
                }
            }
        }
        MarmotConfig config = MarmotConfig.from(ours);
        return new ConnectionSpec(canonical(location), SQLITE_PREFIX + location + passOn, sqlite, config, url,
                OpenMode.of(location, passOn.toString(), sqlite), statementCacheSize(ours));
    }

    /** The validated (MarmotConfig.from) statement-cache-size; more than an int can count means no bound that matters. */
    private static int statementCacheSize(Map<ConfigKey, String> ours) {
        String raw = ours.getOrDefault(ConfigKey.STATEMENT_CACHE_SIZE, ConfigKey.STATEMENT_CACHE_SIZE.defaultValue());
        return (int) Math.min(Integer.MAX_VALUE, Long.parseLong(raw.trim()));
    }

    /**
     * What the application asked of the open, read the way sqlite-jdbc and SQLite will read it.
     *
     * @param readOnly the file must never be written: no WAL switch, no capture, no engine
     * @param mayCreate a missing file is created (else opening it fails)
     * @param busyTimeoutGiven the application chose its own busy timeout
     * @param transactionModeGiven the application chose sqlite-jdbc's {@code transaction_mode} itself; otherwise
     *     transactions take the write lock at their first statement (see MarmotConnection)
     */
    public record OpenMode(boolean readOnly, boolean mayCreate, boolean busyTimeoutGiven, boolean transactionModeGiven) {
        static OpenMode of(String location, String uriQuery, Properties sqlite) {
            Properties all = new Properties();
            Map<String, String> uri = new java.util.HashMap<>();
            if (!uriQuery.isEmpty()) {
                for (String pair : uriQuery.substring(1).split("&")) {
                    int eq = pair.indexOf('=');
                    uri.put(pair.substring(0, Math.max(eq, 0)).toLowerCase(java.util.Locale.ROOT), eq < 0 ? "" : pair.substring(eq + 1));
                }
                // sqlite-jdbc reads its own settings from a file: URI's query as well.
                uri.forEach(all::setProperty);
            }
            all.putAll(sqlite);
            boolean busyTimeoutGiven = all.containsKey(SQLiteConfig.Pragma.BUSY_TIMEOUT.pragmaName);
            boolean transactionModeGiven = all.containsKey(SQLiteConfig.Pragma.TRANSACTION_MODE.pragmaName);
            int flags;
            try {
                flags = new SQLiteConfig(all).getOpenModeFlags(); // (fills in its defaults)
            } catch (RuntimeException e) {
                flags = SQLiteOpenMode.READWRITE.flag | SQLiteOpenMode.CREATE.flag; // sqlite-jdbc reports the bad value itself
            }
            String uriMode = location.startsWith("file:") ? uri.getOrDefault("mode", "rwc") : "rwc";
            boolean readOnly = (flags & SQLiteOpenMode.READONLY.flag) != 0 || uriMode.equalsIgnoreCase("ro")
                    || "1".equals(uri.get("immutable"));
            boolean mayCreate = (flags & SQLiteOpenMode.CREATE.flag) != 0 && uriMode.equalsIgnoreCase("rwc");
            return new OpenMode(readOnly, mayCreate, busyTimeoutGiven, transactionModeGiven);
        }
    }

    private static void refuseJournalMode(String key, String value) throws SQLException {
        if (key.equalsIgnoreCase("journal_mode") && !value.equalsIgnoreCase("WAL")) {
            throw new SQLException("journal_mode=" + value + " is not possible with jdbc:marmot:sqlite: replication needs"
                    + " WAL, which the driver switches on; remove the parameter", "22023");
        }
    }

    private static void refuseMemoryMode(String location, String key, String value) throws SQLException {
        if (key.equalsIgnoreCase("mode") && value.equalsIgnoreCase("memory")) {
            throw new SQLException("jdbc:marmot:sqlite: needs a database file; '" + location + "' with mode=" + value
                    + " is an in-memory database and cannot be replicated", "22023");
        }
    }

    private static Path canonical(String location) throws SQLException {
        String file = location;
        if (file.startsWith("file:")) {
            file = file.substring("file:".length());
            if (file.startsWith("//")) {
                file = file.substring(2);
            }
        }
        if (file.isEmpty() || file.equals(":memory:") || file.contains("mode=memory") || file.startsWith(":resource:")) {
            throw new SQLException("jdbc:marmot:sqlite: needs a database file; '" + location
                    + "' is an in-memory or read-only resource database and cannot be replicated", "22023");
        }
        Path path = Path.of(file).toAbsolutePath().normalize();
        try {
            if (Files.exists(path)) {
                return path.toRealPath();
            }
            Path parent = path.getParent();
            if (parent != null && Files.isDirectory(parent)) {
                return parent.toRealPath().resolve(path.getFileName());
            }
        } catch (java.io.IOException e) {
            throw new SQLException("Cannot resolve database path '" + location + "': " + e.getMessage(), "08001", e);
        }
        return path;
    }
}
