package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every node runs Flyway (or Liquibase) at start-up, under {@code Marmot.clusterLock}, exactly as a single-node
 * application does; the cluster ends migrated once: data migrations applied once, schema and history the same on
 * every node, whether nodes start together, late with newer migrations (rolling deploy), or new.
 */
class ClusterMigrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ITEMS = "SELECT id, name, price, stock FROM item ORDER BY id";
    private static final String SCHEMA = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE '\\_\\_marmot\\_%'"
            + " ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'DATABASECHANGELOGLOCK' ORDER BY name";

    @TempDir
    Path dir;

    /** A {@link MigratingNode} in its own JVM. */
    private final class App implements AutoCloseable {
        final Path db;
        final Process process;
        final PrintWriter in;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        App(NatsServer nats, String name, int nodeId, String tool, String location, String params) throws IOException {
            db = dir.resolve(name + ".db");
            Path log = dir.resolve(name + ".log");
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                    "-cp", System.getProperty("java.class.path"), MigratingNode.class.getName(), db.toString(),
                    Integer.toString(nodeId), nats.url(), tool, location, params)
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        /** How many migrations this node ran. */
        int migrated() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                String line = lines.poll(200, TimeUnit.MILLISECONDS);
                if (line != null && line.startsWith("migrated ")) {
                    return Integer.parseInt(line.substring("migrated ".length()));
                }
                if (line == null && !process.isAlive()) {
                    break;
                }
            }
            throw new AssertionError("node " + db + " did not migrate; its log: " + dir);
        }

        List<List<Object>> query(String sql) throws Exception {
            try (Connection c = Db.plain(db)) {
                return Db.list(c, sql);
            }
        }

        @Override
        public void close() throws Exception {
            in.println("quit");
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void closeAll(List<App> apps) throws Exception {
        for (App a : apps) {
            a.close();
        }
    }

    @Test
    void flywayNodesStartingTogetherThenLateWithANewMigrationThenNew() throws Exception {
        List<App> apps = new ArrayList<>();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            try {
                App a = new App(nats, "a", 1, "flyway", "db/flyway-v2", "");
                App b = new App(nats, "b", 2, "flyway", "db/flyway-v2", "");
                apps.add(a);
                apps.add(b);
                assertEquals(2, a.migrated() + b.migrated(), "V1 and V2 ran once in the cluster");
                List<List<Object>> prices = List.of(List.of(1, "apple", 110, 5), List.of(2, "pear", 210, 5),
                        List.of(3, "plum", 310, 5));
                for (App x : apps) {
                    Await.until(WAIT, "prices raised by 10 once on " + x.db, () -> x.query(ITEMS).equals(prices));
                }
                // rolling deploy: a node comes back with V3
                App c = new App(nats, "c", 3, "flyway", "db/flyway-v3", "");
                apps.add(c);
                assertEquals(1, c.migrated(), "only V3 ran on the late node");
                // a new node joins the migrated cluster, with the same code
                App d = new App(nats, "d", 4, "flyway", "db/flyway-v3", "");
                apps.add(d);
                assertEquals(0, d.migrated(), "nothing left to run on the new node");
                List<List<Object>> after = List.of(List.of(1, "apple", 110, 4), List.of(2, "pear", 210, 4),
                        List.of(3, "plum", 310, 4));
                for (App x : apps) {
                    Await.until(WAIT, "V3 applied once on " + x.db, () -> x.query(ITEMS).equals(after)
                            && x.query("SELECT count(*), sum(qty) FROM orders").equals(List.of(List.of(3, 15))));
                }
                String history = "SELECT version, description, script, checksum, success FROM flyway_schema_history ORDER BY installed_rank";
                for (App x : apps) {
                    Await.until(WAIT, "the same history and schema on " + x.db, () -> x.query(history).equals(d.query(history))
                            && x.query(SCHEMA).equals(d.query(SCHEMA)));
                }
                assertEquals(3, d.query(history).size());
            } finally {
                closeAll(apps);
            }
        }
    }

    @Test
    void liquibaseOnThreeNodesStartingTogether() throws Exception {
        List<App> apps = new ArrayList<>();
        String params = "exclude-tables=DATABASECHANGELOGLOCK";
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            try {
                for (int i = 1; i <= 3; i++) {
                    apps.add(new App(nats, "n" + i, i, "liquibase", "db/liquibase/changelog.sql", params));
                }
                int ran = 0;
                for (App x : apps) {
                    ran += x.migrated();
                }
                assertEquals(3, ran, "each changeset ran once in the cluster");
                List<List<Object>> items = List.of(List.of(1, "apple", 110, 5), List.of(2, "pear", 210, 5),
                        List.of(3, "plum", 310, 5));
                String history = "SELECT id, author, filename, md5sum FROM DATABASECHANGELOG ORDER BY orderexecuted";
                App first = apps.get(0);
                for (App x : apps) {
                    Await.until(WAIT, "migrated once, same history on " + x.db, () -> x.query(ITEMS).equals(items)
                            && x.query("SELECT count(*) FROM orders").equals(List.of(List.of(3)))
                            && x.query(history).equals(first.query(history)) && x.query(SCHEMA).equals(first.query(SCHEMA)));
                }
            } finally {
                closeAll(apps);
            }
        }
    }
}
