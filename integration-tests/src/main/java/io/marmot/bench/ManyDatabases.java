package io.marmot.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Many replicated database files in one JVM, as with a database per tenant: {@code count} files, two replicas of
 * each tenant (its own stream and subjects, {@code max-log-bytes} 8 MiB so a thousand streams fit the server's
 * storage), all in this JVM and on one nats-server. Measures what the JVM holds with all of
 * them running (threads, file descriptors, NATS connections, heap, RSS, CPU while idle), how long opening them
 * all takes, how long until a row written to every tenant reached its other replica, and how long shutting down
 * takes. Runs in a JVM of its own ({@link #measure}), so nothing else in it counts.
 */
public final class ManyDatabases {
    /** What the run measured, by name (see {@link #main}). */
    record Result(Map<String, Double> figures) {
        double get(String name) {
            return figures.getOrDefault(name, Double.NaN);
        }
    }

    static final int OPENERS = 8;

    private ManyDatabases() {
    }

    /** Runs the measurement in a fresh JVM and returns its figures. */
    static Result measure(Path dir, String natsUrl, long natsPid, int count) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path log = dir.resolve("many.log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), ManyDatabases.class.getName(), dir.toString(), natsUrl,
                Integer.toString(count), Long.toString(natsPid));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Map<String, Double> figures = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                String[] w = l.split(" ");
                if (w.length == 2) {
                    figures.put(w[0], Double.parseDouble(w[1]));
                }
            }
        }
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        if (p.exitValue() != 0 || !figures.containsKey("shutdown_seconds")) {
            throw new IOException("the many-databases run failed (exit " + p.exitValue() + "); see " + log);
        }
        return new Result(figures);
    }

    /** {@code <dir> <nats-url> <count> <nats-server pid>}: prints one {@code name value} line per figure. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String natsUrl = args[1];
        int count = Integer.parseInt(args[2]);
        Files.createDirectories(dir);
        int port = Integer.parseInt(natsUrl.substring(natsUrl.lastIndexOf(':') + 1));
        figure("count", count);
        figure("threads_before", javaThreads());
        figure("os_threads_before", osThreads());
        figure("fds_before", fileDescriptors().size());

        // Opened from several threads at once, as an application's request threads would.
        long t0 = System.nanoTime();
        java.util.concurrent.ExecutorService openers = java.util.concurrent.Executors.newFixedThreadPool(OPENERS);
        List<java.util.concurrent.Future<?>> opened = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            int i = n;
            opened.add(openers.submit(() -> {
                try (Connection c = DriverManager.getConnection(url(dir, i, natsUrl)); Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, tenant INTEGER, body TEXT)");
                }
                return null;
            }));
        }
        for (java.util.concurrent.Future<?> f : opened) {
            f.get();
        }
        openers.shutdown();
        figure("open_seconds", (System.nanoTime() - t0) / 1e9);

        // A row into the first replica of every tenant; the time until every second replica holds its row.
        long t1 = System.nanoTime();
        for (int i = 0; i < count; i += 2) {
            try (Connection c = DriverManager.getConnection(url(dir, i, natsUrl)); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO notes VALUES (1, " + i / 2 + ", 'hello tenant " + i / 2 + "')");
            }
        }
        List<Connection> readers = new ArrayList<>();
        for (int i = 1; i < count; i += 2) {
            readers.add(DriverManager.getConnection("jdbc:sqlite:" + file(dir, i)));
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        int missing = readers.size();
        while (missing > 0 && System.nanoTime() < deadline) {
            missing = 0;
            for (Connection r : readers) {
                missing += holdsRow(r) ? 0 : 1;
            }
            if (missing > 0) {
                Thread.sleep(50);
            }
        }
        for (Connection r : readers) {
            r.close();
        }
        if (missing > 0) {
            throw new IllegalStateException(missing + " tenants' rows did not reach their other replica in 5 minutes");
        }
        figure("replicated_seconds", (System.nanoTime() - t1) / 1e9);

        // What a quiet moment looks like: set-up work is over (-Dmarmot.bench.settleSeconds waits longer, past the
        // first verification rounds, for the steady idle state).
        Thread.sleep(1000L * Long.getLong("marmot.bench.settleSeconds", 10));
        figure("threads", javaThreads());
        figure("os_threads", osThreads());
        figure("marmot_threads", Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("marmot-")).count());
        Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .collect(java.util.stream.Collectors.groupingBy(t -> t.getName().replaceAll("\\d+", "#"),
                        java.util.TreeMap::new, java.util.stream.Collectors.counting()))
                .forEach((group, n) -> System.err.println("threads " + group + ": " + n));
        List<String> fds = fileDescriptors();
        figure("fds", fds.size());
        figure("nats_connections", natsConnections(fds, port));
        Map<String, Long> threadCpu0 = cpuByThreadGroup();
        Map<String, Long> osCpu0 = osCpuByThreadGroup();
        long cpu0 = processCpuNanos();
        Path natsStat = Path.of("/proc", args[3], "stat");
        long natsTicks0 = cpuTicks(natsStat);
        long wall0 = System.nanoTime();
        Thread.sleep(10_000);
        long wall = System.nanoTime() - wall0;
        figure("idle_cpu_percent", 100.0 * (processCpuNanos() - cpu0) / wall);
        figure("idle_cpu_nats_percent", 100.0 * (cpuTicks(natsStat) - natsTicks0) * 10_000_000L / wall);
        Map<String, Long> threadCpu1 = cpuByThreadGroup();
        figure("idle_cpu_marmot_percent", 100.0 * threadCpu1.entrySet().stream().filter(e -> e.getKey().startsWith("marmot-"))
                .mapToLong(e -> e.getValue() - threadCpu0.getOrDefault(e.getKey(), 0L)).sum() / wall);
        threadCpu1.forEach((group, nanos) -> System.err.printf("idle CPU %s: %.1f %%%n", group,
                100.0 * (nanos - threadCpu0.getOrDefault(group, 0L)) / wall));
        osCpuByThreadGroup().forEach((group, ticks) -> System.err.printf("idle CPU (kernel's view) %s: %.1f %%%n", group,
                100.0 * (ticks - osCpu0.getOrDefault(group, 0L)) * 10_000_000L / wall));
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        System.gc();
        figure("heap_mib", mem.getHeapMemoryUsage().getUsed() / 1048576.0);
        figure("heap_committed_mib", mem.getHeapMemoryUsage().getCommitted() / 1048576.0);
        figure("rss_mib", status("VmRSS:") / 1024.0);

        long t2 = System.nanoTime();
        io.marmot.Marmot.closeAll();
        figure("shutdown_seconds", (System.nanoTime() - t2) / 1e9);
        Thread.sleep(500);
        figure("threads_after", javaThreads());
        figure("nats_connections_after", natsConnections(fileDescriptors(), port));
    }

    private static Path file(Path dir, int i) {
        return dir.resolve("tenant-" + i / 2 + "-" + (i % 2 + 1) + ".db");
    }

    /** Replica {@code i % 2 + 1} of tenant {@code i / 2}: each tenant has streams (and subjects) of its own. */
    private static String url(Path dir, int i, String natsUrl) {
        String tenant = "tenant-" + i / 2;
        return "jdbc:marmot:sqlite:" + file(dir, i) + "?node-id=" + (i % 2 + 1) + "&nats-url=" + natsUrl
                + "&stream-prefix=" + tenant + "&subject-prefix=" + tenant + "&max-log-bytes=" + (8 << 20);
    }

    private static boolean holdsRow(Connection c) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM notes")) {
            return rs.next() && rs.getLong(1) == 1;
        } catch (SQLException e) {
            return false; // the table is not there yet
        }
    }

    private static void figure(String name, double value) {
        System.out.println(name + " " + value);
        System.out.flush();
    }

    private static long javaThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).count();
    }

    /** Threads as the kernel counts them: the JVM's own (garbage collector, compilers) included. */
    private static long osThreads() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.count();
        }
    }

    private static List<String> fileDescriptors() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    out.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException e) {
                    // closed meanwhile (the listing's own descriptor)
                }
            }
        }
        return out;
    }

    /** TCP connections of this process to the NATS port: its sockets, looked up in the kernel's table. */
    private static long natsConnections(List<String> fds, int port) throws IOException {
        Set<String> inodes = new HashSet<>();
        for (String target : fds) {
            if (target.startsWith("socket:[")) {
                inodes.add(target.substring("socket:[".length(), target.length() - 1));
            }
        }
        long n = 0;
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p).subList(1, Files.readAllLines(p).size())) {
                String[] w = line.trim().split("\\s+");
                String remotePort = w[2].substring(w[2].indexOf(':') + 1);
                if (Integer.parseInt(remotePort, 16) == port && "01".equals(w[3]) && inodes.contains(w[9])) {
                    n++;
                }
            }
        }
        return n;
    }

    /** CPU time by thread name with its numbers left out (marmot-publish-3 counts as marmot-publish-#). */
    private static Map<String, Long> cpuByThreadGroup() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> out = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null) {
                out.merge(t.getThreadName().replaceAll("\\d+", "#"), Math.max(0, mx.getThreadCpuTime(t.getThreadId())), Long::sum);
            }
        }
        return out;
    }

    /** CPU ticks (1/100 s) by the kernel's thread names, numbers left out: the JVM's own threads too. */
    private static Map<String, Long> osCpuByThreadGroup() throws IOException {
        Map<String, Long> out = new java.util.TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("\\d+", "#");
                    out.merge(name, cpuTicks(t.resolve("stat")), Long::sum);
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return out;
    }

    /** User and system time of a process, in clock ticks (100 a second), from {@code /proc/<pid>/stat}. */
    private static long cpuTicks(Path stat) throws IOException {
        String s = Files.readString(stat);
        String[] w = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(w[11]) + Long.parseLong(w[12]);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long status(String field) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith(field)) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
