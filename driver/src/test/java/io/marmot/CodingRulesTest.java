package io.marmot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The driver's habits, checked on its sources: packages are layered bottom to top and only look down, it logs
 * through slf4j only, and knows nothing of the sidecar.
 */
class CodingRulesTest {
    private static final Path SOURCES = Path.of("src", "main", "java");
    /** Bottom to top; a package may use its own layer and those below. The root package (io.marmot) is the top. */
    static final List<String> LAYERS = List.of("config", "sqlite", "schema", "clock", "wire", "capture", "replication",
            "nats", "listen", "merge", "publish", "apply", "verify", "snapshot", "feed", "engine", "jdbc", "hibernate", "");
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.marmot\\.([a-z]+)\\.");

    @Test
    void packagesOnlyUseLowerLayers() throws IOException {
        List<String> offences = new ArrayList<>();
        for (Path file : sources()) {
            String layer = layerOf(file);
            assertTrue(LAYERS.contains(layer), file + " is in no layer: add its package to LAYERS");
            Matcher m = REFERENCE.matcher(Files.readString(file));
            while (m.find()) {
                String used = m.group(1);
                if (!LAYERS.contains(used)) {
                    continue; // a class of the root package, say io.marmot.Marmot: only jdbc and root may, checked below
                }
                if (LAYERS.indexOf(used) > LAYERS.indexOf(layer)) {
                    offences.add(SOURCES.relativize(file) + " (" + layer + ") uses the higher layer " + used);
                }
            }
        }
        assertEquals(List.of(), offences);
    }

    @Test
    void everyLayerExistsAndNothingElse() throws IOException {
        Set<String> found = new TreeSet<>();
        for (Path file : sources()) {
            found.add(layerOf(file));
        }
        assertEquals(new TreeSet<>(LAYERS), found);
    }

    /**
     * Packages by job, none a catch-all: no layer holds more than a fifth of the driver's lines (the replication
     * package once held nearly half of them).
     */
    @Test
    void noLayerHoldsMoreThanAFifthOfTheLines() throws IOException {
        Map<String, Long> lines = new TreeMap<>();
        long total = 0;
        for (Path file : sources()) {
            long n = Files.readAllLines(file).size();
            lines.merge(layerOf(file), n, Long::sum);
            total += n;
        }
        List<String> offences = new ArrayList<>();
        for (var e : lines.entrySet()) {
            if (e.getValue() * 5 > total) {
                offences.add((e.getKey().isEmpty() ? "io.marmot" : e.getKey()) + ": " + e.getValue() + " of " + total
                        + " lines (at most a fifth): split it by job");
            }
        }
        assertEquals(List.of(), offences);
    }

