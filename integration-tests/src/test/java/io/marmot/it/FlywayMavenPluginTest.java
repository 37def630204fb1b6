package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Flyway Maven plugin, as a Java team runs it: a project whose {@code flyway-maven-plugin} has this build's
 * {@code marmot-jdbc} jar (and the driver's own dependencies) as its plugin dependencies, and {@code mvn flyway:migrate
 * -Dflyway.url=jdbc:marmot:sqlite:…} — no driver class — on two nodes at once, each in its own Maven JVM. The
 * migrations run once for the cluster (the second node waits for the cluster lock, catches up and finds nothing
 * left), and both files end with the same schema and rows.
 */
class FlywayMavenPluginTest {
    /** Generous: on an empty local repository Maven downloads the plugin first. */
    private static final long MAVEN_MINUTES = 5;
    private static final Pattern APPLIED = Pattern.compile("Successfully applied (\\d+) migrations?");

    @TempDir
    Path dir;

    /** The project's Flyway (parent POM's flyway.version), and the newest plugin release tried with the driver. */
    @ParameterizedTest(name = "flyway-maven-plugin {0}")
    @ValueSource(strings = {"11.10.0", "13.12.2"})
    void migrateOnTwoNodesAtOnceRunsEachMigrationOnceAndTheFilesAgree(String flywayVersion) throws Exception {
        Path project = writeProject(flywayVersion);
        Path a = dir.resolve("a.db");
        Path b = dir.resolve("b.db");
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            Process pa = mvn(project, a, 1, nats.url(), dir.resolve("a.log"));
            Process pb = mvn(project, b, 2, nats.url(), dir.resolve("b.log"));
            int applied = finished(pa, dir.resolve("a.log")) + finished(pb, dir.resolve("b.log"));
            assertEquals(2, applied, "V1 and V2 ran once in the cluster");
        }
        Map<String, List<List<Object>>> onA = content(a);
        assertEquals(List.of(List.of(1, "apple", 110, 5), List.of(2, "pear", 210, 5), List.of(3, "plum", 310, 5)),
                onA.get("item"), "the data migration ran once");
        assertEquals(2, onA.get("flyway_schema_history").size());
        assertEquals(onA, content(b), "both nodes' files hold the same schema and rows");
    }

    /** A Maven project with only the plugin, its configuration in the POM as a team would keep it. */
    private Path writeProject(String flywayVersion) throws Exception {
        Path project = Files.createDirectories(dir.resolve("project"));
        Path migrations = Path.of("src", "test", "resources", "db", "flyway-v2").toAbsolutePath();
        String pom = """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>flyway-on-marmot</artifactId>
                  <version>1</version>
                  <packaging>pom</packaging>
                  <build>
                    <plugins>
                      <plugin>
                        <groupId>org.flywaydb</groupId>
                        <artifactId>flyway-maven-plugin</artifactId>
                        <version>%s</version>
                        <configuration>
                          <locations><location>filesystem:%s</location></locations>
                        </configuration>
                        <dependencies>
                          <dependency>
                            <groupId>io.marmot</groupId>
                            <artifactId>marmot-jdbc</artifactId>
                            <version>this-build</version>
                            <scope>system</scope>
                            <systemPath>%s</systemPath>
                          </dependency>
                %s        </dependencies>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(flywayVersion, migrations, thinJar(), driverDependencies());
        Files.writeString(project.resolve("pom.xml"), pom);
        return project;
    }

    /** The thin jar beside the -all jar this reactor built. */
    private static Path thinJar() throws Exception {
        Path all = ShadedJarTest.allJar().toAbsolutePath();
        Path thin = all.resolveSibling(all.getFileName().toString().replace("-all.jar", ".jar"));
        assertTrue(Files.exists(thin), thin + " is missing: run mvn package");
        return thin;
    }

    /** sqlite-jdbc, jnats and JSqlParser in the versions this build uses (those on this test's class path). */
    private static String driverDependencies() {
        StringBuilder xml = new StringBuilder();
        for (String[] gav : new String[][] {{"org.xerial", "sqlite-jdbc"}, {"io.nats", "jnats"},
                {"com.github.jsqlparser", "jsqlparser"}}) {
            xml.append("              <dependency><groupId>").append(gav[0]).append("</groupId><artifactId>")
                    .append(gav[1]).append("</artifactId><version>").append(versionOnClassPath(gav[1]))
                    .append("</version></dependency>\n");
        }
        return xml.toString();
    }

    private static String versionOnClassPath(String artifact) {
        Pattern jar = Pattern.compile(Pattern.quote(artifact) + "-(\\d[^/]*)\\.jar");
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Matcher m = jar.matcher(Path.of(entry).getFileName().toString());
            if (m.matches()) {
                return m.group(1);
            }
        }
        throw new AssertionError(artifact + " is not on the test class path");
    }

    private Process mvn(Path project, Path db, int nodeId, String natsUrl, Path log) throws Exception {
        String url = "jdbc:marmot:sqlite:" + db + "?node-id=" + nodeId + "&nats-url=" + natsUrl;
        return new ProcessBuilder("mvn", "-B", "flyway:migrate", "-Dflyway.url=" + url)
                .directory(project.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits for a Maven run (bounded), checks it succeeded, and returns how many migrations it applied. */
    private static int finished(Process p, Path log) throws Exception {
        if (!p.waitFor(MAVEN_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("mvn flyway:migrate did not finish within " + MAVEN_MINUTES + " min; see " + log);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "mvn flyway:migrate failed:\n" + out);
        Matcher m = APPLIED.matcher(out);
        if (m.find()) {
            return Integer.parseInt(m.group(1));
        }
        assertTrue(out.contains("No migration necessary"), out);
        return 0;
    }

    /** Every table outside the engine's and SQLite's own, with its definition and all its rows. */
    private static Map<String, List<List<Object>>> content(Path db) throws Exception {
        Map<String, List<List<Object>>> tables = new LinkedHashMap<>();
        try (Connection c = Db.plain(db)) {
            List<List<Object>> schema = Db.list(c, "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE"
                    + " '\\_\\_marmot\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name");
            tables.put("sqlite_master", schema);
            for (List<Object> row : schema) {
                if (row.get(0).equals("table")) {
                    String name = (String) row.get(1);
                    tables.put(name, new ArrayList<>(Db.list(c, "SELECT * FROM \"" + name + "\" ORDER BY 1")));
                }
            }
        }
        return tables;
    }
}
