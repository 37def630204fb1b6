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
    private static final int HELD_READERS = 1000;

    private ManyDatabases() {
    }

    /** Runs the measurement in a fresh JVM and returns its figures. */
    /** @param natsPids the pid of every nats-server of {@code natsUrl}, comma-separated */
    static Result measure(Path dir, String natsUrl, String natsPids, int count, String heap, int settleSeconds,
            int idleSeconds) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path log = dir.resolve("many.log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap,
                "-Dmarmot.bench.settleSeconds=" + Long.getLong("marmot.bench.settleSeconds", settleSeconds),
                "-Dmarmot.bench.idleSeconds=" + Long.getLong("marmot.bench.idleSeconds", idleSeconds),
                "-cp", System.getProperty("java.class.path"), ManyDatabases.class.getName(), dir.toString(), natsUrl,
                Integer.toString(count), natsPids);
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
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        if (p.exitValue() != 0 || !figures.containsKey("shutdown_seconds")) {
            throw new IOException("the many-databases run failed (exit " + p.exitValue() + "); see " + log);
        }
        return new Result(figures);
    }

    /** {@code <dir> <nats-url> <count> <nats-server pid>}: prints one {@code name value} line per figure. */
    public static void main(String[] args) {
        try {
            run(args);
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace(); // to the run's log
            System.exit(1); // the request counter's connection would keep a failed run's JVM alive
        }
    }

    private static void run(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String natsUrl = args[1];
        int count = Integer.parseInt(args[2]);
        Files.createDirectories(dir);
        // One server, or several independent ones (tenant t on server t % K): their URLs and pids comma-separated.
        int[] ports = java.util.Arrays.stream(natsUrl.split(","))
                .mapToInt(u -> Integer.parseInt(u.substring(u.lastIndexOf(':') + 1))).toArray();
        List<Path> natsStats = java.util.Arrays.stream(args[3].split(",")).map(pid -> Path.of("/proc", pid, "stat")).toList();
        figure("count", count);
        figure("threads_before", ProcessFigures.javaThreads());
        figure("os_threads_before", ProcessFigures.osThreads());
        figure("fds_before", ProcessFigures.fileDescriptors().size());

        // The most descriptors held at once while opening and replicating, sampled (a listing of /proc/self/fd).
        java.util.concurrent.atomic.AtomicLong fdsPeak = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.ScheduledExecutorService sampler = peakSampler(fdsPeak);

        // Opened from several threads at once, as an application's request threads would.
        NatsRequests.Counting opening = NatsRequests.Counting.start(natsUrl);
        long t0 = System.nanoTime();
        java.util.concurrent.ExecutorService openers = java.util.concurrent.Executors.newFixedThreadPool(OPENERS, r -> {
            Thread t = new Thread(r, "opener");
            t.setDaemon(true); // a failed run ends its JVM: left running, its engines loaded the next run's server
            return t;
        });
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
        figure("open_seconds", (System.nanoTime() - t0) / 1e9);
        figure("fds_peak_opening", fdsPeak.get());
        peakFigures("fds_peak_opening");
        try (opening) {
            opening.stop(count).forEach((kind, perDatabase) -> figure("open_requests:" + kind, perDatabase));
        }

        // A row into the first replica of every tenant, from the same threads, while the engines still hold the
        // connections they opened; again after the idle window below, once they let them go (as for a tenant written
        // after a quiet while).
        writeToEveryTenant(dir, natsUrl, count, openers, 1, "");
        sampler.shutdownNow();
        figure("fds_peak", fdsPeak.get());
        peakFigures("fds_peak");

        // What a quiet moment looks like: set-up work is over (-Dmarmot.bench.settleSeconds waits longer, past the
        // first verification rounds, for the steady idle state).
        Thread.sleep(1000L * Long.getLong("marmot.bench.settleSeconds", 10));
        figure("threads", ProcessFigures.javaThreads());
        figure("os_threads", ProcessFigures.osThreads());
        figure("marmot_threads", Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("marmot-")).count());
        Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .collect(java.util.stream.Collectors.groupingBy(t -> t.getName().replaceAll("\\d+", "#"),
                        java.util.TreeMap::new, java.util.stream.Collectors.counting()))
                .forEach((group, n) -> System.err.println("threads " + group + ": " + n));
        List<String> fds = ProcessFigures.fileDescriptors();
        figure("fds", fds.size());
        figure("nats_connections", natsConnections(fds, ports));
        figure("nats_servers", ports.length);
        figure("nats_fds", natsStats.stream().mapToLong(stat -> ProcessFigures.fileDescriptors(stat.getParent())).max().orElse(0));
        Map<String, Long> threadCpu0 = ProcessFigures.cpuByThreadGroup();
        Map<String, Long> osCpu0 = ProcessFigures.osCpuByThreadGroup();
        long cpu0 = ProcessFigures.processCpuNanos();
        long natsTicks0 = natsTicks(natsStats);
        // A count that does not vary with the machine's load beside the CPU: the appliers' steps (tasks of their pool).
        java.util.concurrent.ThreadPoolExecutor apply =
                (java.util.concurrent.ThreadPoolExecutor) io.marmot.replication.MarmotRuntime.get().apply();
        long steps0 = apply.getCompletedTaskCount();
        long engineTasks0 = engineTasks();
        long wall0 = System.nanoTime();
        // -Dmarmot.bench.idleSeconds: a window of a minute or more takes in what each database does once a minute (the
        // databases opened together do it together: a shorter window may miss it or catch it whole).
        long idleSeconds = Long.getLong("marmot.bench.idleSeconds", 10);
        Thread.sleep(1000L * idleSeconds);
        long wall = System.nanoTime() - wall0;
        figure("idle_apply_steps_per_second", (apply.getCompletedTaskCount() - steps0) * 1e9 / wall);
        figure("idle_engine_tasks_per_second", engineTasks0 < 0 ? Double.NaN : (engineTasks() - engineTasks0) * 1e9 / wall);
        figure("idle_cpu_percent", 100.0 * (ProcessFigures.processCpuNanos() - cpu0) / wall);
        figure("idle_cpu_nats_percent", 100.0 * (natsTicks(natsStats) - natsTicks0) * 10_000_000L / wall);
        Map<String, Long> threadCpu1 = ProcessFigures.cpuByThreadGroup();
        figure("idle_cpu_marmot_percent", 100.0 * threadCpu1.entrySet().stream().filter(e -> e.getKey().startsWith("marmot-"))
                .mapToLong(e -> e.getValue() - threadCpu0.getOrDefault(e.getKey(), 0L)).sum() / wall);
        threadCpu1.forEach((group, nanos) -> System.err.printf("idle CPU %s: %.1f %%%n", group,
                100.0 * (nanos - threadCpu0.getOrDefault(group, 0L)) / wall));
        ProcessFigures.osCpuByThreadGroup().forEach((group, ticks) -> System.err.printf("idle CPU (kernel's view) %s: %.1f %%%n", group,
                100.0 * (ticks - osCpu0.getOrDefault(group, 0L)) * 10_000_000L / wall));
        // Requests counted after the CPU window (the counting connection's own work is no engine's), as long as it.
        NatsRequests.count(natsUrl, java.time.Duration.ofSeconds(Math.max(20, idleSeconds)))
                .forEach((kind, perSecond) -> figure("requests:" + kind, perSecond));
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        System.gc();
        figure("heap_mib", mem.getHeapMemoryUsage().getUsed() / 1048576.0);
        figure("heap_committed_mib", mem.getHeapMemoryUsage().getCommitted() / 1048576.0);
        figure("rss_mib", ProcessFigures.status("VmRSS:") / 1024.0);

        java.util.concurrent.atomic.AtomicLong fdsPeakAfterIdle = new java.util.concurrent.atomic.AtomicLong();
        sampler = peakSampler(fdsPeakAfterIdle);
        writeToEveryTenant(dir, natsUrl, count, openers, 2, "_after_idle");
        sampler.shutdownNow();
        figure("fds_peak_after_idle", fdsPeakAfterIdle.get());
        openers.shutdown();

        long t2 = System.nanoTime();
        io.marmot.Marmot.closeAll();
        figure("shutdown_seconds", (System.nanoTime() - t2) / 1e9);
        Thread.sleep(500);
        figure("threads_after", ProcessFigures.javaThreads());
        figure("nats_connections_after", natsConnections(ProcessFigures.fileDescriptors(), ports));
    }

    /**
     * Writes row {@code row} into the first replica of every tenant from the openers' threads and waits until every
     * second replica holds it: the seconds the writes took, from the first write and after the last, as figures named
     * with {@code suffix}.
     */
    private static void writeToEveryTenant(Path dir, String natsUrl, int count,
            java.util.concurrent.ExecutorService openers, int row, String suffix) throws Exception {
        long t1 = System.nanoTime();
        List<java.util.concurrent.Future<?>> written = new ArrayList<>();
        for (int n = 0; n < count; n += 2) {
            int i = n;
            written.add(openers.submit(() -> {
                try (Connection c = DriverManager.getConnection(url(dir, i, natsUrl)); Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO notes VALUES (" + row + ", " + i / 2 + ", 'hello tenant " + i / 2 + "')");
                }
                return null;
            }));
        }
        for (java.util.concurrent.Future<?> f : written) {
            f.get();
        }
        long writtenAt = System.nanoTime();
        figure("write_seconds" + suffix, (writtenAt - t1) / 1e9);
        // Each missing row is looked for through a connection of its own, held while fewer than HELD_READERS are (a
        // reader per tenant of ten thousand would take 15,000 descriptors), else opened for the look.
        Map<Integer, Connection> readers = new LinkedHashMap<>();
        for (int i = 1; i < count; i += 2) {
            readers.put(i, readers.size() < HELD_READERS ? DriverManager.getConnection("jdbc:sqlite:" + file(dir, i)) : null);
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        int missing = readers.size();
        while (missing > 0 && System.nanoTime() < deadline) {
            for (java.util.Iterator<Map.Entry<Integer, Connection>> it = readers.entrySet().iterator(); it.hasNext();) {
                Map.Entry<Integer, Connection> e = it.next();
                boolean holds;
                if (e.getValue() != null) {
                    holds = holdsRow(e.getValue(), row);
                    if (holds) { // looked at no more: ten thousand readers each time would slow the looks down
                        e.getValue().close();
                    }
                } else {
                    try (Connection r = DriverManager.getConnection("jdbc:sqlite:" + file(dir, e.getKey()))) {
                        holds = holdsRow(r, row);
                    }
                }
                if (holds) {
                    it.remove();
                }
            }
            missing = readers.size();
            if (missing > 0) {
                Thread.sleep(50);
            }
        }
        for (Connection r : readers.values()) {
            if (r != null) {
                r.close();
            }
        }
        if (missing > 0) {
            throw new IllegalStateException(missing + " tenants' rows did not reach their other replica in 10 minutes");
        }
        figure("replicated_seconds" + suffix, (System.nanoTime() - t1) / 1e9);
        figure("replicated_after_writes_seconds" + suffix, (System.nanoTime() - writtenAt) / 1e9);
    }

    /** Samples the process's descriptors every 250 ms (a listing of /proc/self/fd), keeping the most seen. */
    private static java.util.concurrent.ScheduledExecutorService peakSampler(
            java.util.concurrent.atomic.AtomicLong peak) {
        java.util.concurrent.ScheduledExecutorService sampler =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "fd-sampler");
                    t.setDaemon(true);
                    return t;
                });
        sampler.scheduleWithFixedDelay(() -> {
            long now = ProcessFigures.fileDescriptors(Path.of("/proc/self"));
            if (now > peak.get()) {
                peak.set(now);
                peakMakeUp = makeUp();
            }
        }, 0, 250, TimeUnit.MILLISECONDS);
        return sampler;
    }

    /** What the descriptors at the last peak were: database files, WALs, -shm, others; the engines' connections. */
    private static volatile Map<String, Integer> peakMakeUp = Map.of();

    private static Map<String, Integer> makeUp() {
        Map<String, Integer> kinds = new java.util.TreeMap<>();
        try {
            for (String target : ProcessFigures.fileDescriptors()) {
                String kind = target.endsWith("-wal") ? "wal" : target.endsWith("-shm") ? "shm"
                        : target.endsWith(".db") ? "db" : "other";
                kinds.merge(kind, 1, Integer::sum);
            }
        } catch (IOException e) {
            return Map.of(); // the figures are only left out
        }
        io.marmot.replication.MarmotRuntime runtime = io.marmot.replication.MarmotRuntime.existing();
        if (runtime != null) {
            kinds.put("engine_connections", runtime.engineConnections().openCount());
        }
        return kinds;
    }

    /** The make-up of the last peak, as figures named after it. */
    private static void peakFigures(String peak) {
        peakMakeUp.forEach((kind, n) -> figure(peak + "_" + kind, n));
    }

    private static long natsConnections(List<String> fds, int[] ports) throws IOException {
        long n = 0;
        for (int port : ports) {
            n += ProcessFigures.natsConnections(fds, port);
        }
        return n;
    }

    /** The CPU ticks of every nats-server, summed. */
    private static long natsTicks(List<Path> stats) throws IOException {
        long ticks = 0;
        for (Path stat : stats) {
            ticks += ProcessFigures.cpuTicks(stat);
        }
        return ticks;
    }

    private static Path file(Path dir, int i) {
        return dir.resolve("tenant-" + i / 2 + "-" + (i % 2 + 1) + ".db");
    }

    /**
     * Replica {@code i % 2 + 1} of tenant {@code i / 2}: each tenant has streams (and subjects) of its own, named after
     * the run's size too, so a second run on the same server ({@code --tenants}) starts from streams of its own.
     */
    private static String url(Path dir, int i, String natsUrl) {
        String tenant = "tenant" + dir.getFileName() + "-" + i / 2;
        String[] servers = natsUrl.split(",");
        return "jdbc:marmot:sqlite:" + file(dir, i) + "?node-id=" + (i % 2 + 1) + "&nats-url=" + servers[i / 2 % servers.length]
                + "&stream-prefix=" + tenant + "&subject-prefix=" + tenant + "&max-log-bytes=" + (8 << 20);
    }

    private static boolean holdsRow(Connection c, int row) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM notes")) {
            return rs.next() && rs.getLong(1) == row;
        } catch (SQLException e) {
            return false; // the table is not there yet
        }
    }

    private static void figure(String name, double value) {
        System.out.println(name + " " + value);
        System.out.flush();
    }

    /** Tasks the engines' threads of the NATS connections ran; -1 with a driver that does not count them (older). */
    private static long engineTasks() {
        try {
            return (long) io.marmot.nats.NatsLink.class.getMethod("engineTasks").invoke(null);
        } catch (ReflectiveOperationException e) {
            return -1;
        }
    }
}
