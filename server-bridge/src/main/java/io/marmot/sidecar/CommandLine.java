package io.marmot.sidecar;

import io.marmot.config.ConfigException;
import io.marmot.config.ConfigKey;
import io.marmot.config.MarmotConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Reads the sidecar's flags: its own ({@link SidecarFlag}) and every driver parameter ({@link ConfigKey}) as
 * {@code --<key>}. Accepts Marmot's Go spelling too: {@code -node-id 1}, {@code -node-id=1}, and switches alone
 * ({@code -cleanup}) or with a value ({@code --cleanup=false}, {@code --publish false}). A {@code --config}
 * properties file holds the same keys; flags win over it.
 */
final class CommandLine {
    private static final String SEE_HELP = " (marmot --help lists the flags)";

    private CommandLine() {
    }

    static SidecarSettings parse(String... args) throws UsageException {
        Map<String, String> flags = readFlags(args);
        if (Boolean.parseBoolean(flags.get(SidecarFlag.HELP.key()))) {
            return settings(Map.of(), true);
        }
        Map<String, String> merged = new LinkedHashMap<>();
        String configFile = flags.get(SidecarFlag.CONFIG.key());
        if (configFile != null) {
            merged.putAll(readConfigFile(Path.of(configFile)));
        }
        merged.putAll(flags);
        return settings(merged, false);
    }

