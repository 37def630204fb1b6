package io.marmot.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.config.ConfigKey;
import io.marmot.config.MarmotConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flags: Marmot's spellings, every driver parameter as --key, the config file, and one-line errors. */
class CommandLineTest {
    @TempDir
    Path dir;

    @Test
    void marmotSingleDashSpellingMeansTheSameAsDoubleDash() throws Exception {
        Path db = dir.resolve("a.db");
        SidecarSettings go = CommandLine.parse("-node-id", "1", "-db-path", db.toString(), "-nats-url",
                "nats://127.0.0.1:4222", "-shards", "4", "-verbose", "-cleanup=false");
        SidecarSettings gnu = CommandLine.parse("--node-id=1", "--db-path", db.toString(), "--nats-url=nats://127.0.0.1:4222",
                "--shards", "4", "--verbose", "true");
        assertEquals(go, gnu);
        assertEquals(1, go.replication().nodeId());
        assertEquals(4, go.replication().streams().shards());
        assertEquals("nats://127.0.0.1:4222", go.replication().nats().url());
        assertEquals(db, go.dbPath());
        assertTrue(go.verbose());
        assertFalse(go.cleanup());
    }

    @Test
    void defaultsFollowMarmotAndTheDriver() throws Exception {
        SidecarSettings s = CommandLine.parse();
        assertEquals(Path.of("/tmp/marmot.db"), s.dbPath());
        assertEquals(MarmotConfig.defaults(), s.replication());
        assertEquals(HttpPort.byDefault(), s.httpPort());
        assertEquals("127.0.0.1", s.httpBind());
        assertEquals(SidecarSettings.LogFormat.TEXT, s.logFormat());
    }

    @Test
    void anHttpPortGivenIsADemandTheDefaultARule() throws Exception {
        assertFalse(CommandLine.parse().httpPort().given());
        assertEquals(HttpPort.given(8090), CommandLine.parse("--http-port", "8090").httpPort(),
                "8090 spelt out is a demand, even though it is the default's first choice");
        assertTrue(CommandLine.parse("-http-port=0").httpPort().off());
        assertFalse(CommandLine.parse().httpPort().off());
        assertEquals(List.of(8090, 8091, 8092, 8093, 8094, 8095, 8096, 8097, 8098, 8099, HttpPort.ANY),
                HttpPort.byDefault().candidates());
        assertEquals(List.of(9000), HttpPort.given(9000).candidates());
    }

    @Test
    void everyDriverParameterIsAFlagWithTheDriversMeaning() throws Exception {
        List<String> args = new ArrayList<>();
        Map<ConfigKey, String> given = new EnumMap<>(ConfigKey.class);
        for (ConfigKey k : ConfigKey.values()) {
            if (k == ConfigKey.CLUSTER_ADDR || k == ConfigKey.CLUSTER_PEERS) {
                continue; // they exclude nats-url: see clusterFlagsTurnOnTheEmbeddedCluster
            }
            if (k == ConfigKey.CLUSTER_TLS_CERT || k == ConfigKey.CLUSTER_TLS_KEY || k == ConfigKey.CLUSTER_TLS_CA) {
                continue; // files that must exist: see routeTlsFlagsNameTheirFiles
            }
            String v = switch (k.type()) {
                case BOOLEAN -> "true".equals(k.defaultValue()) ? "false" : "true";
                case POSITIVE_INT, POSITIVE_LONG, NON_NEGATIVE_LONG -> k == ConfigKey.LOG_REPLICAS ? "3" : "7";
                case PORT -> "4333";
                case NAME -> "custom-" + k.key();
                case SUBJECT_PREFIX -> "custom." + k.key();
                case NAME_LIST -> "t1,t2";
                case TEXT -> k == ConfigKey.NATS_URL ? "nats://10.0.0.5:4222" : "/some/" + k.key();
            };
            args.add("--" + k.key());
            args.add(v);
            given.put(k, v);
        }
        MarmotConfig expected = MarmotConfig.from(given);
        assertEquals(expected, CommandLine.parse(args.toArray(String[]::new)).replication());
        assertNotEquals(MarmotConfig.defaults(), expected);
    }

