package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's -all.jar is what users drop into DBeaver or an application: it must work alone. */
class ShadedJarTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    static Path allJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "driver", "target"))) {
            return files.filter(p -> p.getFileName().toString().matches("marmot-jdbc-.*-all\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("driver/target/marmot-jdbc-*-all.jar is missing: run mvn package"));
        }
    }

    @Test
    void worksOnABareClassPath() throws Exception {
        Path check = Path.of("src", "test", "resources", "BareClasspathCheck.java").toAbsolutePath();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", allJar().toAbsolutePath().toString(), check.toString(), dir.resolve("bare.db").toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the check did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("captured=1"), out);
        assertTrue(out.contains("sqlite-connection=true unwrap=true"), out);
    }

    @Test
    void carriesNoLoggingBindingAndRelocatesItsLibraries() throws Exception {
        try (ZipFile jar = new ZipFile(allJar().toFile())) {
            assertTrue(jar.getEntry("org/sqlite/JDBC.class") != null, "sqlite-jdbc inside");
            assertTrue(jar.getEntry("org/slf4j/Logger.class") != null, "slf4j-api inside");
            assertTrue(jar.stream().anyMatch(e -> e.getName().startsWith("org/sqlite/native/Linux/x86_64/")),
                    "sqlite-jdbc native libraries inside");
            assertTrue(jar.getEntry("io/marmot/shaded/nats/client/Nats.class") != null, "jnats relocated");
            assertFalse(jar.stream().anyMatch(e -> e.getName().startsWith("io/nats/client/")), "jnats not unrelocated");
            assertFalse(jar.stream().anyMatch(e -> e.getName().startsWith("org/slf4j/simple/")
                    || e.getName().startsWith("ch/qos/logback/")), "no slf4j binding");
            assertFalse(jar.stream().anyMatch(e -> e.getName().startsWith("org/flywaydb/")),
                    "Flyway is optional: the application or tool brings its own");
            assertTrue(jar.getEntry("META-INF/services/org.flywaydb.core.extensibility.Plugin") != null,
                    "the Flyway database plugin is announced");
            assertFalse(jar.stream().anyMatch(e -> e.getName().startsWith("io/marmot/testing/")
                    || e.getName().startsWith("org/junit/")), "no test support, no JUnit");
            String drivers = new String(jar.getInputStream(jar.getEntry("META-INF/services/java.sql.Driver"))
                    .readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(drivers.contains("io.marmot.jdbc.MarmotDriver") && drivers.contains("org.sqlite.JDBC"), drivers);
        }
    }
}
