package io.marmot.config;

import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The marmot settings of one database, parsed once and never changed. Secrets are masked by
 * {@link #toString()}.
 *
 * @param nodeId 0 when not given: the engine then uses the id kept in the database
 */
public record MarmotConfig(
        long nodeId,
        NatsSettings nats,
        StreamSettings streams,
        boolean publish,
        boolean replicate,
        boolean compress,
        Set<String> tables,
        Set<String> excludeTables,
        Duration pollInterval,
        Duration maxClockSkew,
        Duration conflictRetention,
        Duration verifyInterval,
        boolean verifyRepair,
        boolean replicateDrops,
        boolean shellDropColumn,
        SnapshotSettings snapshots,
        Duration catchUpWait,
        String changeFeed) {

    public MarmotConfig {
        tables = Set.copyOf(tables);
        excludeTables = Set.copyOf(excludeTables);
    }

    public static MarmotConfig defaults() {
        try {
            return from(Map.of());
        } catch (SQLException e) {
            throw new IllegalStateException("built-in defaults are invalid", e);
        }
    }

    /** Reads the settings from marmot keys (others must have been removed); missing keys take their defaults. */
    public static MarmotConfig from(Map<ConfigKey, String> given) throws ConfigException {
        Map<ConfigKey, String> v = new EnumMap<>(ConfigKey.class);
        for (ConfigKey k : ConfigKey.values()) {
            String raw = given.getOrDefault(k, k.defaultValue()).trim();
            validate(k, raw);
            v.put(k, raw);
        }
        int logReplicas = Integer.parseInt(v.get(ConfigKey.LOG_REPLICAS));
        if (logReplicas > 5) {
            throw invalid(ConfigKey.LOG_REPLICAS, v.get(ConfigKey.LOG_REPLICAS), "an integer from 1 to 5");
        }
        NatsSettings nats = new NatsSettings(v.get(ConfigKey.NATS_URL), Integer.parseInt(v.get(ConfigKey.NATS_PORT)),
                v.get(ConfigKey.NATS_SERVER_PATH), v.get(ConfigKey.NATS_USER), v.get(ConfigKey.NATS_PASSWORD),
                v.get(ConfigKey.NATS_TOKEN), v.get(ConfigKey.NATS_CREDS), v.get(ConfigKey.NATS_NKEY),
                EmbeddedCluster.from(v.get(ConfigKey.CLUSTER_ADDR), v.get(ConfigKey.CLUSTER_PEERS),
                        v.get(ConfigKey.CLUSTER_NAME), v.get(ConfigKey.NATS_URL), v.get(ConfigKey.CLUSTER_USER),
                        v.get(ConfigKey.CLUSTER_PASSWORD), RouteTls.from(v.get(ConfigKey.CLUSTER_TLS_CERT),
                                v.get(ConfigKey.CLUSTER_TLS_KEY), v.get(ConfigKey.CLUSTER_TLS_CA))));
        StreamSettings streams = new StreamSettings(Integer.parseInt(v.get(ConfigKey.SHARDS)),
                Long.parseLong(v.get(ConfigKey.MAX_LOG_ENTRIES)), Long.parseLong(v.get(ConfigKey.MAX_LOG_BYTES)),
                Duration.ofSeconds(Long.parseLong(v.get(ConfigKey.MAX_LOG_AGE))), logReplicas,
                v.get(ConfigKey.SUBJECT_PREFIX), v.get(ConfigKey.STREAM_PREFIX));
        return new MarmotConfig(
                v.get(ConfigKey.NODE_ID).isEmpty() ? 0 : Long.parseLong(v.get(ConfigKey.NODE_ID)),
                nats,
                streams,
                Boolean.parseBoolean(v.get(ConfigKey.PUBLISH)),
                Boolean.parseBoolean(v.get(ConfigKey.REPLICATE)),
                Boolean.parseBoolean(v.get(ConfigKey.COMPRESS)),
                names(v.get(ConfigKey.TABLES)),
                names(v.get(ConfigKey.EXCLUDE_TABLES)),
                Duration.ofMillis(Long.parseLong(v.get(ConfigKey.POLL_INTERVAL))),
                Duration.ofMillis(Long.parseLong(v.get(ConfigKey.MAX_CLOCK_SKEW))),
                Duration.ofSeconds(Long.parseLong(v.get(ConfigKey.CONFLICT_RETENTION))),
                Duration.ofSeconds(Long.parseLong(v.get(ConfigKey.VERIFY_INTERVAL))),
                Boolean.parseBoolean(v.get(ConfigKey.VERIFY_REPAIR)),
                Boolean.parseBoolean(v.get(ConfigKey.REPLICATE_DROPS)),
                Boolean.parseBoolean(v.get(ConfigKey.SHELL_DROP_COLUMN)),
                new SnapshotSettings(Duration.ofSeconds(Long.parseLong(v.get(ConfigKey.SNAPSHOT_INTERVAL))),
                        Integer.parseInt(v.get(ConfigKey.SNAPSHOT_KEEP)),
                        Duration.ofSeconds(Long.parseLong(v.get(ConfigKey.SNAPSHOT_RESTORE_WAIT)))),
                Duration.ofSeconds(Long.parseLong(v.get(ConfigKey.CATCH_UP_WAIT))),
                v.get(ConfigKey.CHANGE_FEED));
    }

    public MarmotConfig withNodeId(long id) {
        return new MarmotConfig(id, nats, streams, publish, replicate, compress, tables, excludeTables, pollInterval,
                maxClockSkew, conflictRetention, verifyInterval, verifyRepair, replicateDrops,
                shellDropColumn, snapshots, catchUpWait, changeFeed);
    }

    /**
     * Whether changes of this table are captured and applied. Names in {@code tables} and {@code exclude-tables} match
     * case-insensitively, as SQLite's names do; {@code *} and {@code ?} in them match any run of characters and any one
     * character ({@code cache_*}).
     */
    public boolean replicates(String table) {
        return (tables.isEmpty() || matchesAny(tables, table)) && !matchesAny(excludeTables, table);
    }

    private static boolean matchesAny(Set<String> patterns, String table) {
        for (String p : patterns) {
            if (p.equalsIgnoreCase(table) || ((p.indexOf('*') >= 0 || p.indexOf('?') >= 0) && glob(p, table))) {
                return true;
            }
        }
        return false;
    }

    private static final java.util.Map<String, java.util.regex.Pattern> GLOBS = new java.util.concurrent.ConcurrentHashMap<>();

    private static boolean glob(String pattern, String name) {
        return GLOBS.computeIfAbsent(pattern, p -> {
            StringBuilder regex = new StringBuilder();
            for (char ch : p.toCharArray()) {
                regex.append(ch == '*' ? ".*" : ch == '?' ? "." : java.util.regex.Pattern.quote(String.valueOf(ch)));
            }
            return java.util.regex.Pattern.compile(regex.toString(), java.util.regex.Pattern.CASE_INSENSITIVE
                    | java.util.regex.Pattern.UNICODE_CASE);
        }).matcher(name).matches();
    }

    private static void validate(ConfigKey key, String raw) throws ConfigException {
        boolean ok = switch (key.type()) {
            case TEXT, NAME_LIST -> true;
            case BOOLEAN -> raw.equals("true") || raw.equals("false");
            case POSITIVE_INT -> raw.isEmpty() || inRange(raw, 1, Integer.MAX_VALUE);
            case POSITIVE_LONG -> raw.isEmpty() || inRange(raw, 1, Long.MAX_VALUE);
            case NON_NEGATIVE_LONG -> inRange(raw, 0, Long.MAX_VALUE);
            case PORT -> inRange(raw, 1, 65535);
            case NAME -> raw.matches("[A-Za-z0-9_-]+");
            case SUBJECT_PREFIX -> raw.isEmpty() || raw.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
        };
        boolean required = key.type() != ConfigKey.ValueType.TEXT && key.type() != ConfigKey.ValueType.NAME_LIST
                && !key.defaultValue().isEmpty();
        if (!ok || (required && raw.isEmpty())) {
            throw invalid(key, raw, key.type().accepted());
        }
    }

    private static boolean inRange(String raw, long min, long max) {
        try {
            long n = Long.parseLong(raw);
            return n >= min && n <= max;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static Set<String> names(String list) {
        Set<String> out = new LinkedHashSet<>();
        for (String part : list.split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }

    static ConfigException invalid(ConfigKey key, String raw, String accepted) {
        return new ConfigException("Invalid value '" + raw + "' for marmot parameter '" + key.key()
                + "': expected " + accepted, key.key(), raw, accepted);
    }
}