    /** The first package below io.marmot (sub-packages such as jdbc.delegate belong to their parent's layer). */
    private static String layerOf(Path file) {
        Path rel = SOURCES.resolve(Path.of("io", "marmot")).relativize(file);
        return rel.getNameCount() == 1 ? "" : rel.getName(0).toString();
    }

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
            if (text.contains("io.marmot.sidecar")) {
                offences.add(SOURCES.relativize(file) + " depends on the sidecar (io.marmot.sidecar)");
            }
        }
        assertEquals(List.of(), offences);
    }

    /**
     * Small classes with one job: no hand-written class of the driver, the sidecar or the starter reaches 300 lines.
     */
    @Test
    void noClassReachesThreeHundredLines() throws IOException {
        List<String> offences = new ArrayList<>();
        List<Path> files = new ArrayList<>(sources());
        files.addAll(sidecarSources());
        files.addAll(starterSources());
        for (Path file : files) {
            String name = file.startsWith(SOURCES) ? SOURCES.resolve(Path.of("io", "marmot")).relativize(file).toString()
                    : file.toString();
            name = name.replace('\\', '/');
            long lines = Files.readAllLines(file).size();
            if (lines >= 300) {
                offences.add(name + ": " + lines + " lines (at most 299)");
            }
        }
        assertEquals(List.of(), offences);
    }

    /**
     * What users touch: the types README's "Java API" lists. Every other public type must be public because another
     * package of the driver (or the sidecar) uses it; one only its own package uses is package-private.
     */
    static final Set<String> API = Set.of("Marmot", "jdbc/MarmotDriver", "jdbc/MarmotDataSource",
            "jdbc/MarmotConnection", "config/MarmotConfig", "config/ConfigKey", "config/ConfigException",
            "config/NatsSettings", "config/EmbeddedCluster", "config/RouteTls", "config/StreamSettings", "config/SnapshotSettings",
            "engine/MarmotEngine", "engine/Health", "engine/ClusterLock", "hibernate/MarmotId",
            "hibernate/MarmotIdGenerator", "replication/ReplicationStats", "replication/NatsTroubles",
            "feed/ChangeFeedStats",
            "listen/ChangeListener", "listen/ChangeEvent", "listen/ChangedRow", "snapshot/Manifest",
            "snapshot/SnapshotStats");
    private static final Pattern PUBLIC_TYPE = Pattern.compile(
            "(?m)^public (?:final |abstract |sealed |non-sealed )*(?:class|interface|@interface|record|enum) (\\w+)");

    @Test
    void publicOnlyWhatUsersOrAnotherPackageNeed() throws IOException {
        List<Path> files = sources();
        Set<String> serviceLoaded = serviceLoaded();
        List<String> offences = new ArrayList<>();
        for (Path file : files) {
            Matcher m = PUBLIC_TYPE.matcher(Files.readString(file));
            String name = typeName(file);
            if (!m.find() || API.contains(name) || serviceLoaded.contains(name)) {
                continue;
            }
            Pattern use = Pattern.compile("\\b" + m.group(1) + "\\b");
            boolean usedElsewhere = false;
            for (Path other : concat(files, sidecarSources())) {
                if (!other.getParent().equals(file.getParent()) && use.matcher(Files.readString(other)).find()) {
                    usedElsewhere = true;
                    break;
                }
            }
            if (!usedElsewhere) {
                offences.add(name + " is public, yet only its own package uses it: make it package-private");
            }
        }
        assertEquals(List.of(), offences);
    }

    @Test
    void theApiIsPublicAndTheSidecarAndStarterUseNothingElse() throws IOException {
        for (String name : API) {
            Path file = SOURCES.resolve(Path.of("io", "marmot", name + ".java"));
            assertTrue(PUBLIC_TYPE.matcher(Files.readString(file)).find(), name + " is listed as API but not public");
        }
        Pattern imports = Pattern.compile("(?m)^import io\\.marmot\\.([\\w.]+);");
        List<String> offences = new ArrayList<>();
        for (Path file : concat(sidecarSources(), starterSources())) {
            Matcher m = imports.matcher(Files.readString(file));
            while (m.find()) {
                String used = m.group(1).replace('.', '/');
                if (!used.startsWith("sidecar/") && !used.startsWith("spring/") && !API.contains(used)) {
                    offences.add(file.getFileName() + " imports io.marmot." + m.group(1) + ", which is not API");
                }
            }
        }
        assertEquals(List.of(), offences);
    }

    /**
     * A user of the API never has to name an internal type: the API types' public signatures (and their public nested
     * types') mention only API types, their nested types, and types outside the driver.
     */
    @Test
    void theApiSignaturesMentionOnlyTheApi() throws ClassNotFoundException {
        assertEquals(List.of(), ApiSignatures.leaks(API));
    }

    /** The API is what README's "Java API" paragraph names: its types in code spans, no more, no fewer. */
    @Test
    void theApiIsWhatReadmeLists() throws IOException {
        String readme = Files.readString(DocsTest.root().resolve("README.md"));
        int start = readme.indexOf("### Java API");
        assertTrue(start >= 0, "README has no \"### Java API\" section");
        int end = readme.indexOf("\n\n", readme.indexOf("\n\n", start) + 2);
        Set<String> listed = new TreeSet<>();
        Matcher m = Pattern.compile("`([A-Z]\\w*)`").matcher(readme.substring(start, end));
        while (m.find()) {
            listed.add(m.group(1));
        }
        Set<String> api = new TreeSet<>();
        API.forEach(name -> api.add(name.substring(name.lastIndexOf('/') + 1)));
        assertEquals(api, listed, "README's Java API paragraph and CodingRulesTest.API name other types");
    }

    /** Types named in META-INF/services (a Flyway plugin, say): ServiceLoader needs them public. */
    private static Set<String> serviceLoaded() throws IOException {
        Set<String> names = new TreeSet<>();
        Path services = Path.of("src", "main", "resources", "META-INF", "services");
        try (Stream<Path> files = Files.list(services)) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.trim().startsWith("io.marmot.")) {
                        names.add(line.trim().substring("io.marmot.".length()).replace('.', '/'));
                    }
                }
            }
        }
        return names;
    }

    /** A driver type's name relative to io.marmot, e.g. {@code jdbc/MarmotDriver}. */
    private static String typeName(Path file) {
        String rel = SOURCES.resolve(Path.of("io", "marmot")).relativize(file).toString().replace('\\', '/');
        return rel.substring(0, rel.length() - ".java".length());
    }

    private static List<Path> concat(List<Path> a, List<Path> b) {
        List<Path> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** The sidecar's main sources, beside this module (the reactor builds both from one checkout). */
    private static List<Path> sidecarSources() throws IOException {
        return moduleSources("server-bridge");
    }

    /** The Spring Boot starter's main sources, beside this module. */
    private static List<Path> starterSources() throws IOException {
        return moduleSources("spring-boot-starter");
    }

    private static List<Path> moduleSources(String module) throws IOException {
        Path dir = Path.of("..", module, "src", "main", "java");
        assertTrue(Files.isDirectory(dir), "the sources of " + module + " are not at " + dir.toAbsolutePath());
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }
}
