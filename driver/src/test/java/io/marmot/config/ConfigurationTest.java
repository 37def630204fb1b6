package io.marmot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.jdbc.MarmotConnection;
import io.marmot.jdbc.MarmotDriver;
import io.marmot.testing.Db;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Marmot parameters from the URL and Properties, their validation, and what reaches sqlite-jdbc. */
class ConfigurationTest {
    @TempDir
    Path dir;
    Path db;

    @BeforeEach
    void setUp() {
        db = dir.resolve("config.db");
    }

    @AfterEach
    void tearDown() throws SQLException {
        Marmot.close(db);
    }

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    private static MarmotConfig configOf(Connection c) throws SQLException {
        return c.unwrap(MarmotConnection.class).engine().config();
    }

    @Test
    void urlParametersAreRead() throws Exception {
        try (Connection c = Db.open(db, "node-id=11&poll-interval=50&shards=3&exclude-tables=a,b&publish=false&replicate=false")) {
            assertEquals(11, Db.longValue(c, "SELECT node_id FROM __marmot_state"));
            MarmotConfig config = configOf(c);
            assertEquals(11, config.nodeId());
            assertEquals(Duration.ofMillis(50), config.pollInterval());
            assertEquals(Set.of("a", "b"), config.excludeTables());
            assertFalse(config.publish());
            assertFalse(config.replicate());
        }
    }

    @Test
    void tableListsTakePatternsAndMatchLikeSqliteNames() throws Exception {
        MarmotConfig c = MarmotConfig.from(Map.of(ConfigKey.EXCLUDE_TABLES, "cache_*, DATABASECHANGELOGLOCK, tmp?"));
        assertTrue(c.replicates("orders"));
        assertFalse(c.replicates("cache_sessions"));
        assertFalse(c.replicates("CACHE_x"));
        assertFalse(c.replicates("databasechangeloglock"));
        assertFalse(c.replicates("tmp1"));
        assertTrue(c.replicates("tmp12"));
        assertTrue(c.replicates("mycache_x"));
        MarmotConfig only = MarmotConfig.from(Map.of(ConfigKey.TABLES, "app_*", ConfigKey.EXCLUDE_TABLES, "app_local"));
        assertTrue(only.replicates("app_users"));
        assertFalse(only.replicates("app_local"));
        assertFalse(only.replicates("other"));
    }

    @Test
    void propertiesAreRead() throws Exception {
        try (Connection c = DriverManager.getConnection(Db.url(db, ""), props("node-id", "21", "poll-interval", "60"))) {
            assertEquals(21, Db.longValue(c, "SELECT node_id FROM __marmot_state"));
            assertEquals(21, configOf(c).nodeId());
        }
    }

    @Test
    void propertiesWinOverUrlParameters() throws Exception {
        try (Connection c = DriverManager.getConnection(Db.url(db, "node-id=11&poll-interval=70"),
                props("node-id", "12"))) {
            assertEquals(12, Db.longValue(c, "SELECT node_id FROM __marmot_state"));
            assertEquals(Duration.ofMillis(70), configOf(c).pollInterval(), "a URL parameter not in Properties counts");
        }
    }

    @Test
    void missingParametersTakeTheirDefaults() throws Exception {
        MarmotConfig d = MarmotConfig.defaults();
        assertEquals(0, d.nodeId());
        assertTrue(d.publish());
        assertTrue(d.replicate());
        assertEquals(Set.of(), d.tables());
        assertEquals(Set.of(), d.excludeTables());
        assertEquals(Duration.ofMillis(100), d.pollInterval());
        Map<ConfigKey, String> allDefaults = new HashMap<>();
        for (ConfigKey k : ConfigKey.values()) {
            allDefaults.put(k, k.defaultValue());
        }
        assertEquals(d, MarmotConfig.from(allDefaults), "every documented default is what an absent key means");
    }

