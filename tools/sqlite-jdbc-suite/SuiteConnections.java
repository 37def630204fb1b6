package marmotsuite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What tools/sqlite-jdbc-suite.sh puts in place of {@code DriverManager.getConnection} in sqlite-jdbc's own tests.
 * Both runs see the same database files: in-memory URLs become fresh files (a shared-cache name the same file for
 * every connection naming it), so the comparison isolates the driver. {@code -Dsuite.mode=plain}: plain
 * sqlite-jdbc with {@code journal_mode=WAL} (unless the test asks for another mode itself);
 * {@code -Dsuite.mode=marmot}: the same URL as {@code jdbc:marmot:sqlite:} with {@code -Dsuite.nats} as nats-url.
 */
public final class SuiteConnections {
    private static final String SQLITE = "jdbc:sqlite:";
    private static final AtomicLong FILES = new AtomicLong();
    private static final Map<String, String> SHARED = new ConcurrentHashMap<>();

    private SuiteConnections() {}

    public static Connection getConnection(String url) throws SQLException {
        return getConnection(url, new Properties());
    }

    public static Connection getConnection(String url, String user, String password) throws SQLException {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        return getConnection(url, p);
    }

    public static Connection getConnection(String url, Properties given) throws SQLException {
        if (url == null || !url.startsWith(SQLITE)) {
            return given == null ? DriverManager.getConnection(url) : DriverManager.getConnection(url, given);
        }
        Properties props = new Properties();
        if (given != null) {
            props.putAll(given);
        }
        String rest = onFile(url.substring(SQLITE.length()));
        if ("marmot".equals(System.getProperty("suite.mode"))) {
            String nats = System.getProperty("suite.nats", "");
            if (!nats.isEmpty() && !props.containsKey("nats-url")) {
                props.setProperty("nats-url", nats);
            }
            return DriverManager.getConnection("jdbc:marmot:sqlite:" + rest, props);
        }
        if (!mentionsJournalMode(rest) && !props.containsKey("journal_mode")) {
            props.setProperty("journal_mode", "WAL");
        }
        return DriverManager.getConnection(SQLITE + rest, props);
    }

    private static boolean mentionsJournalMode(String rest) {
        int q = rest.indexOf('?');
        return q >= 0 && rest.substring(q).toLowerCase(Locale.ROOT).contains("journal_mode=");
    }

    /** The location of an in-memory URL replaced by a file; other URLs unchanged. */
    static String onFile(String rest) {
        int q = rest.indexOf('?');
        String location = q < 0 ? rest : rest.substring(0, q);
        String query = q < 0 ? "" : rest.substring(q + 1);
        boolean memoryMode = false;
        StringBuilder kept = new StringBuilder();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            if (pair.equalsIgnoreCase("mode=memory")) {
                memoryMode = true;
                continue;
            }
            kept.append(kept.length() == 0 ? "?" : "&").append(pair);
        }
        boolean uri = location.startsWith("file:");
        String name = uri ? location.substring("file:".length()) : location;
        boolean memory = memoryMode || name.isEmpty() || name.equals(":memory:");
        if (!memory) {
            return rest;
        }
        boolean shared = kept.toString().toLowerCase(Locale.ROOT).contains("cache=shared");
        String file = shared ? SHARED.computeIfAbsent(name, n -> freshFile()) : freshFile();
        return (uri ? "file:" : "") + file + kept;
    }

    private static String freshFile() {
        try {
            Path dir = Path.of(System.getProperty("suite.dbdir", System.getProperty("java.io.tmpdir")));
            Files.createDirectories(dir);
            return dir.resolve("mem-" + ProcessHandle.current().pid() + "-" + FILES.incrementAndGet() + ".db").toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
