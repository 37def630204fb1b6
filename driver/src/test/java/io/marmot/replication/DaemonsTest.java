package io.marmot.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonsTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearProperty() {
        System.clearProperty(Daemons.PRIORITY_PROPERTY);
    }

    @Test
    void marmotThreadsRunBelowTheApplicationUnlessTold() {
        assertEquals(Thread.MIN_PRIORITY, Daemons.thread("t", () -> { }).getPriority());
        assertEquals(Thread.MIN_PRIORITY, Daemons.factory("pool").newThread(() -> { }).getPriority());
        assertEquals(Thread.NORM_PRIORITY, Daemons.normalThread("t", () -> { }).getPriority());
        assertTrue(Daemons.thread("t", () -> { }).isDaemon());

        System.setProperty(Daemons.PRIORITY_PROPERTY, "5");
        assertEquals(Thread.NORM_PRIORITY, Daemons.thread("t", () -> { }).getPriority());
        System.setProperty(Daemons.PRIORITY_PROPERTY, " 3 ");
        assertEquals(3, Daemons.thread("t", () -> { }).getPriority());
    }

    @Test
    void aPriorityOutOfRangeFallsBackToTheLowest() {
        for (String bad : new String[] {"0", "11", "low", ""}) {
            System.setProperty(Daemons.PRIORITY_PROPERTY, bad);
            assertEquals(Thread.MIN_PRIORITY, Daemons.thread("t", () -> { }).getPriority(), bad);
        }
    }

    /**
     * What docs/operations.md promises: in a JVM run with {@code -XX:ThreadPriorityPolicy=1}, the engine's threads have
     * a nice value 4 above the application's (read from /proc), and without the flag the same as the application's.
     */
    @Test
    void withThePriorityPolicyTheEnginesThreadsAreNicedByFour() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        Map<String, Integer> tuned = niceOfThreads("-XX:ThreadPriorityPolicy=1");
        int app = tuned.get("(application)");
        assumeTrue(app <= 15, "this test runs at nice " + app + ": no room to go 4 lower");
        assertTrue(tuned.keySet().stream().anyMatch(n -> n.startsWith("marmot-looks")), tuned.toString());
        tuned.forEach((name, nice) -> {
            if (name.startsWith("marmot-")) {
                assertEquals(app + 4, nice, name + " in " + tuned);
            }
        });
        Map<String, Integer> plain = niceOfThreads("-Dunused=1");
        plain.forEach((name, nice) -> assertEquals((int) plain.get("(application)"), nice, name + " in " + plain));
        assertFalse(plain.isEmpty());
    }

    /** Every thread's name (as the kernel has it, 15 characters) and nice value in a JVM that opened a database. */
    private Map<String, Integer> niceOfThreads(String jvmFlag) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), jvmFlag, "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", NiceOfThreads.class.getName(),
                dir.resolve("nice" + jvmFlag.length() + ".db").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        Map<String, Integer> nice = new TreeMap<>();
        out.lines().filter(l -> l.startsWith("nice ")).forEach(l -> {
            String[] f = l.split("\t");
            nice.put(f[1], Integer.parseInt(f[2]));
        });
        assertTrue(nice.containsKey("(application)"), out);
        return nice;
    }

    /** The child JVM: opens a capture-only database through the driver, then prints every thread's nice value. */
    public static final class NiceOfThreads {
        public static void main(String[] args) throws Exception {
            try (Connection c = DriverManager.getConnection("jdbc:marmot:sqlite:" + args[0]
                    + "?node-id=5&publish=false&replicate=false")) {
                c.createStatement().execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
                c.createStatement().execute("INSERT INTO t VALUES (1, 'a')");
                System.out.println("nice \t(application)\t" + nice(Path.of("/proc/thread-self")));
                try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                    for (Path task : (Iterable<Path>) tasks::iterator) {
                        String stat = Files.readString(task.resolve("stat"));
                        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        System.out.println("nice \t" + name + "\t" + nice(task));
                    }
                }
            }
        }

        /** Field 19 of the thread's stat; its name is in parentheses and may hold spaces, so count after them. */
        static String nice(Path task) throws java.io.IOException {
            String stat = Files.readString(task.resolve("stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16];
        }
    }
}