    @Test
    void withoutNodeIdAnIdIsChosenAndKeptInTheDatabase() throws Exception {
        long chosen;
        try (Connection c = Db.open(db, "")) {
            chosen = ((Number) Db.scalar(c, "SELECT node_id FROM __marmot_state")).longValue();
            assertTrue(chosen > 0);
        }
        Marmot.close(db);
        try (Connection c = Db.open(db, "")) {
            assertEquals(chosen, ((Number) Db.scalar(c, "SELECT node_id FROM __marmot_state")).longValue());
            assertEquals(chosen, c.unwrap(MarmotConnection.class).engine().nodeId());
        }
    }

    @Test
    void sqliteParametersInTheUrlReachSqliteJdbc() throws Exception {
        try (Connection c = Db.open(db, "node-id=1&busy_timeout=1234&foreign_keys=true")) {
            assertEquals(1234, ((Number) Db.scalar(c, "PRAGMA busy_timeout")).intValue());
            assertEquals(1, ((Number) Db.scalar(c, "PRAGMA foreign_keys")).intValue());
        }
    }

    @Test
    void sqlitePropertiesReachSqliteJdbc() throws Exception {
        try (Connection c = DriverManager.getConnection(Db.url(db, "node-id=1"),
                props("busy_timeout", "4321", "foreign_keys", "true"))) {
            assertEquals(4321, ((Number) Db.scalar(c, "PRAGMA busy_timeout")).intValue());
            assertEquals(1, ((Number) Db.scalar(c, "PRAGMA foreign_keys")).intValue());
        }
    }