    private static Map<String, String> readFlags(String[] args) throws UsageException {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
                throw new UsageException("unexpected argument '" + arg + "': every setting is a flag such as --db-path <path>"
                        + SEE_HELP);
            }
            String name = arg.substring(arg.startsWith("--") ? 2 : 1);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (name.equals("h")) {
                name = SidecarFlag.HELP.key();
            }
            if (!known(name)) {
                throw new UsageException("unknown flag '" + arg + "'" + SEE_HELP);
            }
            if (isSwitch(name)) {
                if (value == null) {
                    boolean explicit = i + 1 < args.length && (args[i + 1].equals("true") || args[i + 1].equals("false"));
                    value = explicit ? args[++i] : "true";
                }
                if (!value.equals("true") && !value.equals("false")) {
                    throw new UsageException("invalid value '" + value + "' for --" + name + ": expected true or false");
                }
            } else if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("flag --" + name + " needs a value" + SEE_HELP);
                }
                value = args[++i];
            }
            out.put(name, value);
        }
        return out;
    }

    private static Map<String, String> readConfigFile(Path file) throws UsageException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException("cannot read config file " + file + ": " + e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            SidecarFlag f = SidecarFlag.byKey(key);
            if (f != null ? !f.inConfigFile() : ConfigKey.byKey(key) == null) {
                throw new UsageException("unknown key '" + key + "' in config file " + file
                        + ": use the flag names without dashes" + SEE_HELP);
            }
            out.put(key, p.getProperty(key).trim());
        }
        return out;
    }

    private static SidecarSettings settings(Map<String, String> v, boolean help) throws UsageException {
        Map<ConfigKey, String> replication = new EnumMap<>(ConfigKey.class);
        for (Map.Entry<String, String> e : v.entrySet()) {
            ConfigKey k = ConfigKey.byKey(e.getKey());
            if (k != null && SidecarFlag.byKey(e.getKey()) == null) {
                replication.put(k, e.getValue());
            }
        }
        MarmotConfig config;
        try {
            config = MarmotConfig.from(replication);
        } catch (ConfigException e) {
            // the driver names its URL parameter; on a command line, name the flag
            throw new UsageException("invalid value '" + e.value() + "' for --" + e.key() + ": expected " + e.expected());
        }
        String db = value(v, SidecarFlag.DB_PATH);
        if (db.isBlank()) {
            throw new UsageException("--db-path must not be empty");
        }
        Path dbPath = Path.of(db).toAbsolutePath().normalize();
        boolean cleanup = switchValue(v, SidecarFlag.CLEANUP);
        boolean clearOutOfSync = switchValue(v, SidecarFlag.CLEAR_OUT_OF_SYNC);
        boolean saveSnapshot = switchValue(v, SidecarFlag.SAVE_SNAPSHOT);
        boolean listSnapshots = switchValue(v, SidecarFlag.LIST_SNAPSHOTS);
        if (!help) {
            if (saveSnapshot && !Files.isRegularFile(dbPath)) {
                throw new UsageException("--save-snapshot: database " + dbPath + " does not exist");
            }
            if (cleanup && !Files.isRegularFile(dbPath)) {
                throw new UsageException("--cleanup: database " + dbPath + " does not exist");
            }
            if (clearOutOfSync && !Files.isRegularFile(dbPath)) {
                throw new UsageException("--clear-out-of-sync: database " + dbPath + " does not exist");
            }
            if (!Files.isDirectory(dbPath.getParent())) {
                throw new UsageException("--db-path " + db + ": directory " + dbPath.getParent() + " does not exist");
            }
        }
        SidecarSettings.LogFormat format = switch (value(v, SidecarFlag.LOG_FORMAT).toLowerCase(Locale.ROOT)) {
            case "text" -> SidecarSettings.LogFormat.TEXT;
            case "json" -> SidecarSettings.LogFormat.JSON;
            default -> throw new UsageException("invalid value '" + value(v, SidecarFlag.LOG_FORMAT)
                    + "' for --log-format: expected text or json");
        };
        int httpPort;
        try {
            httpPort = Integer.parseInt(value(v, SidecarFlag.HTTP_PORT));
        } catch (NumberFormatException e) {
            httpPort = -1;
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new UsageException("invalid value '" + value(v, SidecarFlag.HTTP_PORT)
                    + "' for --http-port: expected a port number from 1 to 65535, or 0 to turn HTTP off");
        }
        String bind = value(v, SidecarFlag.HTTP_BIND);
        if (bind.isBlank()) {
            throw new UsageException("--http-bind must not be empty");
        }
        // a port given (flag or config file) is a demand; the default lets sidecars share the machine
        HttpPort http = v.containsKey(SidecarFlag.HTTP_PORT.key()) ? HttpPort.given(httpPort) : HttpPort.byDefault();
        return new SidecarSettings(help, dbPath, config, cleanup, clearOutOfSync, saveSnapshot, listSnapshots,
                switchValue(v, SidecarFlag.VERBOSE),
                format, http, bind);
    }

    private static String value(Map<String, String> v, SidecarFlag f) {
        return v.getOrDefault(f.key(), f.defaultValue()).trim();
    }

    private static boolean switchValue(Map<String, String> v, SidecarFlag f) throws UsageException {
        String s = value(v, f);
        if (!s.equals("true") && !s.equals("false")) {
            throw new UsageException("invalid value '" + s + "' for " + f.key() + ": expected true or false");
        }
        return Boolean.parseBoolean(s);
    }

    private static boolean known(String name) {
        return SidecarFlag.byKey(name) != null || ConfigKey.byKey(name) != null;
    }

    private static boolean isSwitch(String name) {
        SidecarFlag f = SidecarFlag.byKey(name);
        if (f != null) {
            return f.isSwitch();
        }
        return ConfigKey.byKey(name).type() == ConfigKey.ValueType.BOOLEAN;
    }

    /** Every flag with its default: the sidecar's own, then the driver's parameters. */
    static String help() {
        StringBuilder b = new StringBuilder();
        b.append("Usage: marmot [flags]\n\n")
                .append("Replicates a SQLite database that any program writes (sqlite3, Python, Go, ...) to every other\n")
                .append("marmot node over NATS JetStream, and applies theirs. Flags are written --name value, --name=value\n")
                .append("or Marmot's -name value; switches may stand alone (--cleanup) or take true/false.\n\n")
                .append("Sidecar flags:\n");
        for (SidecarFlag f : SidecarFlag.values()) {
            line(b, f.key(), f.argument() == null ? "" : f.argument(), f.description(),
                    f.isSwitch() || f.defaultValue().isEmpty() ? "" : f.defaultValue());
        }
        b.append("\nReplication flags (the same parameters as the JDBC driver's URL):\n");
        for (ConfigKey k : ConfigKey.values()) {
            String arg = switch (k.type()) {
                case BOOLEAN -> "[true|false]";
                case POSITIVE_INT, POSITIVE_LONG, NON_NEGATIVE_LONG -> "<n>";
                case PORT -> "<port>";
                case NAME -> "<name>";
                case SUBJECT_PREFIX -> "<subject.prefix>";
                case NAME_LIST -> "<t1,t2,...>";
                case TEXT -> "<value>";
            };
            line(b, k.key(), arg, k.description(), k.defaultValue());
        }
        b.append("\nWithout --nats-url, marmot starts a local nats-server (JetStream) on --nats-port, or joins the one\n")
                .append("already listening there. Exit codes: 0 stopped cleanly, 1 failed, 2 bad flags.\n");
        return b.toString();
    }

    private static void line(StringBuilder b, String key, String arg, String description, String defaultValue) {
        String left = "  --" + key + (arg.isEmpty() ? "" : " " + arg);
        b.append(left);
        b.append(" ".repeat(Math.max(1, 36 - left.length())));
        b.append(description);
        if (!defaultValue.isEmpty()) {
            b.append(" (default: ").append(defaultValue).append(')');
        }
        b.append('\n');
    }
}
