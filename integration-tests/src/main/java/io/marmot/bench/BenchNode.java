package io.marmot.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One benchmark node in its own JVM, driven by lines on stdin: {@code write <first-id> <count> <rows-per-tx>
 * <blob-bytes>} answers {@code done <nanos>}; {@code heard} answers {@code heard <events> <rows>} (with a listener); {@code cpu} answers {@code cpu <cpu-nanos>
 * <allocated-bytes>}; {@code mem} answers {@code mem <peak-heap-bytes> <peak-rss-kb>};
 * {@code quit}.
 */
public final class BenchNode {
    static final String SCHEMA = "CREATE TABLE IF NOT EXISTS bench (id INTEGER PRIMARY KEY, node INTEGER NOT NULL,"
            + " payload TEXT NOT NULL, data BLOB)";
    static final String PAYLOAD = "x".repeat(80);
    /** Leading the parameters: register a no-op change listener that counts what it hears ({@code heard}). */
    static final String LISTEN = "listen;";

    public static void main(String[] args) throws Exception {
        AtomicLong peakHeap = new AtomicLong();
        Thread sampler = new Thread(() -> {
            Runtime rt = Runtime.getRuntime();
            while (true) {
                peakHeap.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        String params = args.length > 3 ? args[3] : "";
        boolean listen = params.startsWith(LISTEN); // a no-op change listener from the engine's start (section 12)
        params = listen ? params.substring(LISTEN.length()) : params;
        String url = "jdbc:marmot:sqlite:" + args[0] + "?node-id=" + args[1] + "&nats-url=" + args[2]
                + "&synchronous=NORMAL" + (params.isEmpty() ? "" : "&" + params);
        AtomicLong[] heard = {new AtomicLong(), new AtomicLong()}; // events, rows
        if (listen) {
            io.marmot.Marmot.start(Path.of(args[0]), io.marmot.jdbc.ConnectionSpec.parse(url, new java.util.Properties())
                    .config()).addChangeListener(e -> {
                        heard[0].incrementAndGet();
                        heard[1].addAndGet(e.rows().size());
                    });
        }
        try (Connection c = DriverManager.getConnection(url)) {
            try (Statement s = c.createStatement()) {
                s.execute(SCHEMA);
            }
            System.out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] w = line.split(" ");
                switch (w[0]) {
                    case "write" -> {
                        long t0 = System.nanoTime();
                        write(c, Long.parseLong(w[1]), Integer.parseInt(w[2]), Integer.parseInt(w[3]),
                                Integer.parseInt(w[4]), Long.parseLong(args[1]));
                        System.out.println("done " + (System.nanoTime() - t0));
                    }
                    case "cpu" -> System.out.println("cpu " + cpuAndAllocation());
                    case "threads" -> System.out.println("threads " + threadCpu());
                    case "heard" -> System.out.println("heard " + heard[0].get() + " " + heard[1].get());
                    case "mem" -> System.out.println("mem " + peakHeap.get() + " " + peakRssKb());
                    case "quit" -> {
                        io.marmot.Marmot.closeAll();
                        System.out.println("bye");
                        return;
                    }
                    default -> System.out.println("unknown " + w[0]);
                }
                System.out.flush();
            }
        }
    }

    static void write(Connection c, long first, int count, int rowsPerTx, int blobBytes, long node) throws SQLException {
        byte[] blob = blobBytes > 0 ? new byte[blobBytes] : null;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO bench (id, node, payload, data) VALUES (?, ?, ?, ?)")) {
            if (rowsPerTx > 1) {
                c.setAutoCommit(false);
            }
            for (int i = 0; i < count; i++) {
                ps.setLong(1, first + i);
                ps.setLong(2, node);
                ps.setString(3, PAYLOAD);
                ps.setBytes(4, blob);
                if (rowsPerTx > 1) {
                    ps.addBatch();
                    if ((i + 1) % rowsPerTx == 0 || i == count - 1) {
                        ps.executeBatch();
                        c.commit();
                    }
                } else {
                    ps.executeUpdate();
                }
            }
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** This JVM's CPU nanoseconds and the bytes its live threads allocated so far. */
    static String cpuAndAllocation() {
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long allocated = 0;
        for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            allocated += Math.max(0, b);
        }
        return os.getProcessCpuTime() + " " + allocated;
    }

    /**
     * CPU nanoseconds and allocated bytes per kind of thread (its name without trailing digits), so what one part of
     * the engine costs can be told apart: {@code name=cpu/bytes;...}.
     */
    static String threadCpu() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Map<String, long[]> byKind = new java.util.TreeMap<>();
        long[] ids = threads.getAllThreadIds();
        long[] bytes = threads.getThreadAllocatedBytes(ids);
        java.lang.management.ThreadInfo[] infos = threads.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null) {
                continue;
            }
            String kind = infos[i].getThreadName().replaceAll("[-_ ]?[0-9]+", "#");
            long[] sum = byKind.computeIfAbsent(kind, k -> new long[2]);
            sum[0] += Math.max(0, threads.getThreadCpuTime(ids[i]));
            sum[1] += Math.max(0, bytes[i]);
        }
        long gcMillis = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            gcMillis += Math.max(0, gc.getCollectionTime());
        }
        byKind.put("gc-pauses-wall", new long[] {gcMillis * 1_000_000, 0});
        nativeThreads(byKind);
        byKind.put("jit-wall", new long[] {java.lang.management.ManagementFactory.getCompilationMXBean()
                .getTotalCompilationTime() * 1_000_000, 0});
        StringBuilder b = new StringBuilder();
        byKind.forEach((k, v) -> b.append(k.replace(' ', '_')).append('=').append(v[0]).append('/').append(v[1]).append(';'));
        return b.toString();
    }

    /**
     * The JVM's own threads as the kernel counts them (/proc/self/task: GC, JIT compilers and the rest, which
     * ThreadMXBean does not list), {@code os:<name>}; clock ticks of 10 ms, so read over seconds.
     */
    private static void nativeThreads(java.util.Map<String, long[]> byKind) {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String[] f = stat.substring(close + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
                String kind = "os:" + stat.substring(open + 1, close).replaceAll("[-_ #]?[0-9]+", "#").replace(' ', '_');
                byKind.computeIfAbsent(kind, k -> new long[2])[0] += ticks * 10_000_000L;
            }
        } catch (IOException | RuntimeException e) {
            byKind.put("os:unreadable", new long[2]);
        }
    }

    static long peakRssKb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