    @Test
    void sqlitePropertiesWinOverTheUrlToo() throws Exception {
        try (Connection c = DriverManager.getConnection(Db.url(db, "node-id=1&busy_timeout=1111"),
                props("busy_timeout", "2222"))) {
            assertEquals(2222, ((Number) Db.scalar(c, "PRAGMA busy_timeout")).intValue());
        }
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "node-id       | abc   | an integer from 1",
        "node-id       | 0     | an integer from 1",
        "shards        | -1    | an integer from 1 to 2147483647",
        "shards        | 1.5   | an integer from 1 to 2147483647",
        "log-replicas  | 9     | an integer from 1 to 5",
        "log-replicas  | 0     | from 1",
        "publish       | maybe | true or false",
        "replicate     | yes   | true or false",
        "poll-interval | -5    | an integer from 1",
        "nats-port     | 70000 | a port number from 1 to 65535",
        "max-log-age   | 7d    | an integer from 1",
        "stream-prefix | a.b   | letters, digits",
        "change-feed   | cdc.> | a NATS subject prefix",
        "change-feed   | .cdc  | a NATS subject prefix",
    })
    void badValuesFailWithKeyValueAndWhatIsAccepted(String key, String value, String accepted) {
        SQLException url = assertThrows(SQLException.class, () -> Db.open(db, key + "=" + value));
        assertMessageNames(url, key, value, accepted);
        SQLException prop = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(Db.url(db, ""), props(key, value)));
        assertMessageNames(prop, key, value, accepted);
        assertFalse(Files.exists(db), "a refused connection must not create the database");
    }

    @Test
    void anEmptyValueForAKeyWithADefaultIsRefused() {
        SQLException e = assertThrows(SQLException.class, () -> Db.open(db, "shards="));
        assertMessageNames(e, "shards", "''", "an integer");
    }

    private static void assertMessageNames(SQLException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "'" + e.getMessage() + "' should mention " + p);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "node-idd=1                      | node-idd     | node-id",
        "node_id=1                       | node_id      | node-id",
        "nats_url=nats://localhost:4222  | nats_url     | nats-url",
        "NODE-ID=1                       | NODE-ID      | node-id",
        "poll_interval=10                | poll_interval| poll-interval",
        "marmot.shards=2                 | marmot.shards| shards",
        "nodeId=1                        | nodeId       | node-id",
        "natsUrl=nats://localhost:4222   | natsUrl      | nats-url",
        "pollInterval=10                 | pollInterval | poll-interval",
    })
    void aMisspeltMarmotParameterIsNamedWithTheRightKey(String param, String given, String suggested) {
        SQLException url = assertThrows(SQLException.class, () -> Db.open(db, param));
        assertMessageNames(url, "'" + given + "'", "'" + suggested + "'");
        String[] kv = param.split("=", 2);
        SQLException prop = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(Db.url(db, ""), props(kv[0], kv[1])));
        assertMessageNames(prop, "'" + given + "'", "'" + suggested + "'");
    }

    @Test
    void getPropertyInfoListsEveryKeyWithDescriptionAndDefault() throws Exception {
        DriverPropertyInfo[] info = new MarmotDriver().getPropertyInfo(Db.MARMOT + db, new Properties());
        Map<String, DriverPropertyInfo> byName = Arrays.stream(info)
                .collect(Collectors.toMap(p -> p.name, Function.identity(), (a, b) -> a));
        for (ConfigKey k : ConfigKey.values()) {
            DriverPropertyInfo p = byName.get(k.key());
            assertNotNull(p, "getPropertyInfo lacks " + k.key());
            assertNotNull(p.description, k.key());
            assertFalse(p.description.isBlank(), k.key());
            assertEquals(k.defaultValue(), p.value, "value of " + k.key() + " when not given is its default");
            if (!k.defaultValue().isEmpty()) {
                assertTrue(p.description.contains(k.defaultValue()), () -> p.description + " should state the default");
            }
            if (k.type() == ConfigKey.ValueType.BOOLEAN) {
                assertEquals(List.of("true", "false"), Arrays.asList(p.choices));
            }
        }
        List<String> names = Arrays.stream(info).map(p -> p.name).toList();
        assertEquals(ConfigKey.keys(), names.subList(0, ConfigKey.values().length), "marmot's keys come first, in order");
        assertTrue(names.contains("busy_timeout") || names.contains("journal_mode"),
                () -> "sqlite-jdbc's keys should follow: " + names);
    }

    @Test
    void getPropertyInfoShowsGivenValuesPropertiesWinning() throws Exception {
        DriverPropertyInfo[] info = new MarmotDriver().getPropertyInfo(Db.MARMOT + db + "?node-id=5&shards=4",
                props("node-id", "6"));
        Map<String, String> values = new HashMap<>();
        for (DriverPropertyInfo p : info) {
            values.putIfAbsent(p.name, p.value);
        }
        assertEquals("6", values.get("node-id"));
        assertEquals("4", values.get("shards"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DELETE", "delete", "TRUNCATE", "MEMORY", "OFF", "PERSIST"})
    void journalModeOtherThanWalIsRefused(String mode) {
        SQLException url = assertThrows(SQLException.class, () -> Db.open(db, "node-id=1&journal_mode=" + mode));
        assertMessageNames(url, "journal_mode", mode, "WAL");
        SQLException prop = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(Db.url(db, "node-id=1"), props("journal_mode", mode)));
        assertMessageNames(prop, "journal_mode", mode, "WAL");
    }

    @Test
    void journalModeWalIsAccepted() throws Exception {
        try (Connection c = Db.open(db, "node-id=1&journal_mode=WAL")) {
            assertEquals("wal", Db.scalar(c, "PRAGMA journal_mode"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "jdbc:marmot:sqlite::memory:",
        "jdbc:marmot:sqlite:",
        "jdbc:marmot:sqlite::memory:?node-id=1",
        "jdbc:marmot:sqlite:file::memory:?cache=shared",
        "jdbc:marmot:sqlite:file:{dir}/memdb1?mode=memory&cache=shared",
        "jdbc:marmot:sqlite:file:{dir}/memdb2?cache=shared&mode=memory&node-id=1",
        "jdbc:marmot:sqlite::resource:db/some.db",
    })
    void inMemoryDatabasesAreRefused(String template) throws Exception {
        String url = template.replace("{dir}", dir.toString());
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertTrue(e.getMessage().contains("in-memory"), e.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "nothing may be created for a refused URL");
        }
    }

    @Test
    void readmeTableFollowsTheEnum() throws Exception {
        Path readme = Path.of("..", "README.md");
        assertTrue(Files.exists(readme), "README.md expected at " + readme.toAbsolutePath());
        String text = Files.readString(readme);
        Map<String, String> rows = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^\\|\\s*`([a-z][a-z-]*)`\\s*\\|([^|]*)\\|").matcher(text);
        while (m.find()) {
            rows.put(m.group(1), m.group(2));
        }
        List<String> problems = new java.util.ArrayList<>();
        for (ConfigKey k : ConfigKey.values()) {
            String defaultCell = rows.get(k.key());
            if (defaultCell == null) {
                problems.add(k.key() + ": no table row");
            } else if (!k.defaultValue().isEmpty() && !defaultCell.contains("`" + k.defaultValue() + "`")) {
                problems.add(k.key() + ": default should be `" + k.defaultValue() + "`, README says " + defaultCell.trim());
            }
        }
        for (String documented : rows.keySet()) {
            if (ConfigKey.byKey(documented) == null) {
                problems.add(documented + ": documented but not a parameter");
            }
        }
        assertEquals(List.of(), problems, "README.md's parameter table does not follow ConfigKey");
    }

    @Test
    void natsPasswordsNeverAppearInToString() throws Exception {
        MarmotConfig config = MarmotConfig.from(Map.of(ConfigKey.NATS_URL,
                "nats://alice:s3cret@h1:4222,tls://bob:hunter2@h2:4222,nats://t0ken@h3:4222"));
        String text = config.toString();
        assertFalse(text.contains("s3cret"), text);
        assertFalse(text.contains("hunter2"), text);
        assertFalse(text.contains("t0ken"), text);
        assertTrue(text.contains("h1:4222") && text.contains("h2:4222") && text.contains("h3:4222"), text);
    }

    @Test
    void secretParametersNeverAppearInToString() throws Exception {
        for (ConfigKey k : ConfigKey.values()) {
            if (k.key().contains("password") || k.key().contains("token")) {
                String text = MarmotConfig.from(Map.of(k, "Zz9-secret-value")).toString();
                assertFalse(text.contains("Zz9-secret-value"), k.key() + " leaks in " + text);
            }
        }
    }

    @Test
    void unknownNonMarmotParametersAreLeftToSqliteJdbc() throws Exception {
        try (Connection c = Db.open(db, "node-id=1&cache_size=-4000&synchronous=NORMAL")) {
            assertEquals(-4000, ((Number) Db.scalar(c, "PRAGMA cache_size")).intValue());
            assertEquals(1, ((Number) Db.scalar(c, "PRAGMA synchronous")).intValue());
        }
    }

    @Test
    void parametersNeverChangeWhichFileTheApplicationWrites() throws Exception {
        try (Connection c = Db.open(db, "node-id=1&busy_timeout=500&some_unknown_setting=x")) {
            assertEquals(db.toRealPath().toString(), Db.scalar(c, "SELECT file FROM pragma_database_list WHERE name = 'main'"));
            Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'x')");
            assertEquals(1, Db.logCount(c, "t"));
        }
        try (var files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString()).toList();
            assertTrue(names.stream().allMatch(n -> n.startsWith("config.db")) && names.stream().noneMatch(n -> n.contains("?")),
                    () -> "only the database and its WAL files expected: " + names);
        }
    }

    @Test
    void fileUriParametersStillReachSqlite() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:marmot:sqlite:file:" + db
                + "?node-id=1&cache=private&busy_timeout=700&" + Db.CAPTURE_ONLY)) {
            assertEquals(700, Db.longValue(c, "PRAGMA busy_timeout"));
            assertEquals(db.toRealPath().toString(), Db.scalar(c, "SELECT file FROM pragma_database_list WHERE name = 'main'"));
        }
    }

    @Test
    void aValidConfigurationLeavesNoEngineWhenRefused() throws Exception {
        assertThrows(SQLException.class, () -> Db.open(db, "node-id=1&shards=0"));
        assertEquals(java.util.Optional.empty(), io.marmot.Marmot.engine(db));
    }
}
