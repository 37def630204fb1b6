package io.marmot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The docs a newcomer walks stay true to the repository: links and anchors resolve, benchmark sections named by
 * {@code §N} exist, every parameter has its README row, thread names the docs mention are the code's, and README
 * stays short. Each failure names the file, the line and what is broken.
 */
class DocsTest {
    static final int README_MAX_LINES = 350;
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern SECTION_SIGN = Pattern.compile("§\\s*(\\d+)");
    private static final Pattern BENCH_SECTION = Pattern.compile("(?i)\\bsections? (\\d+)");
    private static final Pattern BENCH_HEADING = Pattern.compile("(?m)^## (\\d+)\\. ");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("`(marmot-[A-Za-z0-9<>*_-]+)`");
    private static final Pattern QUALIFIED = Pattern.compile("\\bio\\.marmot(?:\\.[a-z]+)*\\.[A-Z]\\w*");
    private static final Pattern PARAMETER_ROW = Pattern.compile("^\\|\\s*`([a-z][a-z-]*)`\\s*\\|");

    /** The repository's root: the first directory up from here holding README.md, docs/ and pom.xml. */
    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("docs"))
                    && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root (README.md, docs/, pom.xml) above "
                + Path.of("").toAbsolutePath());
    }

    static List<Path> docs(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    /** A file's lines with fenced code blocks blanked (kept as empty lines, so line numbers stay right). */
    static List<String> prose(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(file)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                out.add("");
            } else {
                out.add(fenced ? "" : line);
            }
        }
        return out;
    }

    /** GitHub's anchors of a file's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
    static Set<String> anchors(Path file) throws IOException {
        Set<String> found = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(file)) {
            Matcher m = HEADING.matcher(line);
            if (m.matches()) {
                String slug = slug(m.group(2));
                int n = seen.merge(slug, 1, Integer::sum);
                found.add(n == 1 ? slug : slug + "-" + (n - 1));
            }
        }
        return found;
    }

    static String slug(String heading) {
        String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").toLowerCase(java.util.Locale.ROOT);
        StringBuilder b = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                b.appendCodePoint(c);
            } else if (c == ' ') {
                b.append('-');
            }
        });
        return b.toString();
    }

    private static String where(Path root, Path file, int index) {
        return root.relativize(file).toString().replace('\\', '/') + ":" + (index + 1);
    }

    @Test
    void linksAndAnchorsResolve() throws IOException {
        Path root = root();
        List<String> broken = new ArrayList<>();
        for (Path file : docs(root)) {
            List<String> lines = prose(file);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = LINK.matcher(lines.get(i));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
                        continue; // http:, https:, mailto: — not ours to check
                    }
                    int hash = target.indexOf('#');
                    String path = hash < 0 ? target : target.substring(0, hash);
                    String anchor = hash < 0 ? null : target.substring(hash + 1);
                    Path linked = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
                    if (!Files.exists(linked)) {
                        broken.add(where(root, file, i) + ": link to a missing file: " + target);
                    } else if (anchor != null && linked.toString().endsWith(".md") && !anchors(linked).contains(anchor)) {
                        broken.add(where(root, file, i) + ": no heading with anchor #" + anchor + " in "
                                + root.relativize(linked) + ": " + target);
                    }
                }
            }
        }
        assertEquals(List.of(), broken, "broken links in README.md and docs/");
    }

    @Test
    void benchmarkSectionsNamedExist() throws IOException {
        Path root = root();
        Path bench = root.resolve("docs").resolve("benchmarks.md");
        Set<String> sections = new TreeSet<>();
        Matcher h = BENCH_HEADING.matcher(Files.readString(bench));
        while (h.find()) {
            sections.add(h.group(1));
        }
        assertTrue(sections.size() > 3, "docs/benchmarks.md: expected numbered sections (## N. …), found " + sections);
        List<String> broken = new ArrayList<>();
        for (Path file : docs(root)) {
            boolean isBench = file.equals(bench);
            List<String> lines = prose(file);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                List<Matcher> refs = new ArrayList<>(List.of(SECTION_SIGN.matcher(line)));
                if (!isBench && line.contains("benchmarks.md")) {
                    refs.add(BENCH_SECTION.matcher(line)); // "section 8 of docs/benchmarks.md"
                }
                for (Matcher m : refs) {
                    while (m.find()) {
                        if (!sections.contains(m.group(1))) {
                            broken.add(where(root, file, i) + ": docs/benchmarks.md has no section " + m.group(1)
                                    + " (it has " + sections + "): " + m.group());
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), broken, "references to sections of docs/benchmarks.md");
    }

    @Test
    void everyParameterHasItsReadmeRow() throws Exception {
        Path root = root();
        Set<String> rows = new HashSet<>();
        for (String line : prose(root.resolve("README.md"))) {
            Matcher m = PARAMETER_ROW.matcher(line);
            if (m.find()) {
                rows.add(m.group(1));
            }
        }
        Class<?> keys = Class.forName("io.marmot.config.ConfigKey");
        Method key = keys.getMethod("key");
        List<String> missing = new ArrayList<>();
        for (Object k : keys.getEnumConstants()) {
            String name = (String) key.invoke(k);
            if (!rows.contains(name)) {
                missing.add("README.md: the parameter table has no row for `" + name + "` (ConfigKey." + k + ")");
            }
        }
        assertTrue(keys.getEnumConstants().length > 10, "ConfigKey read reflectively: too few constants");
        assertEquals(List.of(), missing, "README.md's parameter table");
    }

    /**
     * A backticked {@code marmot-…} that ends in {@code -*} (a pool's numbered threads), holds a placeholder such as
     * {@code <node>}, or stands on a line that speaks of threads is taken for a thread name (file names, with a dot,
     * are not). Each literal piece of it — split at placeholders such as {@code <node>} — must
     * begin a string literal in the driver's (or sidecar's) sources.
     */
    @Test
    void threadNamesTheDocsMentionExist() throws IOException {
        Path root = root();
        StringBuilder code = new StringBuilder();
        for (String module : List.of("driver", "server-bridge")) {
            Path src = root.resolve(module).resolve(Path.of("src", "main", "java"));
            if (Files.isDirectory(src)) {
                try (Stream<Path> s = Files.walk(src)) {
                    for (Path p : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                        code.append(Files.readString(p)).append('\n');
                    }
                }
            }
        }
        String sources = code.toString();
        List<String> broken = new ArrayList<>();
        int names = 0;
        for (Path file : docs(root)) {
            List<String> lines = prose(file);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                Matcher m = CODE_SPAN.matcher(line);
                while (m.find()) {
                    String name = m.group(1);
                    boolean threadLike = name.endsWith("-*") || name.contains("<")
                            || line.toLowerCase(java.util.Locale.ROOT).contains("thread");
                    if (!threadLike || name.contains(".")) {
                        continue;
                    }
                    names++;
                    String missing = missingPiece(name, sources);
                    if (missing != null) {
                        broken.add(where(root, file, i) + ": thread name `" + name + "`: no string \"" + missing
                                + "…\" in driver/src/main/java or server-bridge/src/main/java");
                    }
                }
            }
        }
        assertTrue(names > 3, "expected the docs to name threads (`marmot-…-*`), found " + names);
        assertEquals(List.of(), broken, "thread names in README.md and docs/");
    }

    /** The first literal piece of a documented thread name that no string literal of the sources starts with. */
    static String missingPiece(String name, String sources) {
        // A thread pool's own counter ends the name: `-*` or `-<n>` (the pool appends "-" and a number)
        String bare = name.endsWith("-*") ? name.substring(0, name.length() - 2) : name.replaceAll("-<n>$", "");
        String[] pieces = bare.split("<[^>]*>");
        for (int p = 0; p < pieces.length; p++) {
            String piece = pieces[p];
            if (piece.isEmpty() || (p > 0 && piece.equals("-"))) {
                continue;
            }
            if (!sources.contains("\"" + piece)) {
                return piece;
            }
        }
        return null;
    }

    /** Class names users copy into configuration ({@code io.marmot.jdbc.MarmotDataSource}) must name real classes. */
    @Test
    void qualifiedClassNamesExist() throws IOException {
        Path root = root();
        List<String> broken = new ArrayList<>();
        for (Path file : docs(root)) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = QUALIFIED.matcher(lines.get(i));
                while (m.find()) {
                    String rel = m.group().replace('.', '/') + ".java";
                    boolean found = false;
                    for (String module : List.of("driver", "server-bridge", "spring-boot-starter")) {
                        found |= Files.isRegularFile(root.resolve(module).resolve("src/main/java").resolve(rel));
                    }
                    if (!found) {
                        broken.add(where(root, file, i) + ": no class " + m.group() + " in the sources");
                    }
                }
            }
        }
        assertEquals(List.of(), broken, "qualified class names in README.md and docs/");
    }

    @Test
    void readmeStaysShort() throws IOException {
        long lines = Files.readAllLines(root().resolve("README.md")).size();
        assertTrue(lines <= README_MAX_LINES, "README.md: " + lines + " lines, at most " + README_MAX_LINES
                + " (move internals to docs/)");
    }
}