    @Test
    void routeTlsFlagsNameTheirFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        List<String> files = new ArrayList<>();
        for (String name : List.of("node.pem", "node-key.pem", "ca.pem")) {
            files.add(java.nio.file.Files.writeString(dir.resolve(name), "PEM").toString());
        }
        MarmotConfig c = CommandLine.parse("--cluster-addr", "127.0.0.1:6301", "--cluster-tls-cert", files.get(0),
                "--cluster-tls-key", files.get(1), "--cluster-tls-ca", files.get(2)).replication();
        assertEquals(new io.marmot.config.RouteTls(files.get(0), files.get(1), files.get(2)), c.nats().cluster().tls());
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> CommandLine.parse(
                "--cluster-addr", "127.0.0.1:6301", "--cluster-tls-cert", files.get(0)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("cluster-tls-key")
                && e.getMessage().contains("set when the others are"), e.getMessage());
    }

    @Test
    void clusterFlagsTurnOnTheEmbeddedCluster() throws Exception {
        MarmotConfig c = CommandLine.parse("--cluster-addr", "127.0.0.1:6301", "--cluster-peers",
                "127.0.0.1:6302,nats://127.0.0.1:6303", "--cluster-name", "shop", "--cluster-user", "routes",
                "--cluster-password", "s3cret").replication();
        assertEquals(new io.marmot.config.EmbeddedCluster("127.0.0.1:6301",
                List.of("nats://127.0.0.1:6302", "nats://127.0.0.1:6303"), "shop", "routes", "s3cret"),
                c.nats().cluster());
        assertFalse(c.toString().contains("s3cret"), c.toString());
    }

    @Test
    void sidecarFlagsNeverShadowDriverParameters() {
        for (SidecarFlag f : SidecarFlag.values()) {
            assertEquals(null, ConfigKey.byKey(f.key()), f.key() + " is both a sidecar flag and a driver parameter");
        }
    }

    @Test
    void configFileHoldsTheSameKeysAndFlagsWin() throws Exception {
        Path file = dir.resolve("marmot.properties");
        Files.writeString(file, "node-id=5\nshards=3\nhttp-port=9191\nlog-format=json\ndb-path=" + dir.resolve("c.db")
                + "\nverbose=true\n");
        SidecarSettings s = CommandLine.parse("--config", file.toString(), "--shards", "2");
        assertEquals(5, s.replication().nodeId());
        assertEquals(2, s.replication().streams().shards(), "the flag wins over the file");
        assertEquals(HttpPort.given(9191), s.httpPort());
        assertEquals(SidecarSettings.LogFormat.JSON, s.logFormat());
        assertEquals(dir.resolve("c.db"), s.dbPath());
        assertTrue(s.verbose());

        Files.writeString(file, "node_id=5\n");
        UsageException e = assertThrows(UsageException.class, () -> CommandLine.parse("--config", file.toString()));
        assertTrue(e.getMessage().contains("unknown key 'node_id'"), e.getMessage());
        e = assertThrows(UsageException.class, () -> CommandLine.parse("--config", dir.resolve("missing").toString()));
        assertTrue(e.getMessage().contains("cannot read config file"), e.getMessage());
    }

    @Test
    void badFlagsAreNamedInOneLine() {
        assertUsage("unknown flag '--nope'", "--nope");
        assertUsage("unknown flag '-node_id'", "-node_id", "1");
        assertUsage("--node-id needs a value", "--node-id");
        assertUsage("invalid value 'abc' for --shards: expected an integer", "--shards", "abc");
        assertUsage("invalid value '9' for --log-replicas: expected an integer from 1 to 5", "--log-replicas", "9");
        assertUsage("invalid value 'maybe' for --publish: expected true or false", "--publish=maybe");
        assertUsage("invalid value 'x y' for --stream-prefix", "--stream-prefix", "x y");
        assertUsage("--http-port", "--http-port", "70000");
        assertUsage("--log-format", "--log-format", "xml");
        assertUsage("unexpected argument 'stray'", "stray");
        assertUsage("does not exist", "--db-path", dir.resolve("no/such/dir/x.db").toString());
        assertUsage("--cleanup: database", "--cleanup", "--db-path", dir.resolve("absent.db").toString());
        assertUsage("--clear-out-of-sync: database", "--clear-out-of-sync", "--db-path", dir.resolve("absent.db").toString());
    }

    @Test
    void clearOutOfSyncForgetsTheMissedRangesAndExitsZero() throws Exception {
        Path db = dir.resolve("healed.db");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:marmot:sqlite:" + db
                + "?publish=false&replicate=false"); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS __marmot_missed (id INTEGER PRIMARY KEY, stream TEXT NOT NULL,"
                    + " first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, reason TEXT NOT NULL, detected_at TEXT NOT NULL)");
            s.execute("INSERT INTO __marmot_missed (stream, first_seq, last_seq, reason, detected_at)"
                    + " VALUES ('marmot-changes-1-1', 3, 9, 'they left the stream', '2026-11-22')");
        }
        io.marmot.Marmot.closeAll();
        assertEquals(1, io.marmot.Marmot.missedRanges(db).size());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"--clear-out-of-sync", "--db-path", db.toString()}, print(out),
                print(new ByteArrayOutputStream())));
        assertEquals(java.util.List.of(), io.marmot.Marmot.missedRanges(db));
    }

    @Test
    void mainPrintsOneLineAndExitsWithTwoOnBadFlags() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"--node-id", "zero"}, print(out), print(err));
        assertEquals(2, code);
        String msg = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, msg.lines().count(), msg);
        assertTrue(msg.startsWith("marmot: ") && msg.contains("--node-id") && msg.contains("zero"), msg);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEveryFlagWithItsDefault() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"-h"}, print(out), print(new ByteArrayOutputStream())));
        String help = out.toString(StandardCharsets.UTF_8);
        for (ConfigKey k : ConfigKey.values()) {
            assertTrue(help.contains("--" + k.key() + " "), "help lists --" + k.key());
            if (!k.defaultValue().isEmpty()) {
                assertTrue(help.contains("(default: " + k.defaultValue() + ")"), "help shows the default of " + k.key());
            }
        }
        for (SidecarFlag f : SidecarFlag.values()) {
            assertTrue(help.contains("--" + f.key()), "help lists --" + f.key());
        }
        assertTrue(help.contains("(default: 8090)") && help.contains("(default: /tmp/marmot.db)"), help);
    }

    @Test
    void theCommandExitsWithTwoAndAClearMessageOnBadFlags() throws Exception {
        Path log = dir.resolve("bad.log");
        try (SidecarProcess p = SidecarProcess.start(log, "-node-id", "1", "--no-such-flag")) {
            assertEquals(2, p.awaitExit());
            String out = p.log();
            assertTrue(out.contains("marmot: unknown flag '--no-such-flag'"), out);
        }
    }

    private void assertUsage(String expected, String... args) {
        UsageException e = assertThrows(UsageException.class, () -> CommandLine.parse(args), String.join(" ", args));
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should contain '" + expected + "'");
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static PrintStream print(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }
}
