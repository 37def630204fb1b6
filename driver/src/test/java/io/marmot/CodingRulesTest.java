package io.marmot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The driver's habits, checked on its sources: it logs through slf4j only, and knows nothing of the sidecar. */
class CodingRulesTest {
    private static final Path SOURCES = Path.of("src", "main", "java");

    @Test
    void noConsoleOutputNoStackTracesNoJavaUtilLogging() throws IOException {
        List<String> offences = new ArrayList<>();
        for (Path file : sources()) {
            String text = Files.readString(file);
            for (String banned : List.of("System.out", "System.err", "printStackTrace(", "java.util.logging")) {
                // JDBC's Driver.getParentLogger names the JUL type; the driver answers that it does not use it.
                boolean allowed = banned.equals("java.util.logging") && file.endsWith(Path.of("jdbc", "MarmotDriver.java"));
                if (text.contains(banned) && !allowed) {
                    offences.add(SOURCES.relativize(file) + " uses " + banned);
                }
            }
            if (text.contains("io.marmot.bridge")) {
                offences.add(SOURCES.relativize(file) + " depends on the sidecar (io.marmot.bridge)");
            }
        }
        assertEquals(List.of(), offences);
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }
}
